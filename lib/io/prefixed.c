/* Replay-then-pass-through stream adapter (see prefixed.h). */
#include "io/prefixed.h"

#include <string.h>

#include "core/ctx_int.h"
#include "core/error.h"

struct prefixed {
  gost_stream base; /* first: the public face */
  gost_stream *inner;
  char *pre;
  size_t len, off;
  int reading;
  int in_cb, dead; /* close from inside our own callback is deferred to its end */
  ev_timer kick;   /* delivers the prefix outside read_start (no synchronous callbacks) */
  struct gost_list writes; /* pending completions, freed with us if the inner never fires */
  struct gost_stream_gate gate; /* gate.parse != NULL until the reply is accepted */
  uint8_t *gbuf;                /* reply bytes collected so far */
  size_t glen;
};

struct wreq {
  struct gost_list link;
  struct prefixed *p;
  gost_stream_write_cb cb;
  void *user;
};

static void p_free(struct prefixed *p) {
  gost_ctx_t *ctx = p->base.ctx;
  ev_timer_stop(ctx->loop, &p->kick);
  gost_stream_close(p->inner);
  while (!gost_list_empty(&p->writes)) {
    struct gost_list *l = p->writes.next;
    gost_list_remove(l);
    gost__free(ctx, gost_container_of(l, struct wreq, link));
  }
  gost__free(ctx, p->pre);
  gost__free(ctx, p->gbuf);
  gost__free(ctx, p->gate.user);
  gost__free(ctx, p);
}

/* Calls the user's read callback; returns nonzero when the stream was closed inside it. */
static int p_deliver(struct prefixed *p, ssize_t n, const char *data) {
  p->in_cb++;
  if (n > 0) p->base.bytes_in += (uint64_t)n;
  if (p->base.on_read) p->base.on_read(&p->base, n, data, p->base.user);
  p->in_cb--;
  if (p->dead && !p->in_cb) {
    p_free(p);
    return 1;
  }
  return p->dead;
}

/* Gate: 0 = reply accepted (the rest, if any, delivered), 1 = need more, -1 = stream done. */
static int p_gate(struct prefixed *p, const char *data, size_t n) {
  gost_ctx_t *ctx = p->base.ctx;
  const uint8_t *buf = (const uint8_t *)data;
  size_t len = n, used = 0;
  if (p->glen) { /* only a split reply is copied */
    if (p->glen + n > p->gate.max) return p_deliver(p, gost__error(GOST_EPROTO, "reply too long"), NULL), -1;
    uint8_t *nb = gost__realloc(ctx, p->gbuf, p->glen + n);
    if (!nb) return p_deliver(p, GOST_ENOMEM, NULL), -1;
    memcpy(nb + p->glen, data, n);
    p->gbuf = nb;
    p->glen += n;
    buf = nb;
    len = p->glen;
  }
  int rc = p->gate.parse(buf, len, p->gate.out, &used);
  if (rc == GOST_EAGAIN) {
    if (p->glen) return 1;
    if (n > p->gate.max) return p_deliver(p, gost__error(GOST_EPROTO, "reply too long"), NULL), -1;
    if (!(p->gbuf = gost__malloc(ctx, n))) return p_deliver(p, GOST_ENOMEM, NULL), -1;
    memcpy(p->gbuf, data, n);
    p->glen = n;
    return 1;
  }
  if (rc == GOST_OK) rc = p->gate.check(p->gate.out, p->gate.user);
  if (rc != GOST_OK) {
    gost_stream_read_stop(p->inner);
    return p_deliver(p, rc, NULL), -1;
  }
  gost__free(ctx, p->gate.user);
  p->gate.user = NULL;
  p->gate.parse = NULL;
  int dead = used < len ? p_deliver(p, (ssize_t)(len - used), (const char *)buf + used) : 0;
  if (!dead) {
    gost__free(ctx, p->gbuf);
    p->gbuf = NULL;
    p->glen = 0;
  }
  return dead ? -1 : 0;
}

static void p_inner_read(gost_stream *s, ssize_t n, const char *data, void *user) {
  (void)s;
  struct prefixed *p = user;
  if (p->gate.parse && n > 0) {
    p_gate(p, data, (size_t)n);
    return;
  }
  p_deliver(p, n, data);
}

static void p_kick(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop;
  (void)revents;
  struct prefixed *p = w->data;
  while (p->reading && p->off < p->len) {
    size_t n = p->len - p->off;
    const char *d = p->pre + p->off;
    p->off = p->len;
    if (p_deliver(p, (ssize_t)n, d)) return;
  }
  if (p->off == p->len && p->pre) {
    gost__free(p->base.ctx, p->pre);
    p->pre = NULL;
  }
  if (p->reading && !p->pre) gost_stream_read_start(p->inner);
}

