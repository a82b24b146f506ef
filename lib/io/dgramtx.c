/* Batched datagram writes (see dgramtx.h). */
#include "io/dgramtx.h"

#include <errno.h>
#include <string.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/error.h"
#include "io/dgramdrop.h"

#define TX_BUFS 4 /* pooled buffers per batch: 64 KiB, 32 datagrams of 2 KiB */

struct gost_dgram_tx {
  gost_ctx_t *ctx;
  int fd;
  int named;
  const struct sockaddr *who;
  gost_dgram_tx_err_fn on_err;
  void *user;
  ev_idle flush; /* sends the batch at the start of the next iteration */
  int n;         /* datagrams batched */
  int nbuf;      /* pooled buffers holding them */
  struct gost_buf *buf[TX_BUFS];
  struct mmsghdr msgs[GOST_DGRAM_TX_BATCH];
  struct iovec iov[GOST_DGRAM_TX_BATCH];
  struct gost_dgram_drops drops;
  struct sockaddr_storage to[]; /* named: GOST_DGRAM_TX_BATCH destinations */
};

static int full_buffer(int e) { return e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS; }

static void release(struct gost_dgram_tx *t) {
  for (int i = 0; i < t->nbuf; i++) gost__buf_put(&t->ctx->bufs, t->buf[i]);
  t->nbuf = 0;
  t->n = 0;
}

/* Sends the batch; report: tell the owner of a connected socket about an error. */
static void send_batch(struct gost_dgram_tx *t, int report) {
  ev_idle_stop(t->ctx->loop, &t->flush);
  int i = 0, err = 0;
  uint64_t dropped = 0;
  while (i < t->n) {
    int k = sendmmsg(t->fd, t->msgs + i, (unsigned)(t->n - i), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (k > 0) {
      i += k;
      continue;
    }
    if (errno == EINTR) continue;
    if (full_buffer(errno) || !t->named) { /* the rest cannot go now: dropped */
      if (!full_buffer(errno)) err = errno;
      dropped += (uint64_t)(t->n - i);
      break;
    }
    i++; /* an unconnected socket: this destination refused, the others may not */
    dropped++;
  }
  int n = t->n;
  release(t);
  if (dropped) gost__dgram_drop(t->ctx, &t->drops, err ? "send failed" : "send buffer full", t->who, dropped);
  else if (n) gost__dgram_pass(t->ctx, &t->drops, t->who);
  if (err && report && t->on_err)
    t->on_err(t->user, gost__error_sys(gost__errno_to_code(err), err, "send: %s", strerror(err)));
}

static void on_flush(struct ev_loop *loop, ev_idle *w, int revents) {
  (void)loop, (void)revents;
  send_batch(w->data, 1);
}

struct gost_dgram_tx *gost__dgram_tx_new(gost_ctx_t *ctx, int fd, int named,
                                         const struct sockaddr *who,
                                         gost_dgram_tx_err_fn on_err, void *user) {
  size_t names = named ? GOST_DGRAM_TX_BATCH * sizeof(struct sockaddr_storage) : 0;
  struct gost_dgram_tx *t = gost__calloc(ctx, 1, sizeof *t + names);
  if (!t) return NULL;
  t->ctx = ctx;
  t->fd = fd;
  t->named = named;
  t->who = who;
  t->on_err = on_err;
  t->user = user;
  ev_idle_init(&t->flush, on_flush);
  ev_set_priority(&t->flush, EV_MAXPRI);
  t->flush.data = t;
  return t;
}

/* A datagram too large for the batch's buffers: sent alone, without a copy. */
static int send_alone(struct gost_dgram_tx *t, const struct sockaddr_storage *to,
                      const struct iovec *iov, int iovcnt) {
  struct msghdr m;
  memset(&m, 0, sizeof m);
  if (t->named) {
    m.msg_name = (void *)to;
    m.msg_namelen = gost__sockaddr_len((const struct sockaddr *)to);
  }
  m.msg_iov = (struct iovec *)iov;
  m.msg_iovlen = (size_t)iovcnt;
  ssize_t k;
  do k = sendmsg(t->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (k < 0 && errno == EINTR);
  if (k >= 0) {
    gost__dgram_pass(t->ctx, &t->drops, t->who);
    return GOST_OK;
  }
  int e = errno;
  if (full_buffer(e)) {
    gost__dgram_drop(t->ctx, &t->drops, "send buffer full", t->who, 1);
    return GOST_OK;
  }
  return gost__error_sys(gost__errno_to_code(e), e, "sendto: %s", strerror(e));
}

/* Room for len more bytes in the batch's buffers, or NULL when the batch must go first. */
static char *room_for(struct gost_dgram_tx *t, size_t len) {
  struct gost_buf *b = t->nbuf ? t->buf[t->nbuf - 1] : NULL;
  if (!b || gost_buf_room(b) < len) {
    if (t->nbuf == TX_BUFS || !(b = gost__buf_get(&t->ctx->bufs))) return NULL;
    t->buf[t->nbuf++] = b;
  }
  char *p = b->data + b->len;
  b->len += (uint32_t)len;
  return p;
}

int gost__dgram_tx_send(struct gost_dgram_tx *t, const struct sockaddr_storage *to,
                        const struct iovec *iov, int iovcnt) {
  size_t total = 0;
  for (int i = 0; i < iovcnt; i++) total += iov[i].iov_len;
  if (total > GOST_BUF_SIZE) {
    if (t->n) send_batch(t, 1);
    return send_alone(t, to, iov, iovcnt);
  }
  char *p = t->n < GOST_DGRAM_TX_BATCH ? room_for(t, total) : NULL;
  if (!p) {
    if (t->n) send_batch(t, 1);
    if (!(p = room_for(t, total))) return send_alone(t, to, iov, iovcnt); /* no pooled buffer */
  }
  struct iovec *v = &t->iov[t->n];
  v->iov_base = p;
  v->iov_len = total;
  for (int i = 0; i < iovcnt; i++) {
    if (iov[i].iov_len) memcpy(p, iov[i].iov_base, iov[i].iov_len);
    p += iov[i].iov_len;
  }
  struct msghdr *h = &t->msgs[t->n].msg_hdr;
  memset(h, 0, sizeof *h);
  if (t->named) {
    t->to[t->n] = *to;
    h->msg_name = &t->to[t->n];
    h->msg_namelen = gost__sockaddr_len((const struct sockaddr *)to);
  }
  h->msg_iov = v;
  h->msg_iovlen = 1;
  if (t->n++ == 0) ev_idle_start(t->ctx->loop, &t->flush);
  return GOST_OK;
}

void gost__dgram_tx_free(struct gost_dgram_tx *t) {
  if (!t) return;
  send_batch(t, 0);
  gost__free(t->ctx, t);
}
