/* One bounded, timed message read (see msgread.h). */
#include "io/msgread.h"

#include <string.h>

#include "core/ctx_int.h"
#include "core/error.h"
#include "io/prefixed.h"

struct gost_msg_read {
  gost_ctx_t *ctx;
  gost_stream *s;
  uint8_t *buf;
  size_t len, max;
  gost_msg_parse_fn parse;
  void *out;
  gost_msg_read_cb cb;
  void *user;
  ev_timer timer;
  int peek; /* replay everything; a timeout still hands back the stream */
};

static void mr_free(struct gost_msg_read *r) {
  ev_timer_stop(r->ctx->loop, &r->timer);
  gost__free(r->ctx, r->buf);
  gost__free(r->ctx, r);
}

static void mr_finish(struct gost_msg_read *r, int status, const uint8_t *rest, size_t nrest) {
  gost_stream *s = r->s;
  gost_msg_read_cb cb = r->cb;
  void *user = r->user;
  gost_stream_read_stop(s);
  gost_stream_set_read_cb(s, NULL, NULL);
  if (r->peek && status == GOST_ETIMEDOUT) {
    rest = r->buf;
    nrest = r->len;
    status = 0;
    if (nrest) {
      gost_stream *w = gost__prefixed_new(r->ctx, s, rest, nrest);
      if (w) s = w;
      else status = GOST_ENOMEM;
    }
    mr_free(r);
    cb(s, status ? status : GOST_ETIMEDOUT, user);
    return;
  }
  if (status == 0 && nrest) {
    gost_stream *w = gost__prefixed_new(r->ctx, s, rest, nrest);
    if (w) s = w;
    else status = GOST_ENOMEM;
  }
  mr_free(r);
  cb(s, status, user);
}

static void mr_on_read(gost_stream *s, ssize_t n, const char *data, void *user) {
  (void)s;
  struct gost_msg_read *r = user;
  if (n < 0) {
    mr_finish(r, n == GOST_ECLOSED ? GOST_ECLOSED : (int)n, NULL, 0);
    return;
  }
  const uint8_t *p = (const uint8_t *)data;
  size_t np = (size_t)n;
  size_t consumed = 0;
  if (r->len == 0) { /* fast path: the whole message is in this chunk */
    int rc = r->parse(p, np, r->out, &consumed);
    if (r->peek) consumed = 0;
    if (rc == 0) {
      mr_finish(r, 0, p + consumed, np - consumed);
      return;
    }
    if (rc != GOST_EAGAIN) {
      mr_finish(r, rc, NULL, 0);
      return;
    }
  }
  if (r->len + np > r->max) {
    if (r->peek) { /* sniffing gives up: replay what we have plus this chunk */
      uint8_t *all = gost__malloc(r->ctx, r->len + np);
      if (!all) {
        mr_finish(r, GOST_ENOMEM, NULL, 0);
        return;
      }
      if (r->len) memcpy(all, r->buf, r->len);
      memcpy(all + r->len, p, np);
      size_t total = r->len + np;
      gost_ctx_t *ctx = r->ctx; /* r is gone after mr_finish */
      mr_finish(r, 0, all, total);
      gost__free(ctx, all);
      return;
    }
    mr_finish(r, GOST_EPROTO, NULL, 0);
    return;
  }
  if (!r->buf) {
    r->buf = gost__malloc(r->ctx, r->max);
    if (!r->buf) {
      mr_finish(r, GOST_ENOMEM, NULL, 0);
      return;
    }
  }
  memcpy(r->buf + r->len, p, np);
  r->len += np;
  int rc = r->parse(r->buf, r->len, r->out, &consumed);
  if (r->peek) consumed = 0;
  if (rc == GOST_EAGAIN) return;
  if (rc != 0) {
    mr_finish(r, rc, NULL, 0);
    return;
  }
  /* rest points into r->buf, which mr_finish copies before freeing */
  size_t nrest = r->len - consumed;
  mr_finish(r, 0, r->buf + consumed, nrest);
}

static void mr_on_timeout(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop;
  (void)revents;
  mr_finish(w->data, GOST_ETIMEDOUT, NULL, 0);
}

static struct gost_msg_read *mr_start(gost_ctx_t *ctx, gost_stream *s, size_t max, uint64_t timeout_ms,
                                      gost_msg_parse_fn parse, void *out, gost_msg_read_cb cb,
                                      void *user, int peek) {
  struct gost_msg_read *r = gost__calloc(ctx, 1, sizeof(*r));
  if (!r) {
    gost__error(GOST_ENOMEM, "message read");
    return NULL;
  }
  r->ctx = ctx;
  r->s = s;
  r->max = max;
  r->parse = parse;
  r->out = out;
  r->cb = cb;
  r->user = user;
  r->peek = peek;
  ev_timer_init(&r->timer, mr_on_timeout, (double)timeout_ms / 1000.0, 0.);
  r->timer.data = r;
  gost_stream_set_read_cb(s, mr_on_read, r);
  int rc = gost_stream_read_start(s);
  if (rc != 0) {
    gost_stream_set_read_cb(s, NULL, NULL);
    gost__free(ctx, r);
    gost__error(rc, "message read start");
    return NULL;
  }
  if (timeout_ms) ev_timer_start(ctx->loop, &r->timer);
  return r;
}

struct gost_msg_read *gost__msg_read(gost_ctx_t *ctx, gost_stream *s, size_t max,
                                     uint64_t timeout_ms, gost_msg_parse_fn parse, void *out,
                                     gost_msg_read_cb cb, void *user) {
  return mr_start(ctx, s, max, timeout_ms, parse, out, cb, user, 0);
}

struct gost_msg_read *gost__msg_peek(gost_ctx_t *ctx, gost_stream *s, size_t max, uint64_t timeout_ms,
                                     gost_msg_parse_fn parse, void *out, gost_msg_read_cb cb, void *user) {
  return mr_start(ctx, s, max, timeout_ms, parse, out, cb, user, 1);
}

void gost__msg_read_cancel(struct gost_msg_read *r) {
  if (!r) return;
  gost_stream_read_stop(r->s);
  gost_stream_set_read_cb(r->s, NULL, NULL);
  mr_free(r);
}
