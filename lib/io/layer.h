/* The part every stream stacked on another stream shares (TLS, WebSocket): the inner stream, the
 * callback depth and dead flag that defer the free until no callback of ours is on the stack,
 * and the outer write callbacks completed as the inner writes are (io/wreq.h). hiredis keeps the
 * equivalent once, in async.c; here it is this base, which the concrete stream embeds first:
 *
 *   struct tls_stream { struct gost_layer l; SSL *ssl; ... };
 *   gost__layer_init(&t->l, &tls_ops, ctx, raw, free_tls);   // instead of gost__stream_init
 *   gost__layer_enter(&t->l); ...callbacks that may close...; gost__layer_leave(&t->l);
 *   gost_stream_write(t->l.inner, iov, n, gost__layer_inner_written, &t->l); t->l.issued++;
 *   close: stop your watchers, then gost__layer_close(&t->l).                                */
#ifndef GOST_IO_LAYER_H
#define GOST_IO_LAYER_H

#include <assert.h>

#include "io/stream.h"
#include "io/wreq.h"

struct gost_layer {
  gost_stream base; /* first: the concrete stream casts to and from it */
  gost_stream *inner;
  int dead;  /* closed by its owner; freed once depth is back to zero */
  int depth; /* our callbacks on the stack */
  struct gost_wreqq wq;
  uint64_t issued, completed; /* inner writes */
  void (*free_now)(struct gost_layer *l); /* frees the concrete object */
};

void gost__layer_init(struct gost_layer *l, const struct gost_stream_ops *ops, gost_ctx_t *ctx,
                      gost_stream *inner, void (*free_now)(struct gost_layer *l));

static inline void gost__layer_enter(struct gost_layer *l) { l->depth++; }

/* Leaves a callback; frees the stream when it was the last one and the stream is closed. */
static inline void gost__layer_leave(struct gost_layer *l) {
  assert(l->depth > 0);
  if (--l->depth == 0 && l->dead) l->free_now(l);
}

/* The common part of close (a no-op when already closed): marks the stream dead, closes the
 * inner stream, drops the queued write callbacks, and frees unless a callback of ours runs. */
void gost__layer_close(struct gost_layer *l);

/* gost_stream_write_cb of the inner writes (user: the layer): completes the outer writes whose
 * inner writes are all done, or all of them with the error. */
void gost__layer_inner_written(gost_stream *in, int status, void *user);

#endif
