/* Write coalescing (see wbatch.h). */
#include "io/wbatch.h"

#include "core/error.h"

#define MAX_IOV 64

struct gost_wbatch_req {
  struct gost_wbatch_req *next;
  uint64_t batch; /* complete once inner completed this many batches */
  gost_stream_write_cb cb;
  void *user;
};

static gost_ctx_t *ctx_of(const struct gost_wbatch *b) { return b->owner->ctx; }

/* Runs the completions that are due (all of them once a batch failed). 1 when a callback
 * closed the owner (b is gone). */
static int complete(struct gost_wbatch *b) {
  int gone = 0;
  b->gone = &gone;
  while (b->head && (b->head->batch <= b->done || b->err)) {
    struct gost_wbatch_req *r = b->head;
    b->head = r->next;
    if (!b->head) b->tail = NULL;
    gost_stream_write_cb cb = r->cb;
    void *user = r->user;
    r->next = b->spare;
    b->spare = r;
    int st = b->err && r->batch > b->done ? b->err : GOST_OK;
    cb(b->owner, st, user);
    if (gone) return 1; /* the owner was closed inside: b is freed */
  }
  b->gone = NULL;
  return 0;
}

static void on_inner_done(gost_stream *s, int status, void *user) {
  (void)s;
  struct gost_wbatch *b = user;
  b->done++;
  if (status < 0 && !b->err) b->err = status;
  complete(b);
}

static void hand_on(struct gost_wbatch *b, int with_cb) {
  ev_idle_stop(ctx_of(b)->loop, &b->flush);
  while (b->q.bytes && !b->err) { /* more than MAX_IOV buffers: several writes */
    struct iovec iov[MAX_IOV];
    int n = gost__bufq_iov(&b->q, iov, MAX_IOV);
    size_t len = 0;
    for (int i = 0; i < n; i++) len += iov[i].iov_len;
    int rc = gost_stream_write(b->inner, iov, n, with_cb ? on_inner_done : NULL, b);
    gost__bufq_consume(&b->q, &ctx_of(b)->bufs, len);
    if (rc < 0) b->err = rc;
    else if (with_cb) b->handed++;
    else b->done = ++b->handed;
  }
  if (b->err) gost__bufq_clear(&b->q, &ctx_of(b)->bufs);
}

static void on_flush(struct ev_loop *loop, ev_idle *w, int revents) {
  (void)loop, (void)revents;
  struct gost_wbatch *b = w->data;
  size_t had = b->q.bytes;
  hand_on(b, 1);
  if (b->err) complete(b); /* a failed hand-on completes with the error, outside write() */
  else if (had && gost_stream_queued(b->inner) == 0) gost__stream_drained(b->owner);
}

void gost__wbatch_init(struct gost_wbatch *b, gost_stream *owner, gost_stream *inner) {
  b->owner = owner;
  b->inner = inner;
  gost_bufq_init(&b->q);
  ev_idle_init(&b->flush, on_flush);
  ev_set_priority(&b->flush, EV_MAXPRI);
  b->flush.data = b;
  b->head = b->tail = b->spare = NULL;
  b->handed = b->done = 0;
  b->err = 0;
  b->gone = NULL;
}

int gost__wbatch_write(struct gost_wbatch *b, const struct iovec *iov, int iovcnt,
                       gost_stream_write_cb cb, void *user) {
  if (b->err) return b->err;
  gost_ctx_t *ctx = ctx_of(b);
  struct gost_wbatch_req *r = NULL;
  if (cb) {
    if ((r = b->spare)) b->spare = r->next;
    else if (!(r = gost__malloc(ctx, sizeof *r))) return gost__error(GOST_ENOMEM, "out of memory");
  }
  size_t before = b->q.bytes;
  for (int i = 0; i < iovcnt; i++) {
    if (iov[i].iov_len && gost__bufq_append(&b->q, &ctx->bufs, iov[i].iov_base, iov[i].iov_len) < 0) {
      b->err = GOST_ENOMEM; /* part of a message is queued: the stream is broken from here on */
      if (r) {
        r->next = b->spare;
        b->spare = r;
      }
      ev_idle_start(ctx->loop, &b->flush);
      return gost__error(GOST_ENOMEM, "out of memory queueing a datagram");
    }
  }
  if (r) {
    r->next = NULL;
    r->batch = b->handed + 1; /* the batch it is part of */
    r->cb = cb;
    r->user = user;
    if (b->tail) b->tail->next = r;
    else b->head = r;
    b->tail = r;
  }
  if (before == 0) ev_idle_start(ctx->loop, &b->flush);
  if (b->q.bytes >= GOST_WBATCH_FLUSH) hand_on(b, 1); /* errors surface on the idle */
  if (b->err) ev_idle_start(ctx->loop, &b->flush);
  return GOST_OK;
}

size_t gost__wbatch_queued(const struct gost_wbatch *b) { return b->q.bytes + gost_stream_queued(b->inner); }

void gost__wbatch_flush(struct gost_wbatch *b) { hand_on(b, 1); }

void gost__wbatch_cleanup(struct gost_wbatch *b) {
  if (b->gone) *b->gone = 1;
  hand_on(b, 0);
  ev_idle_stop(ctx_of(b)->loop, &b->flush);
  gost__bufq_clear(&b->q, &ctx_of(b)->bufs);
  gost_ctx_t *ctx = ctx_of(b);
  for (int i = 0; i < 2; i++) {
    struct gost_wbatch_req **list = i ? &b->spare : &b->head;
    while (*list) {
      struct gost_wbatch_req *r = *list;
      *list = r->next;
      gost__free(ctx, r);
    }
  }
  b->tail = NULL;
}