static int p_read_start(gost_stream *s) {
  struct prefixed *p = (struct prefixed *)s;
  p->reading = 1;
  if (p->pre) {
    if (!ev_is_active(&p->kick)) {
      ev_timer_set(&p->kick, 0., 0.);
      ev_timer_start(s->ctx->loop, &p->kick);
    }
    return 0;
  }
  return gost_stream_read_start(p->inner);
}

static int p_read_stop(gost_stream *s) {
  struct prefixed *p = (struct prefixed *)s;
  p->reading = 0;
  ev_timer_stop(s->ctx->loop, &p->kick);
  return gost_stream_read_stop(p->inner);
}

static void p_write_done(gost_stream *s, int status, void *user) {
  (void)s;
  struct wreq *w = user;
  struct prefixed *p = w->p;
  gost_stream_write_cb cb = w->cb;
  void *u = w->user;
  gost_list_remove(&w->link);
  gost__free(p->base.ctx, w);
  cb(&p->base, status, u);
}

static int p_write(gost_stream *s, const struct iovec *iov, int iovcnt, gost_stream_write_cb cb,
                   void *user) {
  struct prefixed *p = (struct prefixed *)s;
  size_t total = 0;
  for (int i = 0; i < iovcnt; i++) total += iov[i].iov_len;
  if (!cb) {
    int rc = gost_stream_write(p->inner, iov, iovcnt, NULL, NULL);
    if (rc == 0) s->bytes_out += total;
    return rc;
  }
  struct wreq *w = gost__malloc(s->ctx, sizeof(*w));
  if (!w) return gost__error(GOST_ENOMEM, "prefixed write");
  w->p = p;
  w->cb = cb;
  w->user = user;
  int rc = gost_stream_write(p->inner, iov, iovcnt, p_write_done, w);
  if (rc != 0) {
    gost__free(s->ctx, w);
  } else {
    gost_list_insert_tail(&p->writes, &w->link);
    s->bytes_out += total;
  }
  return rc;
}

static size_t p_queued(const gost_stream *s) {
  return gost_stream_queued(((const struct prefixed *)s)->inner);
}

static int p_shutdown(gost_stream *s) { return gost_stream_shutdown(((struct prefixed *)s)->inner); }

static void p_close(gost_stream *s) {
  struct prefixed *p = (struct prefixed *)s;
  if (p->dead) return;
  p->dead = 1;
  p->reading = 0;
  ev_timer_stop(s->ctx->loop, &p->kick);
  if (p->inner) gost_stream_read_stop(p->inner);
  if (!p->in_cb) p_free(p);
}

static void p_inner_drain(gost_stream *s, void *user) {
  (void)s;
  struct prefixed *p = user;
  gost__stream_drained(&p->base);
}

/* No fd: a splice fast path would skip the replayed prefix. */
static const struct gost_stream_ops prefixed_ops = {
    .name = "prefixed",
    .read_start = p_read_start,
    .read_stop = p_read_stop,
    .write = p_write,
    .write_queue_size = p_queued,
    .shutdown = p_shutdown,
    .close = p_close,
    .fd = NULL,
};

gost_stream *gost__gated_new(gost_ctx_t *ctx, gost_stream *inner, const struct gost_stream_gate *gate) {
  gost_stream *s = gost__prefixed_new(ctx, inner, NULL, 0);
  if (s) ((struct prefixed *)s)->gate = *gate;
  return s;
}

gost_stream *gost__prefixed_new(gost_ctx_t *ctx, gost_stream *inner, const void *data, size_t len) {
  struct prefixed *p = gost__calloc(ctx, 1, sizeof(*p));
  if (!p) return NULL;
  if (len) {
    p->pre = gost__malloc(ctx, len);
    if (!p->pre) {
      gost__free(ctx, p);
      return NULL;
    }
    memcpy(p->pre, data, len);
    p->len = len;
  }
  gost__stream_init(&p->base, &prefixed_ops, ctx);
  p->base.ops = &prefixed_ops;
  p->base.peer = inner->peer;
  p->base.local = inner->local;
  p->inner = inner;
  gost__stream_take_limit(&p->base, inner);
  gost_list_init(&p->writes);
  ev_timer_init(&p->kick, p_kick, 0., 0.);
  p->kick.data = p;
  gost_stream_read_stop(inner);
  gost_stream_set_read_cb(inner, p_inner_read, p);
  inner->on_drain = p_inner_drain;
  inner->drain_user = p;
  return &p->base;
}
