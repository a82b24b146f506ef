/* One smux stream as a gost_stream ("smux" ops): push reads with flow control (consumed is
 * reported only for bytes the application was handed), writes up to the peer window with the
 * rest in a bounded queue, FIN as shutdown/close (smux has no half-close, §3.5). */
#include <string.h>

#include "core/error.h"
#include "mux/session_int.h"

static const struct gost_stream_ops smux_ops;

static void mark_pending(struct mux_stream *st) {
  if (gost_list_empty(&st->plink)) gost_list_insert_tail(&st->m->pending, &st->plink);
  gost__mux_schedule(st->m);
}

struct mux_stream *gost__mux_stream_new(struct gost_mux_session *m, uint32_t sid) {
  struct mux_stream *st = gost__calloc(m->ctx, 1, sizeof *st);
  if (!st) return NULL;
  gost__stream_init(&st->base, &smux_ops, m->ctx);
  if (m->carrier) st->base.peer = m->carrier->peer;
  st->m = m;
  st->sid = sid;
  gost_list_init(&st->plink);
  gost_list_insert_tail(&m->streams, &st->link);
  m->nlive++;
  gost_bufq_init(&st->rxq);
  gost_bufq_init(&st->txq);
  st->wtail = &st->wreqs;
  gost__smux_stream_set_user(m->smux, sid, st);
  return st;
}

static void free_wreqs(struct mux_stream *st) {
  while (st->wreqs) {
    struct mux_wreq *r = st->wreqs;
    st->wreqs = r->next;
    gost__free(st->base.ctx, r);
  }
  st->wtail = &st->wreqs;
}

/* Forget the stream in the machine (FIN) and free it. */
static void finalize(struct mux_stream *st) {
  struct gost_mux_session *m = st->m;
  if (m->smux) gost__smux_stream_set_user(m->smux, st->sid, NULL);
  if (!st->gone && !m->dead) {
    gost__smux_close_stream(m->smux, st->sid);
    gost__mux_schedule(m);
  }
  gost_list_remove(&st->link);
  gost_list_remove(&st->plink);
  m->nlive--;
  gost__mux_rx_released(m, st->rxq.bytes);
  gost__bufq_clear(&st->rxq, &m->ctx->bufs);
  gost__bufq_clear(&st->txq, &m->ctx->bufs);
  free_wreqs(st);
  gost__free(m->ctx, st);
  gost__mux_maybe_free(m);
}

/* Hands bytes to the reader. Returns 0 if the stream was closed inside the callback (and is
 * now freed by us). */
static int deliver(struct mux_stream *st, ssize_t n, const char *p) {
  st->in_cb = 1;
  if (st->base.on_read) st->base.on_read(&st->base, n, p, st->base.user);
  st->in_cb = 0;
  if (st->app_closed) {
    finalize(st);
    return 0;
  }
  return 1;
}

void gost__mux_stream_data(struct mux_stream *st, const uint8_t *p, size_t n) {
  struct gost_mux_session *m = st->m;
  st->base.bytes_in += n;
  if (st->app_closed) { /* lingering after close: drop, but keep the peer's window open */
    if (!m->dead) gost__smux_consumed(m->smux, st->sid, n);
    return;
  }
  if (st->reading && !st->rxq.bytes) {
    uint32_t sid = st->sid;
    if (!deliver(st, (ssize_t)n, (const char *)p)) return;
    if (!m->dead) gost__smux_consumed(m->smux, sid, n); /* the reader has seen them */
    return;
  }
  /* Reader stopped: hold the bytes unreported, so the peer's window closes (v2). */
  if (gost__bufq_append(&st->rxq, &m->ctx->bufs, p, n) != GOST_OK) {
    gost__mux_stream_kill(st, GOST_ENOMEM);
    return;
  }
  m->rx_buffered += n;
  if (!m->rx_paused && m->rx_buffered >= gost__mux_rx_cap(m) && m->carrier) gost__mux_rx_pause(m);
  if (st->reading) mark_pending(st);
}

void gost__mux_stream_fin(struct mux_stream *st) {
  st->fin_rcvd = 1;
  if (st->app_closed) {
    finalize(st);
    return;
  }
  /* The peer can no longer take data: queued writes are dropped (§3.5). */
  gost__bufq_clear(&st->txq, &st->m->ctx->bufs);
  if (!st->err) st->err = GOST_ECLOSED;
  mark_pending(st);
}

/* Session died: no more machine; the reader gets EOF (clean) or the error. */
void gost__mux_stream_kill(struct mux_stream *st, int status) {
  st->gone = 1;
  if (!st->err) st->err = status;
  gost__bufq_clear(&st->txq, &st->m->ctx->bufs);
  if (st->app_closed) {
    finalize(st);
    return;
  }
  mark_pending(st);
}

