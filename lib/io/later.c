#include "io/later.h"

#include "core/error.h"

struct later {
  ev_timer t;
  gost_ctx_t *ctx;
  gost_stream *s;
  gost_stream_ready_cb cb;
  void *user;
};

static void on_later(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)revents;
  struct later d = *(struct later *)w->data;
  ev_timer_stop(loop, w);
  gost__free(d.ctx, w->data);
  d.cb(d.ctx, d.s, GOST_OK, d.user);
}

int gost__stream_ready_later(gost_ctx_t *ctx, gost_stream *s, gost_stream_ready_cb cb, void *user) {
  struct later *d = gost__calloc(ctx, 1, sizeof *d);
  if (!d) return gost__error(GOST_ENOMEM, "out of memory");
  d->ctx = ctx;
  d->s = s;
  d->cb = cb;
  d->user = user;
  ev_timer_init(&d->t, on_later, 0., 0.);
  d->t.data = d;
  ev_timer_start(ctx->loop, &d->t);
  return GOST_OK;
}
