/* Framing (A) datagram adapter (see dgramframe.h). Whole frames inside one read are delivered
 * in place; only frames split across reads are reassembled, in one bounded 64 KiB buffer.
 * Writes are coalesced (io/wbatch.h): the datagrams of one loop iteration reach the inner
 * stream as one write. */
#include "codec/udpframe.h"
#include "io/dgramframe.h"
#include "io/udptun.h"
#include "io/wbatch.h"

#include <string.h>

#include "core/ctx_int.h"
#include "core/error.h"

struct dgram {
  gost_stream base;
  gost_stream *inner;
  uint8_t hdr[2];
  int hdr_got;     /* 0..2 header bytes of a split frame */
  size_t want;     /* payload length of the frame being reassembled */
  size_t got;      /* payload bytes reassembled so far */
  uint8_t *asm_buf; /* GOST__DGRAM_MAX bytes, allocated on the first split frame */
  int in_cb, dead;
  struct gost_wbatch wb; /* writes of this iteration, handed to inner as one */
  int socks;                     /* framing (B) to one target instead of (A) */
  struct gost_relay_addr target; /* (B): the address every write goes to */
  struct gost_udptun_rx rx;      /* (B): frame reader */
};

static void d_free(struct dgram *d) {
  gost_ctx_t *ctx = d->base.ctx;
  gost__wbatch_cleanup(&d->wb); /* datagrams written before the close still go out */
  gost_stream_close(d->inner);
  gost__free(ctx, d->asm_buf);
  gost__udptun_rx_free(&d->rx);
  gost__free(ctx, d);
}

/* Returns nonzero when the adapter was closed by the callback. */
static int d_deliver(struct dgram *d, ssize_t n, const char *data) {
  if (n == 0) return 0;
  d->in_cb++;
  if (n > 0) d->base.bytes_in += (uint64_t)n;
  if (d->base.on_read) d->base.on_read(&d->base, n, data, d->base.user);
  d->in_cb--;
  if (d->dead && !d->in_cb) {
    d_free(d);
    return 1;
  }
  return d->dead;
}

static int d_deliver_b(void *user, const struct gost_relay_addr *a, const uint8_t *p, size_t n) {
  (void)a; /* replies come from the one target */
  return d_deliver(user, (ssize_t)n, (const char *)p);
}

static void d_inner_read(gost_stream *s, ssize_t n, const char *data, void *user) {
  (void)s;
  struct dgram *d = user;
  if (n >= 0 && d->socks) {
    d->in_cb++; /* the adapter outlives the feed even when a callback closes it */
    int rc = gost__udptun_rx_feed(&d->rx, (const uint8_t *)data, (size_t)n, d_deliver_b, d);
    d->in_cb--;
    if (d->dead) {
      if (!d->in_cb) d_free(d);
      return;
    }
    if (rc != GOST_OK) d_deliver(d, rc, NULL);
    return;
  }
  if (n < 0) {
    /* EOF inside a frame is a truncated datagram: report it as a protocol error */
    int mid = d->hdr_got != 0 || d->rx.len != 0;
    d_deliver(d, (n == GOST_ECLOSED && mid) ? GOST_EPROTO : n, NULL);
    return;
  }
  const uint8_t *p = (const uint8_t *)data;
  size_t left = (size_t)n;
  while (left > 0) {
    if (d->hdr_got < 2) {
      if (d->hdr_got == 0 && left >= 2) {
        size_t len = (size_t)p[0] << 8 | p[1];
        if (left - 2 >= len) { /* whole frame in place */
          p += 2;
          left -= 2;
          if (d_deliver(d, (ssize_t)len, (const char *)p)) return;
          p += len;
          left -= len;
          continue;
        }
      }
      d->hdr[d->hdr_got++] = *p++;
      left--;
      if (d->hdr_got < 2) continue;
      d->want = (size_t)d->hdr[0] << 8 | d->hdr[1];
      d->got = 0;
      if (!d->asm_buf) {
        d->asm_buf = gost__malloc(d->base.ctx, GOST__DGRAM_MAX);
        if (!d->asm_buf) {
          d_deliver(d, GOST_ENOMEM, NULL);
          return;
        }
      }
    }
    size_t take = d->want - d->got < left ? d->want - d->got : left;
    memcpy(d->asm_buf + d->got, p, take);
    d->got += take;
    p += take;
    left -= take;
    if (d->got == d->want) {
      d->hdr_got = 0;
      if (d_deliver(d, (ssize_t)d->want, (const char *)d->asm_buf)) return;
    }
  }
}