void gost__mux_stream_reset(struct mux_stream *st, int status) {
  struct gost_mux_session *m = st->m;
  size_t unread = st->rxq.bytes;
  gost__bufq_clear(&st->rxq, &m->ctx->bufs);
  gost__bufq_clear(&st->txq, &m->ctx->bufs);
  if (!st->gone && !m->dead) {
    gost__smux_close_stream(m->smux, st->sid);
    gost__mux_schedule(m);
  }
  st->gone = 1;
  st->reset = 1;
  if (!st->err || st->err == GOST_ECLOSED) st->err = status;
  gost__mux_rx_released(m, unread); /* may resume the carrier */
  if (st->app_closed) {
    finalize(st);
    return;
  }
  mark_pending(st);
}

void gost__mux_stream_pump(struct mux_stream *st) {
  struct gost_mux_session *m = st->m;
  int had = st->txq.bytes > 0;
  while (st->txq.bytes && !st->gone && !m->dead) {
    struct iovec v;
    gost__bufq_iov(&st->txq, &v, 1);
    ssize_t k = gost__smux_write(m->smux, st->sid, v.iov_base, v.iov_len);
    if (k < 0) {
      gost__mux_stream_kill(st, (int)k);
      return;
    }
    if (k == 0) break; /* window closed: on_stream_window resumes us */
    gost__bufq_consume(&st->txq, &m->ctx->bufs, (size_t)k);
    st->tx_handed += (uint64_t)k;
  }
  if (!st->txq.bytes) {
    if (st->app_closed) { /* lingering close finished */
      finalize(st);
      return;
    }
    if (had) st->need_drain = 1;
    if (st->shut && !st->gone && !m->dead) {
      gost__smux_close_stream(m->smux, st->sid);
      st->gone = 1;
      if (!st->err) st->err = GOST_ECLOSED;
    }
  }
  if (st->need_drain || st->wreqs || st->gone) mark_pending(st);
  gost__mux_schedule(m);
}

void gost__mux_stream_process(struct mux_stream *st) {
  struct gost_mux_session *m = st->m;
  if (st->app_closed) return;
  /* buffered bytes first */
  while (st->reading && st->rxq.bytes) {
    struct iovec v;
    gost__bufq_iov(&st->rxq, &v, 1);
    size_t n = v.iov_len;
    char tmp[GOST_BUF_SIZE]; /* the queue may be cleared by the callback */
    memcpy(tmp, v.iov_base, n);
    gost__bufq_consume(&st->rxq, &m->ctx->bufs, n);
    gost__mux_rx_released(m, n);
    uint32_t sid = st->sid;
    if (!deliver(st, (ssize_t)n, tmp)) return;
    if (!m->dead && !st->gone) gost__smux_consumed(m->smux, sid, n);
  }
  /* completed writes */
  while (st->wreqs && (st->wreqs->end <= st->tx_handed || st->err)) {
    struct mux_wreq *r = st->wreqs;
    st->wreqs = r->next;
    if (!st->wreqs) st->wtail = &st->wreqs;
    int status = r->end <= st->tx_handed ? 0 : st->err;
    gost_stream_write_cb cb = r->cb;
    void *u = r->user;
    gost__free(m->ctx, r);
    st->in_cb = 1;
    cb(&st->base, status, u);
    st->in_cb = 0;
    if (st->app_closed) {
      finalize(st);
      return;
    }
  }
  if (st->need_drain && !st->txq.bytes) {
    st->need_drain = 0;
    if (st->base.on_drain) {
      st->in_cb = 1;
      st->base.on_drain(&st->base, st->base.drain_user);
      st->in_cb = 0;
      if (st->app_closed) {
        finalize(st);
        return;
      }
    }
  }
  if ((st->reading || st->reset) && !st->rxq.bytes && st->err && !st->eof_sent) {
    st->eof_sent = 1;
    deliver(st, st->err, NULL);
  }
}

/* ---- ops ---- */

static int s_read_start(gost_stream *s) {
  struct mux_stream *st = (struct mux_stream *)s;
  if (st->reading) return GOST_OK;
  st->reading = 1;
  if (st->rxq.bytes || (st->err && !st->eof_sent)) mark_pending(st);
  return GOST_OK;
}

static int s_read_stop(gost_stream *s) {
  ((struct mux_stream *)s)->reading = 0;
  return GOST_OK;
}

/* PSH frames per zero-copy carrier write: 8 x 32 KiB covers the machine's default output bound. */
#define ZC_FRAMES 16

/* Zero-copy PSH: while neither the machine nor the carrier holds queued output, the frame
 * headers come from the machine and [header, payload slice] pairs go straight to the carrier,
 * which copies only what the kernel did not take. Returns the payload bytes sent (0: not
 * applicable or window closed; the caller falls back to the copying path) or a session error
 * (the session is dead then). */
