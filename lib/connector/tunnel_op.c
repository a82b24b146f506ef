/* One relay exchange: write the request in one piece, read exactly one Response (bounded,
 * timed), leaving any following bytes (smux frames, payload) for the next reader. */
#include "connector/tunnel_int.h"

#include "core/ctx_int.h"
#include "core/error.h"
#include "io/msgread.h"

struct gost_tunnel_op {
  gost_ctx_t *ctx;
  struct gost_msg_read *mr;
  struct gost_relay_msg resp;
  gost_tunnel_exchange_cb cb;
  void *user;
};

static int parse_response(const uint8_t *buf, size_t len, void *out, size_t *consumed) {
  return gost__relay_decode_response(buf, len, out, consumed);
}

static void on_response(gost_stream *s, int status, void *user) {
  struct gost_tunnel_op *op = user;
  op->mr = NULL;
  op->cb(op, s, status, status == 0 ? &op->resp : NULL, op->user);
  gost__free(op->ctx, op);
}

struct gost_tunnel_op *gost__tunnel_exchange(gost_ctx_t *ctx, gost_stream *s, const uint8_t *req,
                                             size_t n, uint64_t timeout_ms,
                                             gost_tunnel_exchange_cb cb, void *user) {
  struct gost_tunnel_op *op = gost__calloc(ctx, 1, sizeof(*op));
  if (!op) {
    gost__error(GOST_ENOMEM, "tunnel: exchange");
    return NULL;
  }
  op->ctx = ctx;
  op->cb = cb;
  op->user = user;
  int rc = gost_stream_write_buf(s, req, n, NULL, NULL);
  if (rc != 0) {
    gost__free(ctx, op);
    gost__error(rc, "tunnel: writing request");
    return NULL;
  }
  /* a Response is at most 4 + 65535 bytes */
  op->mr = gost__msg_read(ctx, s, 4 + 65535, timeout_ms, parse_response, &op->resp, on_response, op);
  if (!op->mr) {
    gost__free(ctx, op);
    return NULL;
  }
  return op;
}

void gost__tunnel_op_cancel(struct gost_tunnel_op *op) {
  if (!op) return;
  gost__msg_read_cancel(op->mr);
  gost__free(op->ctx, op->user);
  gost__free(op->ctx, op);
}
