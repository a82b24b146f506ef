#include "core/buf.h"

#include <string.h>

#include "gost/error.h"

void gost__buf_pool_init(struct gost_buf_pool *pool, const struct gost_mem *mem, size_t max_free) {
  memset(pool, 0, sizeof *pool);
  pool->mem = mem;
  pool->max_free = max_free;
}

void gost__buf_pool_cleanup(struct gost_buf_pool *pool) {
  while (pool->free) {
    struct gost_buf *b = pool->free;
    pool->free = b->next;
    gost__mem_free(pool->mem, b);
  }
  pool->nfree = 0;
}

struct gost_buf *gost__buf_get(struct gost_buf_pool *pool) {
  struct gost_buf *b = pool->free;
  if (b) {
    pool->free = b->next;
    pool->nfree--;
  } else {
    b = gost__mem_malloc(pool->mem, sizeof *b);
    if (!b) return NULL;
  }
  b->next = NULL;
  b->off = b->len = 0;
  pool->nlive++;
  return b;
}

void gost__buf_put(struct gost_buf_pool *pool, struct gost_buf *b) {
  if (!b) return;
  pool->nlive--;
  if (pool->nfree >= pool->max_free) {
    gost__mem_free(pool->mem, b);
    return;
  }
  b->next = pool->free;
  pool->free = b;
  pool->nfree++;
}

int gost__bufq_append(struct gost_bufq *q, struct gost_buf_pool *pool, const void *data, size_t n) {
  const char *p = data;
  while (n > 0) {
    struct gost_buf *t = q->tail;
    if (!t || gost_buf_room(t) == 0) {
      t = gost__buf_get(pool);
      if (!t) return GOST_ENOMEM;
      if (q->tail) q->tail->next = t;
      else q->head = t;
      q->tail = t;
    }
    size_t k = gost_buf_room(t);
    if (k > n) k = n;
    memcpy(t->data + t->len, p, k);
    t->len += (uint32_t)k;
    q->bytes += k;
    p += k;
    n -= k;
  }
  return GOST_OK;
}

void gost__bufq_consume(struct gost_bufq *q, struct gost_buf_pool *pool, size_t n) {
  while (n > 0 && q->head) {
    struct gost_buf *h = q->head;
    size_t k = gost_buf_avail(h);
    if (k > n) k = n;
    h->off += (uint32_t)k;
    q->bytes -= k;
    n -= k;
    if (gost_buf_avail(h) == 0) {
      q->head = h->next;
      if (!q->head) q->tail = NULL;
      gost__buf_put(pool, h);
    }
  }
}

size_t gost__bufq_peek(const struct gost_bufq *q, void *out, size_t n) {
  size_t done = 0;
  for (const struct gost_buf *b = q->head; b && done < n; b = b->next) {
    size_t k = gost_buf_avail(b);
    if (k > n - done) k = n - done;
    memcpy((char *)out + done, b->data + b->off, k);
    done += k;
  }
  return done;
}

int gost__bufq_iov(const struct gost_bufq *q, struct iovec *iov, int max) {
  int i = 0;
  for (const struct gost_buf *b = q->head; b && i < max; b = b->next) {
    if (gost_buf_avail(b) == 0) continue;
    iov[i].iov_base = (void *)(b->data + b->off);
    iov[i].iov_len = gost_buf_avail(b);
    i++;
  }
  return i;
}

void gost__bufq_clear(struct gost_bufq *q, struct gost_buf_pool *pool) {
  gost__bufq_consume(q, pool, q->bytes);
  while (q->head) { /* zero-length leftovers */
    struct gost_buf *h = q->head;
    q->head = h->next;
    gost__buf_put(pool, h);
  }
  q->tail = NULL;
  q->bytes = 0;
}