static ssize_t write_direct(struct mux_stream *st, const uint8_t *p, size_t n) {
  struct gost_mux_session *m = st->m;
  /* a carrier under traffic limits takes the copying path: flush() paces and charges it */
  if (!m->carrier || m->carrier->limit || m->waiting_drain || gost__smux_pending(m->smux) ||
      gost_stream_queued(m->carrier))
    return 0;
  uint8_t hdrs[ZC_FRAMES][8];
  size_t fs;
  ssize_t k = gost__smux_write_frames(m->smux, st->sid, n, hdrs, ZC_FRAMES, &fs);
  if (k <= 0) return k;
  struct iovec v[2 * ZC_FRAMES];
  int c = 0;
  for (size_t done = 0; done < (size_t)k; done += fs) {
    size_t len = (size_t)k - done < fs ? (size_t)k - done : fs;
    v[c].iov_base = hdrs[c / 2];
    v[c++].iov_len = 8;
    v[c].iov_base = (void *)(p + done);
    v[c++].iov_len = len;
  }
  int rc = gost_stream_write(m->carrier, v, c, NULL, NULL);
  if (rc != GOST_OK) { /* frames are reserved in the machine: the byte stream is broken */
    gost__mux_die(m, rc, 1);
    return rc;
  }
  m->cnt.bytes_out += (uint64_t)k + 8u * (uint64_t)(c / 2);
  return k;
}

static int s_write(gost_stream *s, const struct iovec *iov, int iovcnt, gost_stream_write_cb cb,
                   void *user) {
  struct mux_stream *st = (struct mux_stream *)s;
  struct gost_mux_session *m = st->m;
  if (st->app_closed || st->shut || st->gone || st->fin_rcvd || m->dead)
    return gost__error(GOST_ECLOSED, "smux: stream closed");
  size_t total = 0;
  for (int i = 0; i < iovcnt; i++) total += iov[i].iov_len;
  if (st->txq.bytes + total > GOST_MUX_TX_MAX) return gost__error(GOST_EAGAIN, "smux: stream queue full");
  struct mux_wreq *r = NULL;
  if (cb) {
    r = gost__malloc(s->ctx, sizeof *r);
    if (!r) return gost__error(GOST_ENOMEM, "smux: write");
  }
  for (int i = 0; i < iovcnt; i++) {
    const uint8_t *p = iov[i].iov_base;
    size_t n = iov[i].iov_len;
    if (!st->txq.bytes && n) {
      ssize_t k = write_direct(st, p, n);
      if (k < 0) {
        gost__free(s->ctx, r);
        return (int)k;
      }
      st->tx_handed += (uint64_t)k;
      p += k;
      n -= (size_t)k;
    }
    if (!st->txq.bytes && n && !m->dead) {
      ssize_t k = gost__smux_write(m->smux, st->sid, p, n);
      if (k < 0) { /* session error: nothing of this write is reported as sent */
        gost__free(s->ctx, r);
        return (int)k;
      }
      st->tx_handed += (uint64_t)k;
      p += k;
      n -= (size_t)k;
    }
    if (n && gost__bufq_append(&st->txq, &m->ctx->bufs, p, n) != GOST_OK) {
      gost__free(s->ctx, r);
      gost__mux_stream_kill(st, GOST_ENOMEM);
      return gost__error(GOST_ENOMEM, "smux: write queue");
    }
  }
  st->tx_accepted += total;
  st->base.bytes_out += total;
  if (r) {
    r->next = NULL;
    r->end = st->tx_accepted;
    r->cb = cb;
    r->user = user;
    *st->wtail = r;
    st->wtail = &r->next;
    mark_pending(st);
  }
  gost__mux_schedule(m);
  return GOST_OK;
}

static size_t s_queued(const gost_stream *s) { return ((const struct mux_stream *)s)->txq.bytes; }

static int s_shutdown(gost_stream *s) {
  struct mux_stream *st = (struct mux_stream *)s;
  if (st->shut) return GOST_OK;
  st->shut = 1;
  gost__mux_stream_pump(st); /* FIN once the queue is empty */
  return GOST_OK;
}

static void s_close(gost_stream *s) {
  struct mux_stream *st = (struct mux_stream *)s;
  if (st->app_closed) return;
  st->app_closed = 1;
  st->reading = 0;
  st->base.on_read = NULL;
  st->base.on_drain = NULL;
  free_wreqs(st); /* no callback fires after close */
  if (st->in_cb) return; /* finalized when the callback returns */
  if (st->txq.bytes && !st->gone && !st->m->dead) {
    gost__mux_stream_pump(st); /* lingers until the window lets the rest out */
    return;
  }
  finalize(st);
}

static const struct gost_stream_ops smux_ops = {
    .name = "smux",
    .read_start = s_read_start,
    .read_stop = s_read_stop,
    .write = s_write,
    .write_queue_size = s_queued,
    .shutdown = s_shutdown,
    .close = s_close,
    .fd = NULL,
};
