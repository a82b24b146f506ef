/* Write completions of a layered stream: each write's callback waits until the inner writes
 * issued for it have completed. Inner streams complete in order, so a count suffices. */
#ifndef GOST_IO_WREQ_H
#define GOST_IO_WREQ_H

#include "core/ctx_int.h"
#include "gost/error.h"
#include "io/stream.h"

struct gost_wreq {
  struct gost_wreq *next;
  gost_stream_write_cb cb;
  void *user;
  uint64_t mark; /* fires once the completed count reaches mark */
};

struct gost_wreqq {
  struct gost_wreq *head, *tail;
};

static inline int gost__wreqq_push(gost_ctx_t *ctx, struct gost_wreqq *q, gost_stream_write_cb cb,
                                   void *user, uint64_t mark) {
  if (!cb) return GOST_OK;
  struct gost_wreq *r = gost__malloc(ctx, sizeof *r);
  if (!r) return GOST_ENOMEM;
  r->next = NULL;
  r->cb = cb;
  r->user = user;
  r->mark = mark;
  if (q->tail) q->tail->next = r;
  else q->head = r;
  q->tail = r;
  return GOST_OK;
}

/* Fires (in order) every request with mark <= done, or all of them with status when status < 0.
 * Stops as soon as *dead becomes non-zero: a callback closed the stream. */
static inline void gost__wreqq_fire(gost_ctx_t *ctx, struct gost_wreqq *q, gost_stream *s,
                                    uint64_t done, int status, const int *dead) {
  while (q->head && !*dead && (status < 0 || q->head->mark <= done)) {
    struct gost_wreq *r = q->head;
    q->head = r->next;
    if (!q->head) q->tail = NULL;
    gost_stream_write_cb cb = r->cb;
    void *user = r->user;
    gost__free(ctx, r);
    cb(s, status, user);
  }
}

/* Drops every request without calling it (the stream is closing). */
static inline void gost__wreqq_clear(gost_ctx_t *ctx, struct gost_wreqq *q) {
  while (q->head) {
    struct gost_wreq *r = q->head;
    q->head = r->next;
    gost__free(ctx, r);
  }
  q->tail = NULL;
}

static inline int gost__wreqq_ready(const struct gost_wreqq *q, uint64_t done) {
  return q->head && q->head->mark <= done;
}

#endif