static int d_read_start(gost_stream *s) { return gost_stream_read_start(((struct dgram *)s)->inner); }
static int d_read_stop(gost_stream *s) { return gost_stream_read_stop(((struct dgram *)s)->inner); }

#define D_MAX_IOV 16

static int d_write(gost_stream *s, const struct iovec *iov, int iovcnt, gost_stream_write_cb cb,
                   void *user) {
  struct dgram *d = (struct dgram *)s;
  if (iovcnt < 0 || iovcnt >= D_MAX_IOV) return gost__error(GOST_EINVAL, "datagram: too many iovecs");
  size_t total = 0;
  for (int i = 0; i < iovcnt; i++) total += iov[i].iov_len;
  uint8_t hdr[GOST__UDPTUN_HDR_MAX];
  int h;
  if (d->socks) { /* framing (B); an empty datagram is skipped (RSV 0 means "to the end") */
    if (total == 0) return GOST_OK;
    h = gost__udptun_hdr(&d->target, total, hdr);
  } else { /* framing (A) */
    h = gost__udpframe_encode_hdr(total, hdr) == GOST_OK ? 2 : GOST_EINVAL;
  }
  if (h < 0) return h;
  struct iovec v[D_MAX_IOV];
  v[0].iov_base = hdr;
  v[0].iov_len = (size_t)h;
  for (int i = 0; i < iovcnt; i++) v[i + 1] = iov[i];
  int rc = gost__wbatch_write(&d->wb, v, iovcnt + 1, cb, user);
  if (rc == GOST_OK) s->bytes_out += total;
  return rc;
}

static size_t d_queued(const gost_stream *s) { return gost__wbatch_queued(&((const struct dgram *)s)->wb); }

static int d_shutdown(gost_stream *s) {
  struct dgram *d = (struct dgram *)s;
  gost__wbatch_flush(&d->wb); /* the EOF goes after the datagrams written before it */
  return gost_stream_shutdown(d->inner);
}

static void d_close(gost_stream *s) {
  struct dgram *d = (struct dgram *)s;
  if (d->dead) return;
  d->dead = 1;
  gost_stream_read_stop(d->inner);
  if (!d->in_cb) d_free(d);
}

static void d_inner_drain(gost_stream *s, void *user) {
  (void)s;
  struct dgram *d = user;
  if (d->wb.q.bytes == 0) gost__stream_drained(&d->base); /* else the batch's hand-on reports it */
}

static const struct gost_stream_ops dgram_ops = {
    .name = "dgramframe",
    .read_start = d_read_start,
    .read_stop = d_read_stop,
    .write = d_write,
    .write_queue_size = d_queued,
    .shutdown = d_shutdown,
    .close = d_close,
    .fd = NULL,
};

gost_stream *gost__dgramframe_new(gost_ctx_t *ctx, gost_stream *inner) {
  struct dgram *d = gost__calloc(ctx, 1, sizeof(*d));
  if (!d) return NULL;
  gost__stream_init(&d->base, &dgram_ops, ctx);
  d->base.peer = inner->peer;
  d->base.local = inner->local;
  d->inner = inner;
  gost__stream_take_limit(&d->base, inner);
  gost__wbatch_init(&d->wb, &d->base, inner);
  gost__udptun_rx_init(&d->rx, ctx);
  gost_stream_set_read_cb(inner, d_inner_read, d);
  inner->on_drain = d_inner_drain;
  inner->drain_user = d;
  return &d->base;
}

gost_stream *gost__dgramframe_new_socks(gost_ctx_t *ctx, gost_stream *inner,
                                        const struct gost_relay_addr *target) {
  gost_stream *s = gost__dgramframe_new(ctx, inner);
  if (!s) return NULL;
  struct dgram *d = (struct dgram *)s;
  d->socks = 1;
  d->target = *target;
  return s;
}
