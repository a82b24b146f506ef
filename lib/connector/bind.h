/* Remote forwarding through the last node of a chain: asks that node, over a stream already
 * connected to it, to listen for us. Three protocols, one result:
 *  - connector "tunnel" (or "relay" with tunnel.id): tunnel BIND, smux v2, relay headers;
 *  - connector "relay" without tunnel.id: plain relay BIND (handler relay, bind=true);
 *  - connector "socks5"/"socks": GOST's MUX BIND (0xF2) or UDP-over-TCP (0xF3).
 * TCP results carry an smux session in which the node opens one stream per peer, each
 * starting with a header; UDP results over relay/socks5 carry datagrams in framing (B). */
#ifndef GOST_CONNECTOR_BIND_H
#define GOST_CONNECTOR_BIND_H

#include "connector/tunnel.h"

struct gost_bind_op;

/* cb gets bi with hdr/dgram set (see gost_tunnel_bind_info). On status < 0 s may be NULL. */
struct gost_bind_op *gost__connector_bind(struct gost_node *node, gost_ctx_t *ctx, gost_stream *s,
                                          int udp, const char *bind_addr, gost_tunnel_bind_cb cb,
                                          void *user);
/* cb will not fire; s is left open. NULL-safe. */
void gost__bind_op_cancel(struct gost_bind_op *op);

#endif
