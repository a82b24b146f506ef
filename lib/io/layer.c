/* The shared base of stacked streams (see layer.h). */
#include "io/layer.h"

void gost__layer_init(struct gost_layer *l, const struct gost_stream_ops *ops, gost_ctx_t *ctx,
                      gost_stream *inner, void (*free_now)(struct gost_layer *l)) {
  gost__stream_init(&l->base, ops, ctx);
  l->inner = inner;
  if (inner) gost__stream_take_limit(&l->base, inner);
  l->free_now = free_now;
}

void gost__layer_close(struct gost_layer *l) {
  if (l->dead) return;
  l->dead = 1;
  gost_stream_close(l->inner);
  l->inner = NULL;
  gost__wreqq_clear(l->base.ctx, &l->wq);
  if (l->depth == 0) l->free_now(l);
}

void gost__layer_inner_written(gost_stream *in, int status, void *user) {
  (void)in;
  struct gost_layer *l = user;
  gost__layer_enter(l);
  if (status == 0) l->completed++;
  gost__wreqq_fire(l->base.ctx, &l->wq, &l->base, l->completed, status, &l->dead);
  gost__layer_leave(l);
}
