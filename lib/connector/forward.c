/* "forward" connector: the node itself is the target, nothing to ask it. */
#include "io/later.h"
#include "connector/connectors.h"

static int forward_connect(struct gost_node *node, gost_ctx_t *ctx, gost_stream *s,
                           const char *network, const char *addr,
                           const struct gost_conn_info *info, gost_stream_ready_cb cb, void *user) {
  (void)node;
  (void)network;
  (void)addr;
  (void)info;
  return gost__stream_ready_later(ctx, s, cb, user);
}

const struct gost_connector_ops gost__connector_forward = {.name = "forward", .connect = forward_connect};
