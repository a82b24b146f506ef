/* gost_ctx_call: a mutex-protected FIFO drained by an ev_async watcher on the loop thread,
 * the libuv uv_async_send pattern. */
#include <pthread.h>

#include "core/call.h"
#include "core/ctx_int.h"
#include "core/error.h"

struct call {
  struct call *next;
  gost_call_fn fn;
  void *user;
};

struct gost_calls {
  pthread_mutex_t lock;
  struct call *head, *tail;
  ev_async async;
  gost_ctx_t *ctx;
};

static void on_calls(struct ev_loop *loop, ev_async *w, int revents) {
  struct gost_calls *q = w->data;
  pthread_mutex_lock(&q->lock);
  struct call *c = q->head; /* take the whole batch: calls queued meanwhile wake us again */
  q->head = q->tail = NULL;
  pthread_mutex_unlock(&q->lock);
  while (c) {
    struct call *next = c->next;
    c->fn(q->ctx, c->user);
    gost__free(q->ctx, c);
    c = next;
  }
}

int gost__calls_init(gost_ctx_t *ctx) {
  struct gost_calls *q = gost__calloc(ctx, 1, sizeof *q);
  if (!q) return GOST_ENOMEM;
  pthread_mutex_init(&q->lock, NULL);
  q->ctx = ctx;
  ev_async_init(&q->async, on_calls);
  q->async.data = q;
  ev_async_start(ctx->loop, &q->async);
  ev_unref(ctx->loop); /* a borrowed loop may still return */
  ctx->calls = q;
  return GOST_OK;
}

void gost__calls_free(gost_ctx_t *ctx) {
  struct gost_calls *q = ctx->calls;
  if (!q) return;
  ev_ref(ctx->loop);
  ev_async_stop(ctx->loop, &q->async);
  for (struct call *c = q->head, *n; c; c = n) { /* pending calls are dropped */
    n = c->next;
    gost__free(ctx, c);
  }
  pthread_mutex_destroy(&q->lock);
  gost__free(ctx, q);
  ctx->calls = NULL;
}

int gost_ctx_call(gost_ctx_t *ctx, gost_call_fn fn, void *user) {
  if (!ctx || !fn || !ctx->calls) return GOST_EINVAL;
  struct gost_calls *q = ctx->calls;
  /* The context allocator may be the caller's; it must be thread-safe as malloc is. */
  struct call *c = gost__malloc(ctx, sizeof *c);
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
