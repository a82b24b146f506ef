/* Private to lib/connector/tunnel*.c: one relay request/response exchange on a stream. */
#ifndef GOST_CONNECTOR_TUNNEL_INT_H
#define GOST_CONNECTOR_TUNNEL_INT_H

#include "connector/tunnel.h"

/* status 0: resp holds a decoded Response (any STATUS); s may be a new wrapper. status < 0:
 * transport/parse error; s is the original stream. */
typedef void (*gost_tunnel_exchange_cb)(struct gost_tunnel_op *op, gost_stream *s, int status,
                                        const struct gost_relay_msg *resp, void *user);

/* Writes req (copied) and reads exactly one Response within timeout_ms. user must come from
 * gost__malloc: gost__tunnel_op_cancel() frees it. */
struct gost_tunnel_op *gost__tunnel_exchange(gost_ctx_t *ctx, gost_stream *s, const uint8_t *req,
                                             size_t n, uint64_t timeout_ms,
                                             gost_tunnel_exchange_cb cb, void *user);

#endif
