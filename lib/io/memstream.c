/* In-memory stream pair. Each end queues what it writes; the reading end's idle watcher hands
 * the peer's queue to its read callback, then completes the peer's writes. Both ends live in
 * one allocation freed when both are closed and no dispatch is running. */
#include "io/memstream.h"

#include <string.h>

#include "core/ctx_int.h"
#include "core/error.h"
#include "io/wreq.h"

struct mem_pair;

struct mem_end {
  gost_stream base;
  struct mem_pair *pair;
  int reading, closed, shut, eof_sent;
  struct gost_bufq outq; /* written by this end, not yet read by the peer */
  struct gost_wreqq wq;
  uint64_t written, consumed;
  ev_idle idle;
};

struct mem_pair {
  struct mem_end e[2];
  int depth; /* dispatches in progress: frees wait for zero */
};

static struct mem_end *peer_of(struct mem_end *e) {
  return e == &e->pair->e[0] ? &e->pair->e[1] : &e->pair->e[0];
}

static int eof_due(const struct mem_end *r, const struct mem_end *w) {
  return !r->eof_sent && (w->closed || (w->shut && w->outq.bytes == 0));
}

/* Whether end e has work for its idle watcher. */
static int needs_idle(struct mem_end *e) {
  struct mem_end *w = peer_of(e);
  if (e->closed) return 0;
  if (e->reading && ((!w->closed && w->outq.bytes) || eof_due(e, w))) return 1;
  if (e->wq.head && (w->closed || gost__wreqq_ready(&e->wq, e->consumed))) return 1;
  return 0;
}

static void update(struct mem_end *e) {
  struct ev_loop *loop = e->base.ctx->loop;
  if (needs_idle(e)) {
    if (!ev_is_active(&e->idle)) ev_idle_start(loop, &e->idle);
  } else if (ev_is_active(&e->idle)) {
    ev_idle_stop(loop, &e->idle);
  }
}

static void maybe_free(struct mem_pair *p) {
  if (p->depth == 0 && p->e[0].closed && p->e[1].closed) gost__free(p->e[0].base.ctx, p);
}

static void run(struct mem_end *r) {
  struct mem_end *w = peer_of(r);
  gost_ctx_t *ctx = r->base.ctx;
  /* Writes of r that the peer will never read, or zero-length ones already due. */
  if (w->closed) gost__wreqq_fire(ctx, &r->wq, &r->base, 0, GOST_ECLOSED, &r->closed);
  else gost__wreqq_fire(ctx, &r->wq, &r->base, r->consumed, 0, &r->closed);
  for (int i = 0; i < 8 && !r->closed && r->reading; i++) {
    if (!w->closed && w->outq.bytes) {
      char tmp[GOST_BUF_SIZE]; /* copied out so callbacks may close either end */
      size_t n = gost__bufq_peek(&w->outq, tmp, sizeof tmp);
      gost__bufq_consume(&w->outq, &ctx->bufs, n);
      w->consumed += n;
      r->base.bytes_in += n;
      r->base.on_read(&r->base, (ssize_t)n, tmp, r->base.user);
      if (!w->closed) gost__wreqq_fire(ctx, &w->wq, &w->base, w->consumed, 0, &w->closed);
      if (!w->closed && w->outq.bytes == 0) gost__stream_drained(&w->base);
    } else if (eof_due(r, w)) {
      r->eof_sent = 1;
      r->base.on_read(&r->base, GOST_ECLOSED, NULL, r->base.user);
    } else {
      break;
    }
  }
}

static void on_idle(struct ev_loop *loop, ev_idle *wt, int revents) {
  (void)loop;
  (void)revents;
  struct mem_end *r = wt->data;
  struct mem_pair *p = r->pair;
  p->depth++;
  run(r);
  p->depth--;
  update(&p->e[0]);
  update(&p->e[1]);
  maybe_free(p);
}

static int m_read_start(gost_stream *s) {
  struct mem_end *e = (struct mem_end *)s;
  e->reading = 1;
  update(e);
  return GOST_OK;
}

static int m_read_stop(gost_stream *s) {
  struct mem_end *e = (struct mem_end *)s;
  e->reading = 0;
  update(e);
  return GOST_OK;
}

static int m_write(gost_stream *s, const struct iovec *iov, int iovcnt, gost_stream_write_cb cb,
                   void *user) {
  struct mem_end *e = (struct mem_end *)s;
  struct mem_end *w = peer_of(e);
  if (e->closed || e->shut) return gost__error(GOST_ESTATE, "memstream: write after shutdown");
  if (w->closed) return gost__error(GOST_ECLOSED, "memstream: peer closed");
  size_t total = 0;
  for (int i = 0; i < iovcnt; i++) total += iov[i].iov_len;
  if (total > GOST_MEMSTREAM_CAP - e->outq.bytes)
    return gost__error(GOST_ENOMEM, "memstream: write queue full (%zu bytes)", e->outq.bytes);
  for (int i = 0; i < iovcnt; i++)
    if (gost__bufq_append(&e->outq, &s->ctx->bufs, iov[i].iov_base, iov[i].iov_len) != GOST_OK)
      return gost__error(GOST_ENOMEM, "memstream: out of memory");
  e->written += total;
  s->bytes_out += total;
  if (gost__wreqq_push(s->ctx, &e->wq, cb, user, e->written) != GOST_OK)
    return gost__error(GOST_ENOMEM, "memstream: out of memory");
  update(e);
  update(w);
  return GOST_OK;
}

static size_t m_queued(const gost_stream *s) { return ((const struct mem_end *)s)->outq.bytes; }

static int m_shutdown(gost_stream *s) {
  struct mem_end *e = (struct mem_end *)s;
  e->shut = 1;
  update(peer_of(e));
  return GOST_OK;
}

static void m_close(gost_stream *s) {
  struct mem_end *e = (struct mem_end *)s;
  if (e->closed) return;
  e->closed = 1;
  ev_idle_stop(s->ctx->loop, &e->idle);
  gost__bufq_clear(&e->outq, &s->ctx->bufs);
  gost__wreqq_clear(s->ctx, &e->wq);
  update(peer_of(e));
  maybe_free(e->pair);
}

static int m_fd(const gost_stream *s) {
  (void)s;
  return -1;
}

static const struct gost_stream_ops mem_ops = {
    .name = "mem",
    .read_start = m_read_start,
    .read_stop = m_read_stop,
    .write = m_write,
    .write_queue_size = m_queued,
    .shutdown = m_shutdown,
    .close = m_close,
    .fd = m_fd,
};

int gost__memstream_pair(gost_ctx_t *ctx, gost_stream **a, gost_stream **b) {
  struct mem_pair *p = gost__calloc(ctx, 1, sizeof *p);
  if (!p) return gost__error(GOST_ENOMEM, "memstream: out of memory");
  for (int i = 0; i < 2; i++) {
    struct mem_end *e = &p->e[i];
    gost__stream_init(&e->base, &mem_ops, ctx);
    e->pair = p;
    gost_bufq_init(&e->outq);
    ev_idle_init(&e->idle, on_idle);
    e->idle.data = e;
  }
  *a = &p->e[0].base;
  *b = &p->e[1].base;
  return GOST_OK;
}
