/* Entrypoint internals: a public connection while its first bytes are classified, and the
 * HTTP path (entry_http.c). */
#ifndef GOST_TUNNEL_ENTRY_H
#define GOST_TUNNEL_ENTRY_H

#include <ev.h>

#include "codec/proxyproto.h"
#include "codec/sniff.h"
#include "codec/tlshello.h"
#include "tunnel/server.h"

#define GOST_ENTRY_TLS_MAX (16 * 1024) /* ClientHello records buffered for replay */
/* Largest single read any stream of the project delivers (socket reads are 64 KiB at most):
 * buffers that must not lose bytes leave this much room above their parse limit. */
#define GOST_ENTRY_READ_MAX (64 * 1024)

struct gost_entry_conn {
  struct gost_tunnel_pending p;
  struct gost_tunnel_server *srv;
  const struct gost_ingress *ing;
  gost_stream *s;
  ev_timer timer;
  gost_sockaddr client; /* TCP peer, or the PROXY header's source */
  int pp_wanted;
  struct gost_tls_hello *hello; /* allocated on the TLS path only (large) */
  struct gost_tunnel_opening *opening; /* TLS stream coming from another node (cluster mode) */
  struct gost_ingress_query route; /* SNI lookup in progress */
  size_t len;
  uint8_t *buf; /* taken on the first read, so an idle public connection holds no buffer */
};

#define GOST_ENTRY_BUF_MAX (GOST_ENTRY_TLS_MAX + GOST__PP_V2_HDR + GOST__PP_V2_MAX_EXTRA + GOST_ENTRY_READ_MAX)

/* entry_tls.c: joins the public connection and its tunnel stream (the ClientHello already
 * written) once the backend's ServerHello arrived or entrypoint.readTimeout passed. Owns both. */
void gost__entry_tls_join(struct gost_tunnel_server *srv, gost_stream *pub, gost_stream *ts,
                          const char *host);

/* entry_pool.c: entrypoint.keepalive idle stream pool, keyed by (tunnel ID, dst host:port). */
#define GOST_ENTRY_DST_MAX (GOST__RELAY_HOST_MAX + 16)
#define GOST_ENTRY_POOL_PER_KEY 64
#define GOST_ENTRY_POOL_MAX 1024
#define GOST_ENTRY_POOL_IDLE_S 30.0
#define GOST_ENTRY_POOL_TICK_S 5.0
void gost__entry_pool_init(struct gost_tunnel_server *srv);
void gost__entry_pool_clear(struct gost_tunnel_server *srv);
/* Takes ownership of s (closed when the pool is full or memory runs out). */
void gost__entry_pool_put(struct gost_tunnel_server *srv, const uint8_t tid[16], const char *dst,
                          gost_stream *s);
/* A parked stream for the key (no read callback set), or NULL. */
gost_stream *gost__entry_pool_take(struct gost_tunnel_server *srv, const uint8_t tid[16], const char *dst);

/* entrypoint.c: runs a private service object (listener type "tcp"/"udp" on addr, the given
 * handler with state) so public listeners reuse the ordinary accept paths. On error l holds
 * nothing. */
int gost__entry_listener_start(struct gost_tunnel_server *srv, gost_service_t *l, const char *type,
                               const char *addr, const struct gost_handler_ops *handler, void *state);
void gost__entry_listener_stop(struct gost_tunnel_server *srv, gost_service_t *l);

/* entry_port.c: raw public ports routed by port to one tunnel (no Host/SNI): an `entrypoints`
 * item with `tunnel` ({addr, tunnel, host?, network?}), or the entrypoint.ports text
 * "[udp/]ADDR/TUNNEL_ID[/HOST],...". */
int gost__entry_port_from_json(struct gost_tunnel_server *srv, const json_t *item, size_t index);
int gost__entry_ports_parse(struct gost_tunnel_server *srv, const char *spec);
void gost__entry_ports_stop(struct gost_tunnel_server *srv);

/* Serves HTTP/1.x on s (first bytes data/len already read, copied here). */
void gost__entry_http_start(struct gost_tunnel_server *srv, const struct gost_ingress *ing,
                            gost_stream *s, const gost_sockaddr *client,
                            const void *data, size_t len);

#endif
