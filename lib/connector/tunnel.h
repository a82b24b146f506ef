/* Client side of the tunnel protocol: the visitor CONNECT (connector "tunnel", legacy
 * "relay") and the BIND that registers an rtcp/rudp service with a tunnel server. */
#ifndef GOST_CONNECTOR_TUNNEL_H
#define GOST_CONNECTOR_TUNNEL_H

#include <stdint.h>

#include "codec/relay.h"
#include "codec/uuid.h"
#include "model/service.h"

/* Per-node connector options (wire-spec §6, §7, §13). */
struct gost_tunnel_opts {
  int has_id;                  /* a tunnel ID is configured (or was generated) */
  uint8_t id[GOST__UUID_LEN];
  char id_str[GOST__UUID_STR_LEN + 1];
  uint8_t weight;              /* tunnel.weight, wraps at 256 like stock */
  int legacy;                  /* relay connector: 16-byte IDs, single Addr, smux v1 */
  int mux_version;             /* mux.version; default 2 (tunnel) or 1 (legacy relay) */
  uint64_t connect_timeout_ms; /* handshake deadline; default 10 s */
  int mux;                     /* tunnel.mux: visitors share a multiplexed session (tunnel_mux.c) */
};

/* Reads the options of a chain node whose connector is "tunnel" or "relay". For "tunnel"
 * without tunnel.id a random UUID is generated once and stored in the node's connector
 * metadata, so every reconnect registers under the same ID. GOST_ECONFIG on a bad ID. */
int gost__tunnel_opts(struct gost_node *node, gost_ctx_t *ctx, struct gost_tunnel_opts *out);

/* Result of a successful BIND. */
struct gost_tunnel_bind_info {
  char addr[GOST__RELAY_ADDR_STR_MAX]; /* first Addr of the response, "host:port" */
  char endpoint[GOST__RELAY_HOST_MAX + 1]; /* its host part */
  char tunnel_id[GOST__UUID_STR_LEN + 1];
  char connector_id[GOST__UUID_STR_LEN + 1]; /* "" when the server sent none */
  int weight;
  int mux_version;
  int hdr;   /* per-stream header: GOST__BIND_HDR_RELAY (tunnel, relay) or _SOCKS5 */
  int dgram; /* UDP over relay/socks5: no smux, datagrams in framing (B) on the stream */
};

enum { GOST__BIND_HDR_RELAY = 0, GOST__BIND_HDR_SOCKS5 = 1 };

/* status 0: s (possibly re-wrapped to keep bytes read past the response) now carries the
 * smux session, bi is filled. status < 0: s is the original stream, still open. */
typedef void (*gost_tunnel_bind_cb)(gost_stream *s, int status, const struct gost_tunnel_bind_info *bi,
                                    void *user);

struct gost_tunnel_op;

/* Sends BIND (§4.2) over s, a stream already connected to the tunnel server node, and reads
 * the Response. bind_addr is the service address (":0", "hello", ":8080"). NULL (last error
 * set) on immediate failure; cb never fires then. */
struct gost_tunnel_op *gost__tunnel_bind(struct gost_node *node, gost_ctx_t *ctx, gost_stream *s,
                                         int udp, const char *bind_addr, gost_tunnel_bind_cb cb,
                                         void *user);
/* Abandons an in-flight BIND or CONNECT: cb will not fire; s is left open. */
void gost__tunnel_op_cancel(struct gost_tunnel_op *op);

/* Builds the request bytes (stock feature order) into buf; returns the length or an error.
 * cmd is GOST__RELAY_CMD_CONNECT or _BIND; src/dst are "host:port" texts (dst NULL to omit). */
int gost__tunnel_build_request(const struct gost_node *node, const struct gost_tunnel_opts *o, int cmd,
                               int udp, const char *src, const char *dst, uint8_t *buf, size_t cap);

/* "ip:port" of a socket address, or "0.0.0.0:0" when unknown. */
void gost__tunnel_sockaddr_str(const gost_sockaddr *a, char *buf, size_t cap);

/* The visitor CONNECT on s, a stream to the tunnel server (its own connection, or a stream of
 * a multiplexed visitor session): the connector's connect operation. */
int gost__tunnel_visit(struct gost_node *node, gost_ctx_t *ctx, gost_stream *s, const char *network,
                       const char *addr, const struct gost_conn_info *info, gost_stream_ready_cb cb,
                       void *user);
/* tunnel_mux.c: the connector's open/open_cancel operations (model/service.h). */
int gost__tunnel_mux_open(struct gost_node *node, gost_ctx_t *ctx, const char *network, const char *addr,
                          const struct gost_conn_info *info, gost_stream_ready_cb cb, void *user, void **op);
void gost__tunnel_mux_cancel(void *op);

extern const struct gost_connector_ops gost__connector_tunnel;
extern const struct gost_connector_ops gost__connector_relay;

#endif
