/* Pooled fixed-size buffers: taken while data is in flight, returned when drained, so idle
 * connections hold no buffer memory. */
#ifndef GOST_CORE_BUF_H
#define GOST_CORE_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "core/mem.h"

#define GOST_BUF_SIZE (16 * 1024)

struct gost_buf {
  struct gost_buf *next; /* free list or a queue */
  uint32_t off;          /* first unconsumed byte */
  uint32_t len;          /* end of valid data */
  char data[GOST_BUF_SIZE];
};

struct gost_buf_pool {
  const struct gost_mem *mem;
  struct gost_buf *free;
  size_t nfree;    /* buffers on the free list */
  size_t nlive;    /* buffers handed out */
  size_t max_free; /* free-list cap; beyond it buffers go back to the allocator */
};

void gost__buf_pool_init(struct gost_buf_pool *pool, const struct gost_mem *mem, size_t max_free);
void gost__buf_pool_cleanup(struct gost_buf_pool *pool);
/* A buffer with off = len = 0, or NULL when out of memory. */
struct gost_buf *gost__buf_get(struct gost_buf_pool *pool);
void gost__buf_put(struct gost_buf_pool *pool, struct gost_buf *b);

static inline size_t gost_buf_avail(const struct gost_buf *b) { return b->len - b->off; }
static inline size_t gost_buf_room(const struct gost_buf *b) { return GOST_BUF_SIZE - b->len; }

/* A FIFO of buffers with a byte count: the unit of every bounded queue. */
struct gost_bufq {
  struct gost_buf *head, *tail;
  size_t bytes;
};

static inline void gost_bufq_init(struct gost_bufq *q) { q->head = q->tail = NULL; q->bytes = 0; }
/* Copies n bytes in, filling the tail buffer first. GOST_ENOMEM on failure (nothing lost
 * that was already queued). */
int gost__bufq_append(struct gost_bufq *q, struct gost_buf_pool *pool, const void *data, size_t n);
/* Consumes n bytes from the front, returning emptied buffers to the pool. */
void gost__bufq_consume(struct gost_bufq *q, struct gost_buf_pool *pool, size_t n);
/* Copies up to n bytes from the front into out without consuming; returns the count. */
size_t gost__bufq_peek(const struct gost_bufq *q, void *out, size_t n);
/* Fills up to max iovecs with the queued data; returns the count. */
int gost__bufq_iov(const struct gost_bufq *q, struct iovec *iov, int max);
void gost__bufq_clear(struct gost_bufq *q, struct gost_buf_pool *pool);

#endif
