/* SOCKS5 client steps shared by the "socks5" connector (CONNECT, UDP-over-TCP) and remote
 * forwarding over a SOCKS5 node (GOST's MUX BIND 0xF2 and UDP-over-TCP 0xF3 binds). */
#ifndef GOST_CONNECTOR_SOCKS5_H
#define GOST_CONNECTOR_SOCKS5_H

#include "codec/socks5.h"
#include "model/service.h"

/* status 0: rep->code is SUCCEEDED and s carries what follows the reply. status < 0: s is
 * NULL (the stream was closed); rep holds the server's reply if one came. */
typedef void (*gost_socks5_reply_cb)(gost_stream *s, int status, const struct gost_socks5_msg *rep,
                                     void *user);

struct gost_socks5_op;

/* Greeting (no-auth, or user/pass when the node has credentials), then request cmd for addr
 * ("host:port"). NULL + last error on immediate failure (s untouched, cb never fires). */
struct gost_socks5_op *gost__socks5_request(struct gost_node *node, gost_ctx_t *ctx, gost_stream *s,
                                            uint8_t cmd, const char *addr, gost_socks5_reply_cb cb,
                                            void *user);
/* cb will not fire; s is left open. NULL-safe. */
void gost__socks5_op_cancel(struct gost_socks5_op *op);

/* "udp" through a SOCKS5 node: UDP-over-TCP (0xF3), then a datagram stream to addr. */
int gost__socks5_connect_udp(struct gost_node *node, gost_ctx_t *ctx, gost_stream *s, const char *addr,
                             gost_stream_ready_cb cb, void *user);

#endif
