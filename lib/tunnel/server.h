/* Tunnel server state shared by the "tunnel"/"relay" handlers (lib/handler/tunnel.c) and the
 * entrypoint (lib/tunnel/entry_*.c). */
#ifndef GOST_TUNNEL_SERVER_H
#define GOST_TUNNEL_SERVER_H

#include <ev.h>
#include <stdint.h>

#include "codec/relay.h"
#include "ingress/ingress.h"
#include "mux/session.h"
#include "model/service.h"
#include "tunnel/registry.h"

#define GOST_TUNNEL_MAX_ENTRYPOINTS 8
#define GOST_TUNNEL_DEFAULT_TIMEOUT_MS 15000

struct gost_entrypoint; /* one public listener (entrypoint.c) */
struct gost_tunnel_cluster; /* cluster mode (cluster.c), NULL on a single node */
struct gost_entry_port; /* one raw public port (entry_port.c) */
struct gost_tunnel_public; /* tunnel.public.* (public.c) */
#define GOST_TUNNEL_MAX_PORTS 64

struct gost_tunnel_server {
  gost_service_t *svc;
  gost_ctx_t *ctx;
  struct gost_tunnel_registry *reg;
  struct gost_smux_config mux; /* smux v2 opener (v1 for the legacy relay tunnel) */
  int legacy;                  /* handler "relay": 16-byte IDs, single-Addr visitors (§13) */
  int direct;                  /* tunnel.direct */
  int bind;                    /* bind: plain relay BIND (remote forwarding without a tunnel) */
  int has_entry_id;
  uint8_t entry_id[16];        /* entrypoint.id */
  int64_t read_timeout_ms;     /* relay request deadline on the tunnel port */
  int64_t entry_timeout_ms;    /* entrypoint.readTimeout: heads and hellos */
  size_t hs_max, nhs;          /* handshake.max; relay requests being read now */
  ev_tstamp hs_refuse_logged;  /* last "refusing" log line (one per second at most) */
  int relay_unsafe;            /* entrypoint.relay.unsafe: stock §5.5 behaviour */
  int proxy_protocol;          /* entrypoint.proxyProtocol: 0, 1 or 2 */
  struct gost_ingress inline_rules; /* `tunnel` option when no ingress object is set (a memory
                                     * source, backend NULL when unused; not a ctx object) */
  struct gost_entrypoint *eps[GOST_TUNNEL_MAX_ENTRYPOINTS];
  size_t neps;
  struct gost_entry_port *ports[GOST_TUNNEL_MAX_PORTS];
  size_t nports;
  struct gost_tunnel_public *pub; /* the public tunnel service, NULL when off */
  struct gost_list conns; /* handshakes and entrypoint connections in progress */
  int entry_keepalive;    /* entrypoint.keepalive: pool idle HTTP tunnel streams */
  int entry_accesslog;    /* entrypoint.accesslog: one info line per public HTTP request */
  char node_id[37];       /* Gost-Forwarded-Node on forwarded requests: random per server */
  struct gost_list pool;  /* idle streams (entry_pool.c), newest first */
  size_t npool;
  ev_timer pool_timer;    /* idle expiry; runs only while the pool is not empty */
  struct gost_tunnel_cluster *cluster;
  int vmux;                       /* tunnel.mux: accept multiplexed visitor sessions (default on) */
  struct gost_smux_config vmux_cfg; /* their smux settings (mux.* keys; we accept streams) */
  struct gost_list vmux_sessions; /* accepted sessions (vmux_serve.c) */
  size_t nvmux;                   /* ... how many (GOST_STAT_VISITOR_SESSIONS) */
};

/* Something to tear down on stop (handshakes, entrypoint sessions). */
struct gost_tunnel_pending {
  struct gost_list link;
  void (*abort)(struct gost_tunnel_pending *p);
};

/* route.c: the one routing path. Looks host (port ignored) up in ing, else the service's
 * ingress, else the inline `tunnel` rules; done(q, status) fires as gost__ingress_lookup says
 * (at once for memory sources), GOST_ENOTFOUND when nothing matches. q is the caller's, to
 * cancel with gost__ingress_cancel when the caller goes away first. */
void gost__tunnel_route(struct gost_tunnel_server *srv, const struct gost_ingress *ing, const char *host,
                        struct gost_ingress_query *q, gost_ingress_done_cb done, void *user);
int gost__tunnel_rules_parse(struct gost_tunnel_server *srv, const char *spec);
void gost__tunnel_rules_free(struct gost_tunnel_server *srv);
/* 1 when an ingress or inline rules are configured (BIND may then keep a custom name). */
int gost__tunnel_has_rules(const struct gost_tunnel_server *srv);

/* open.c: opens a stream to tunnel id and writes the stream header (§4.6) right after the
 * SYN: Response OK {Addr src, Addr dst}. src must be an IP literal "ip:port" (or ""). For the
 * legacy relay tunnel dst is sent as a domain Addr and omitted when empty. */
int gost__tunnel_open(struct gost_tunnel_server *srv, const uint8_t id[16], int udp,
                      const char *src, const char *dst, gost_stream **out);
/* "ip:port" of a sockaddr ("" for unknown). */
void gost__tunnel_addr_str(const gost_sockaddr *a, char *buf, size_t cap);

/* handler/tunnel.c: serve a relay request on s whose first bytes (data, len) were already
 * read. from_entrypoint: the §5.5 path (no auth, CONNECT only, safety check). */
void gost__tunnel_serve_relay(struct gost_tunnel_server *srv, gost_stream *s, const void *data,
                              size_t len, int from_entrypoint, const struct gost_ingress *ing);

/* handler/tunnel.c: serve the relay request at the start of a stream of a multiplexed visitor
 * session: as on a connection of its own, but tunnel CONNECT only. */
void gost__tunnel_serve_mux_stream(struct gost_tunnel_server *srv, gost_stream *s);
/* entrypoint.c */
int gost__entrypoints_start(struct gost_tunnel_server *srv);
void gost__entrypoints_stop(struct gost_tunnel_server *srv);
/* node.listen: another listener of this tunnel service (for node links); its bound port. */
int gost__tunnel_node_listen(struct gost_tunnel_server *srv, const char *addr, uint16_t *port);
/* Public connections accepted by one entrypoint so far. */
uint64_t gost__entrypoint_connections(const struct gost_entrypoint *ep);
/* Its listener's open connections against conns.max (open NULL when it is not listening). */
const struct gost_budget_gauge *gost__entrypoint_conns(const struct gost_entrypoint *ep);
/* "host:port" of the first entrypoint as configured (host may be empty) with its bound port,
 * or ":0" without one: what the legacy relay tunnel reports in a BIND reply, because 3.0.0-rc
 * clients resolve that Addr as a TCP address (a name that does not resolve fails the bind). */
void gost__entrypoint_bind_addr(const struct gost_tunnel_server *srv, char *buf, size_t cap);

/* One relay loop for every path: hands both streams to gost__pipe_start (io/pipe.c). */
void gost__tunnel_pipe(struct gost_tunnel_server *srv, gost_stream *a, gost_stream *b);
/* Same; datagram: either side's end ends both (UDP flows). */
void gost__tunnel_pipe_ex(struct gost_tunnel_server *srv, gost_stream *a, gost_stream *b, int datagram);

#endif
