#include <assert.h>
#include "io/pipe.h"

#include "core/error.h"
#include "io/sock.h"

/* One direction: bytes read from src are written to dst. */
struct dir {
  gost_stream *src, *dst;
  uint64_t bytes;
  int paused; /* reading stopped for backpressure */
  int limited; /* reading stopped by a traffic limit until `wait` fires */
  ev_timer wait;
  int eof;    /* src ended and dst was shut down */
  int writes; /* outstanding writes on dst */
};

struct gost_pipe {
  struct gost_ctx_child child; /* every live pipe, so freeing the ctx ends them all */
  gost_ctx_t *ctx;
  struct dir d[2]; /* 0: a -> b, 1: b -> a */
  struct gost_pipe_opts o;
  ev_timer idle;
  gost_pipe_done_cb done;
  void *user;
  int finished;
  int depth; /* nesting of our callbacks: free only at depth 0 */
};

static void finish(struct gost_pipe *p, int status);
static void leave(struct gost_pipe *p);

/* gost_ctx_free: ends the pipe, so pipes nobody tracks (tunnel streams) cannot outlive the ctx.
 * The owner's done callback runs while its service still exists (pipes go first). */
static void pipe_destroy(struct gost_ctx_child *c) {
  struct gost_pipe *p = gost_container_of(c, struct gost_pipe, child);
  p->depth++; /* done runs with the pipe still allocated; leave() frees it */
  finish(p, GOST_ECLOSED);
  leave(p);
}

static struct dir *dir_from_src(struct gost_pipe *p, gost_stream *s) {
  return p->d[0].src == s ? &p->d[0] : &p->d[1];
}
static struct dir *dir_from_dst(struct gost_pipe *p, gost_stream *s) {
  return p->d[0].dst == s ? &p->d[0] : &p->d[1];
}

static void teardown(struct gost_pipe *p) {
  gost__ctx_disown(&p->child);
  ev_timer_stop(p->ctx->loop, &p->idle);
  ev_timer_stop(p->ctx->loop, &p->d[0].wait);
  ev_timer_stop(p->ctx->loop, &p->d[1].wait);
  gost_stream_close(p->d[0].src);
  gost_stream_close(p->d[1].src);
  p->d[0].src = p->d[0].dst = p->d[1].src = p->d[1].dst = NULL;
}

static void finish(struct gost_pipe *p, int status) {
  if (p->finished) return;
  assert(p->done); /* done fires exactly once */
  p->finished = 1;
  teardown(p);
  p->done(p, status, p->d[0].bytes, p->d[1].bytes, p->user);
}

static void leave(struct gost_pipe *p) {
  assert(p->depth > 0); /* every leave pairs with an enter */
  if (--p->depth == 0 && p->finished) gost__free(p->ctx, p);
}

static int all_done(const struct gost_pipe *p) {
  for (int i = 0; i < 2; i++)
    if (!p->d[i].eof || p->d[i].writes) return 0;
  return 1;
}

static void touch(struct gost_pipe *p) {
  if (p->o.idle_timeout_ms) ev_timer_again(p->ctx->loop, &p->idle);
}

static void maybe_resume(struct gost_pipe *p, struct dir *d) {
  if (!d->paused || d->eof || gost_stream_queued(d->dst) > p->o.low_water) return;
  d->paused = 0;
  if (d->limited) return; /* the limit's timer resumes */
  int rc = gost_stream_read_start(d->src);
  if (rc < 0) finish(p, rc);
}

/* Traffic limits (lib/limit via gost_stream_limit): charge both ends for n bytes read and, if a
 * bucket is in debt, stop reading this direction until it is paid off. No busy wait, and nothing
 * buffered beyond the one read already written. */
static void limit_charge(struct gost_pipe *p, struct dir *d, size_t n) {
  double w = gost__stream_limit_charge(d->src, d->dst, n, ev_now(p->ctx->loop));
  if (w <= 0) return;
  d->limited = 1;
  gost_stream_read_stop(d->src);
  ev_timer_set(&d->wait, w, 0.);
  ev_timer_start(p->ctx->loop, &d->wait);
}

static void on_limit_wait(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop;
  (void)revents;
  struct gost_pipe *p = w->data;
  struct dir *d = w == &p->d[0].wait ? &p->d[0] : &p->d[1];
  p->depth++;
  d->limited = 0;
  if (!d->paused && !d->eof) {
    int rc = gost_stream_read_start(d->src);
    if (rc < 0) finish(p, rc);
  }
  leave(p);
}

