/* A FIFO of datagrams in pooled buffers (core/buf.h): records laid end to end, so queueing a
 * datagram allocates nothing while the pool has buffers. A datagram larger than a pooled
 * buffer is the one case that takes a block of its own. The owner bounds the count. */
#ifndef GOST_IO_DGRAMQ_H
#define GOST_IO_DGRAMQ_H

#include <stddef.h>

#include "core/ctx_int.h"

struct gost_dgramq {
  struct gost_buf *head, *tail;
  size_t n; /* datagrams queued */
};

static inline void gost__dgramq_init(struct gost_dgramq *q) {
  q->head = q->tail = NULL;
  q->n = 0;
}
/* Copies one datagram in; GOST_ENOMEM when no memory (nothing queued). */
int gost__dgramq_push(struct gost_dgramq *q, gost_ctx_t *ctx, const void *p, size_t len);
/* The oldest datagram (valid until it is popped), or NULL when empty. */
const char *gost__dgramq_front(const struct gost_dgramq *q, size_t *len);
void gost__dgramq_pop(struct gost_dgramq *q, gost_ctx_t *ctx);
void gost__dgramq_clear(struct gost_dgramq *q, gost_ctx_t *ctx);

#endif
