/* Datagram FIFO in pooled buffers (see dgramq.h). */
#include "io/dgramq.h"

#include <string.h>

#include "core/buf.h"
#include "core/error.h"

struct rec {
  uint32_t len;
  uint32_t alone; /* the bytes are in a block of their own; the record holds its pointer */
};

#define ALIGN(n) (((n) + 7u) & ~(size_t)7u)

static size_t rec_size(const struct rec *r) {
  return ALIGN(sizeof *r + (r->alone ? sizeof(char *) : r->len));
}

int gost__dgramq_push(struct gost_dgramq *q, gost_ctx_t *ctx, const void *p, size_t len) {
  struct rec r = {(uint32_t)len, sizeof r + len > GOST_BUF_SIZE};
  size_t need = rec_size(&r);
  char *copy = NULL;
  if (r.alone && !(copy = gost__malloc(ctx, len))) return GOST_ENOMEM;
  struct gost_buf *b = q->tail;
  if (!b || GOST_BUF_SIZE - b->len < need) {
    if (!(b = gost__buf_get(&ctx->bufs))) {
      gost__free(ctx, copy);
      return GOST_ENOMEM;
    }
    b->next = NULL;
    if (q->tail) q->tail->next = b;
    else q->head = b;
    q->tail = b;
  }
  char *at = b->data + b->len;
  if (copy) {
    memcpy(copy, p, len);
    memcpy(at + sizeof r, &copy, sizeof copy);
  } else if (len) {
    memcpy(at + sizeof r, p, len);
  }
  memcpy(at, &r, sizeof r);
  b->len += (uint32_t)need;
  q->n++;
  return GOST_OK;
}

const char *gost__dgramq_front(const struct gost_dgramq *q, size_t *len) {
  if (!q->n) return NULL;
  const struct gost_buf *b = q->head;
  struct rec r;
  memcpy(&r, b->data + b->off, sizeof r);
  *len = r.len;
  const char *at = b->data + b->off + sizeof r;
  if (!r.alone) return at;
  char *copy;
  memcpy(&copy, at, sizeof copy);
  return copy;
}

void gost__dgramq_pop(struct gost_dgramq *q, gost_ctx_t *ctx) {
  if (!q->n) return;
  struct gost_buf *b = q->head;
  struct rec r;
  memcpy(&r, b->data + b->off, sizeof r);
  if (r.alone) {
    char *copy;
    memcpy(&copy, b->data + b->off + sizeof r, sizeof copy);
    gost__free(ctx, copy);
  }
  b->off += (uint32_t)rec_size(&r);
  q->n--;
  if (b->off == b->len) { /* emptied: back to the pool (the tail too: the next push takes one) */
    q->head = b->next;
    if (!q->head) q->tail = NULL;
    gost__buf_put(&ctx->bufs, b);
  }
}

void gost__dgramq_clear(struct gost_dgramq *q, gost_ctx_t *ctx) {
  while (q->n) gost__dgramq_pop(q, ctx);
}
