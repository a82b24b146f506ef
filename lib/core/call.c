/* gost_ctx_call: a mutex-protected FIFO drained by an ev_async watcher on the loop thread,
 * the libuv uv_async_send pattern. */
#include "core/call.h"
#include "core/ctx_int.h"
#include "core/error.h"

struct gost_call {
  struct gost_call *next;
  gost_call_fn fn;
  void *user;
};

static void on_calls(struct ev_loop *loop, ev_async *w, int revents) {
  struct gost_calls *q = w->data;
  pthread_mutex_lock(&q->lock);
  struct gost_call *c = q->head; /* take the whole batch: calls queued meanwhile wake us again */
  q->head = q->tail = NULL;
  pthread_mutex_unlock(&q->lock);
  while (c) {
    struct gost_call *next = c->next;
    c->fn(q->ctx, c->user);
    gost__free(q->ctx, c);
    c = next;
  }
}

int gost__calls_init(gost_ctx_t *ctx) {
  struct gost_calls *q = &ctx->calls; /* embedded: creating a ctx allocates only the ctx */
  if (pthread_mutex_init(&q->lock, NULL) != 0) return GOST_ENOMEM;
  q->head = q->tail = NULL;
  q->ctx = ctx;
  ev_async_init(&q->async, on_calls);
  q->async.data = q;
  ev_async_start(ctx->loop, &q->async);
  ev_unref(ctx->loop); /* a borrowed loop may still return */
  q->ready = 1;
  return GOST_OK;
}

void gost__calls_free(gost_ctx_t *ctx) {
  struct gost_calls *q = &ctx->calls;
  if (!q->ready) return;
  ev_ref(ctx->loop);
  ev_async_stop(ctx->loop, &q->async);
  for (struct gost_call *c = q->head, *n; c; c = n) { /* pending calls are dropped */
    n = c->next;
    gost__free(ctx, c);
  }
  pthread_mutex_destroy(&q->lock);
  q->ready = 0;
}

int gost_ctx_call(gost_ctx_t *ctx, gost_call_fn fn, void *user) {
  if (!ctx || !fn || !ctx->calls.ready) return GOST_EINVAL;
  struct gost_calls *q = &ctx->calls;
  /* The context allocator may be the caller's; it must be thread-safe as malloc is. */
  struct gost_call *c = gost__malloc(ctx, sizeof *c);
  if (!c) return GOST_ENOMEM;
  c->next = NULL;
  c->fn = fn;
  c->user = user;
  pthread_mutex_lock(&q->lock);
  if (q->tail) q->tail->next = c;
  else q->head = c;
  q->tail = c;
  pthread_mutex_unlock(&q->lock);
  ev_async_send(ctx->loop, &q->async);
  return GOST_OK;
}