static void on_written(gost_stream *s, int status, void *user) {
  struct gost_pipe *p = user;
  struct dir *d = dir_from_dst(p, s);
  p->depth++;
  d->writes--;
  if (status < 0) finish(p, status);
  else if (all_done(p)) finish(p, GOST_OK);
  else maybe_resume(p, d);
  leave(p);
}

static void on_drain(gost_stream *s, void *user) {
  struct gost_pipe *p = user;
  p->depth++;
  maybe_resume(p, dir_from_dst(p, s));
  leave(p);
}

static void src_ended(struct gost_pipe *p, struct dir *d) {
  d->eof = 1;
  gost_stream_read_stop(d->src);
  if (p->o.datagram) {
    /* A flow has no half-close: when one side is gone the other has nobody to talk to. */
    p->d[0].eof = p->d[1].eof = 1;
    gost_stream_read_stop(p->d[0].src);
    gost_stream_read_stop(p->d[1].src);
  } else if (!(dir_from_src(p, d->dst)->eof && gost__sock_is_tcp(d->dst))) {
    /* (both ways over and a TCP socket: the close that follows sends the FIN, one syscall less) */
    int rc = gost_stream_shutdown(d->dst);
    if (rc < 0) {
      finish(p, rc);
      return;
    }
  }
  if (all_done(p)) finish(p, GOST_OK);
}

static void on_read(gost_stream *s, ssize_t n, const char *data, void *user) {
  struct gost_pipe *p = user;
  struct dir *d = dir_from_src(p, s);
  p->depth++;
  if (n == GOST_ECLOSED) {
    src_ended(p, d);
  } else if (n < 0) {
    finish(p, (int)n);
  } else if (!d->eof) {
    touch(p);
    struct iovec v = {(void *)data, (size_t)n};
    int rc = gost_stream_write(d->dst, &v, 1, on_written, p);
    if (rc < 0) {
      finish(p, rc);
    } else {
      d->writes++;
      d->bytes += (uint64_t)n;
      if (gost_stream_queued(d->dst) > p->o.high_water) {
        d->paused = 1;
        gost_stream_read_stop(s);
      }
      if (d->src->limit || d->dst->limit) limit_charge(p, d, (size_t)n);
    }
  }
  leave(p);
}

static void on_idle(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop;
  (void)revents;
  struct gost_pipe *p = w->data;
  p->depth++;
  finish(p, GOST_ETIMEDOUT);
  leave(p);
}

struct gost_pipe *gost__pipe_start(gost_ctx_t *ctx, gost_stream *a, gost_stream *b,
                                   const struct gost_pipe_opts *opts, gost_pipe_done_cb done,
                                   void *user) {
  struct gost_pipe *p = gost__calloc(ctx, 1, sizeof *p);
  if (!p) {
    gost__error(GOST_ENOMEM, "out of memory");
    return NULL;
  }
  p->ctx = ctx;
  gost__ctx_child_init(&p->child, pipe_destroy, NULL);
  if (opts) p->o = *opts;
  if (!p->o.high_water) p->o.high_water = GOST_PIPE_HIGH_WATER;
  if (!p->o.low_water) p->o.low_water = GOST_PIPE_LOW_WATER;
  if (p->o.low_water > p->o.high_water) p->o.low_water = p->o.high_water;
  p->done = done;
  p->user = user;
  p->d[0].src = a;
  p->d[0].dst = b;
  p->d[1].src = b;
  p->d[1].dst = a;
  ev_init(&p->idle, on_idle);
  p->idle.repeat = (double)p->o.idle_timeout_ms / 1000.0;
  p->idle.data = p;
  for (int i = 0; i < 2; i++) {
    gost_stream *s = p->d[i].src;
    gost_stream_set_read_cb(s, on_read, p);
    s->on_drain = on_drain;
    s->drain_user = p;
    ev_init(&p->d[i].wait, on_limit_wait);
    p->d[i].wait.data = p;
  }
  int rc = gost_stream_read_start(a);
  if (rc == GOST_OK) rc = gost_stream_read_start(b);
  if (rc < 0) {
    gost_stream_read_stop(a);
    gost_stream_read_stop(b);
    for (int i = 0; i < 2; i++) {
      gost_stream_set_read_cb(p->d[i].src, NULL, NULL);
      p->d[i].src->on_drain = NULL;
    }
    gost__free(ctx, p);
    return NULL;
  }
  gost__ctx_adopt(ctx, &p->child, GOST__RANK_PIPE);
  touch(p);
  return p;
}

void gost__pipe_abort(struct gost_pipe *p) {
  if (!p || p->finished) return;
  p->finished = 1;
  teardown(p);
  if (p->depth == 0) gost__free(p->ctx, p);
}
