/* The socket stream: push reads from a stack buffer, writes that try the kernel first and
 * queue the rest in pooled buffers, completions always deferred to the loop. A write that fails
 * after write() returned (peer reset, or no progress for the write timeout) is reported to the
 * owner through the read callback even while reading is stopped: the one failure path. */
#include "io/sock.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/error.h"
#include "core/log.h"
#include "io/dgramrx.h"
#include "io/dgramtx.h"

#define IOV_MAX_BATCH 64

struct wreq {
  struct wreq *next;
  uint64_t end; /* done once this many bytes were handed to the kernel */
  gost_stream_write_cb cb;
  void *user;
};

struct gost_sock {
  gost_stream s; /* first: the stream pointer is the sock pointer */
  int fd;
  int dgram;
  ev_io rio, wio;
  ev_idle idle; /* runs deferred write completions and the error report */
  ev_timer stall; /* write timeout: runs while the queue is not empty, restarted on progress */
  struct gost_bufq q;
  struct wreq *rh, *rt;
  uint64_t accepted, sent; /* byte offsets of the write side */
  int err;                 /* sticky write error */
  int err_told;            /* err was reported through the read callback */
  int eof;                 /* read side finished */
  int shut_pending, shut_done;
  int closed;
  int busy; /* callbacks in progress: free is deferred until they return */
  struct gost_conn_count *count; /* the accepting listener's, or NULL */
  struct gost_dgram_tx *tx;      /* dgram: the write batch, made on the first write */
  struct wreq *spare;            /* dgram: delivered write requests kept for reuse */
};

static struct ev_loop *loop_of(struct gost_sock *k) { return k->s.ctx->loop; }

static void free_list(gost_ctx_t *ctx, struct wreq *r) {
  while (r) {
    struct wreq *n = r->next;
    gost__free(ctx, r);
    r = n;
  }
}

static void sock_free(struct gost_sock *k) {
  free_list(k->s.ctx, k->rh);
  free_list(k->s.ctx, k->spare);
  gost__bufq_clear(&k->q, &k->s.ctx->bufs);
  gost__free(k->s.ctx, k);
}

static void leave(struct gost_sock *k) {
  if (--k->busy == 0 && k->closed) sock_free(k);
}

static int send_iov(struct gost_sock *k, const struct iovec *iov, int n) {
  struct msghdr m;
  memset(&m, 0, sizeof m);
  m.msg_iov = (struct iovec *)iov;
  m.msg_iovlen = (size_t)n;
  ssize_t r;
  do r = sendmsg(k->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT); /* no SIGPIPE, ever */
  while (r < 0 && errno == EINTR);
  if (r >= 0) return (int)r;
  return -errno;
}

/* Pops finished requests (or all of them after an error) and runs their callbacks. */
static void complete(struct gost_sock *k) {
  while (k->rh && !k->closed && (k->rh->end <= k->sent || k->err)) {
    struct wreq *r = k->rh;
    k->rh = r->next;
    if (!k->rh) k->rt = NULL;
    int st = r->end <= k->sent ? GOST_OK : k->err;
    gost_stream_write_cb cb = r->cb;
    void *user = r->user;
    if (k->dgram) { /* one request a datagram: kept for the next instead of freed */
      r->next = k->spare;
      k->spare = r;
    } else {
      gost__free(k->s.ctx, r);
    }
    cb(&k->s, st, user);
  }
}

static void on_idle(struct ev_loop *loop, ev_idle *w, int revents) {
  (void)revents;
  struct gost_sock *k = w->data;
  ev_idle_stop(loop, w);
  k->busy++;
  complete(k);
  if (k->err && !k->err_told && !k->closed) { /* the owner learns even if it is not reading */
    k->err_told = 1;
    k->eof = 1;
    ev_io_stop(loop, &k->rio);
    if (k->s.on_read) k->s.on_read(&k->s, k->err, NULL, k->s.user);
  }
  leave(k);
}

static void defer_complete(struct gost_sock *k) {
  if (k->rh) ev_idle_start(loop_of(k), &k->idle);
}

static void fail_writes(struct gost_sock *k, int err) {
  k->err = err;
  k->s.ctx->budget.write_errors++;
  ev_io_stop(loop_of(k), &k->wio);
  ev_timer_stop(loop_of(k), &k->stall);
  gost__bufq_clear(&k->q, &k->s.ctx->bufs);
  ev_idle_start(loop_of(k), &k->idle); /* completions, then the owner is told */
}

/* No byte left the queue for the write timeout: the peer does not read. */
static void on_stall(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop;
  (void)revents;
  struct gost_sock *k = w->data;
  char peer[64] = "";
  gost__sa_fmt(&k->s.peer, peer, sizeof peer);
  GOST_INFO(k->s.ctx, "%s: write stalled for %.1f s with %zu bytes queued; connection reset",
            peer, w->repeat, k->q.bytes);
  GOST_BUDGET_HIT(k->s.ctx, write_stalls);
  fail_writes(k, gost__error(GOST_ETIMEDOUT, "write stalled: the peer does not read"));
}

/* Progress (or the first queued byte) restarts the write timeout; an empty queue stops it. */
static void stall_clock(struct gost_sock *k, int progress) {
  if (k->q.bytes == 0) ev_timer_stop(loop_of(k), &k->stall);
  else if (k->stall.repeat > 0 && (progress || !ev_is_active(&k->stall)))
    ev_timer_again(loop_of(k), &k->stall);
}

static void do_shutdown(struct gost_sock *k) {
  k->shut_pending = 0;
  k->shut_done = 1;
  if (!k->dgram) shutdown(k->fd, SHUT_WR);
}

static void on_writable(struct ev_loop *loop, ev_io *w, int revents) {
  (void)revents;
  struct gost_sock *k = w->data;
  struct iovec iov[IOV_MAX_BATCH];
  int n = gost__bufq_iov(&k->q, iov, IOV_MAX_BATCH);
  int r = n ? send_iov(k, iov, n) : 0;
  if (r == -EAGAIN || r == -EWOULDBLOCK) return;
  k->busy++;
  if (r < 0) {
    fail_writes(k, gost__error_sys(gost__errno_to_code(-r), -r, "send: %s", strerror(-r)));
  } else {
    gost__bufq_consume(&k->q, &k->s.ctx->bufs, (size_t)r);
    k->sent += (uint64_t)r;
    k->s.bytes_out += (uint64_t)r;
    stall_clock(k, r > 0);
    if (k->q.bytes == 0) {
      ev_io_stop(loop, w);
      if (k->shut_pending) do_shutdown(k);
    }
    complete(k);
    if (!k->closed && k->q.bytes == 0) gost__stream_drained(&k->s);
  }
  leave(k);
}

/* A connected UDP socket: up to a batch of datagrams with one recvmmsg. Datagrams read while
 * the owner stops reading (backpressure) are still delivered: they left the kernel already, and
 * the owner's queues are bounded and drop, as the kernel would. 0 when the shared arena is
 * busy (read the plain way). */
static int read_batch(struct gost_sock *k) {
  struct gost_dgram_rx *rx;
  int err;
  int n = gost__dgram_rx_read(k->s.ctx, k->fd, GOST_SOCK_READ_MAX, &rx, &err);
  if (n < 0) return 0;
  k->busy++;
  for (int i = 0; i < n && !k->closed; i++) {
    size_t len;
    const char *p = gost__dgram_rx_get(rx, i, &len, NULL);
    if (len == 0) continue; /* empty datagram: nothing to relay */
    k->s.bytes_in += len;
    k->s.on_read(&k->s, (ssize_t)len, p, k->s.user);
  }
  if (n > 0) gost__dgram_rx_done(rx);
  if (err && !k->closed) { /* ECONNREFUSED and the like: as recv would report it */
    int c = gost__errno_to_code(err);
    int st = gost__error_sys(c == GOST_ECLOSED ? GOST_EIO : c, err, "recv: %s", strerror(err));
    k->eof = 1;
    ev_io_stop(loop_of(k), &k->rio);
    k->s.on_read(&k->s, st, NULL, k->s.user);
  }
  leave(k);
  return 1;
}

static void on_readable(struct ev_loop *loop, ev_io *w, int revents) {
  (void)revents;
  struct gost_sock *k = w->data;
  if (k->dgram && read_batch(k)) return;
  char buf[GOST_SOCK_READ_MAX];
  ssize_t r;
  do r = recv(k->fd, buf, sizeof buf, 0);
  while (r < 0 && errno == EINTR);
  if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
  if (r == 0 && k->dgram) return; /* empty datagram: nothing to relay */
  k->busy++;
  if (r > 0) {
    k->s.bytes_in += (uint64_t)r;
    k->s.on_read(&k->s, r, buf, k->s.user);
  } else {
    int st = GOST_ECLOSED;
    if (r < 0) {
      int c = gost__errno_to_code(errno);
      st = gost__error_sys(c == GOST_ECLOSED ? GOST_EIO : c, errno, "recv: %s", strerror(errno));
    }
    k->eof = 1;
    ev_io_stop(loop, w);
    k->s.on_read(&k->s, st, NULL, k->s.user);
  }
  leave(k);
}

static int sock_read_start(gost_stream *s) {
  struct gost_sock *k = (struct gost_sock *)s;
  if (k->closed) return GOST_ECLOSED;
  if (!s->on_read) return gost__error(GOST_EINVAL, "read_start without a read callback");
  if (!k->eof) ev_io_start(loop_of(k), &k->rio);
  return GOST_OK;
}

static int sock_read_stop(gost_stream *s) {
  struct gost_sock *k = (struct gost_sock *)s;
  ev_io_stop(loop_of(k), &k->rio);
  return GOST_OK;
}

static void on_tx_error(void *user, int err) {
  struct gost_sock *k = user;
  if (!k->err && !k->closed) fail_writes(k, err);
}

static void push_req(struct gost_sock *k, struct wreq *req) {
  req->next = NULL;
  req->end = k->accepted;
  if (k->rt) k->rt->next = req;
  else k->rh = req;
  k->rt = req;
  if (req->end <= k->sent) defer_complete(k);
}

/* A datagram: batched (io/dgramtx.h), never queued; its completion runs on the next iteration. */
static int dgram_write(struct gost_sock *k, const struct iovec *iov, int n, gost_stream_write_cb cb,
                       void *user) {
  if (!k->tx && !(k->tx = gost__dgram_tx_new(k->s.ctx, k->fd, 0, &k->s.peer.sa, on_tx_error, k)))
    return gost__error(GOST_ENOMEM, "out of memory");
  struct wreq *req = NULL;
  if (cb) {
    req = k->spare;
    if (req) k->spare = req->next;
    else if (!(req = gost__malloc(k->s.ctx, sizeof *req))) return gost__error(GOST_ENOMEM, "out of memory");
  }
  int rc = gost__dgram_tx_send(k->tx, NULL, iov, n);
  if (rc < 0) {
    if (req) {
      req->next = k->spare;
      k->spare = req;
    }
    return rc;
  }
  size_t total = 0;
  for (int i = 0; i < n; i++) total += iov[i].iov_len;
  k->accepted += total;
  k->sent += total;
  k->s.bytes_out += total;
  if (req) {
    req->cb = cb;
    req->user = user;
    push_req(k, req);
  }
  return GOST_OK;
}

static int sock_write(gost_stream *s, const struct iovec *iov, int n, gost_stream_write_cb cb,
                      void *user) {
  struct gost_sock *k = (struct gost_sock *)s;
  if (k->closed) return GOST_ECLOSED;
  if (k->err) return k->err;
  if (k->dgram) return dgram_write(k, iov, n, cb, user);
  if (k->shut_pending || k->shut_done) return gost__error(GOST_ESTATE, "write after shutdown");
  size_t total = 0;
  for (int i = 0; i < n; i++) total += iov[i].iov_len;
  if (k->q.bytes + total > GOST_SOCK_QUEUE_MAX)
    return gost__error(GOST_ENOMEM, "socket write queue full");
  struct wreq *req = NULL;
  if (cb) {
    req = gost__malloc(s->ctx, sizeof *req);
    if (!req) return gost__error(GOST_ENOMEM, "out of memory");
  }
  size_t done = 0;
  if (k->q.bytes == 0 && total > 0) {
    int r = send_iov(k, iov, n);
    if (r >= 0) {
      done = (size_t)r;
    } else if (r != -EAGAIN && r != -EWOULDBLOCK) {
      gost__free(s->ctx, req);
      return gost__error_sys(gost__errno_to_code(-r), -r, "send: %s", strerror(-r));
    }
  }
  k->sent += done;
  s->bytes_out += done;
  /* Queue the unsent tail. */
  size_t skip = done;
  for (int i = 0; i < n && done < total; i++) {
    if (skip >= iov[i].iov_len) {
      skip -= iov[i].iov_len;
      continue;
    }
    const char *p = (const char *)iov[i].iov_base + skip;
    size_t len = iov[i].iov_len - skip;
    skip = 0;
    if (gost__bufq_append(&k->q, &s->ctx->bufs, p, len) < 0) {
      /* Part of this write is already queued: the stream is broken from here on. */
      gost__free(s->ctx, req);
      fail_writes(k, GOST_ENOMEM);
      return gost__error(GOST_ENOMEM, "out of memory queueing a write");
    }
  }
  k->accepted += total;
  if (k->q.bytes) {
    ev_io_start(loop_of(k), &k->wio);
    stall_clock(k, done > 0);
  }
  if (req) {
    req->cb = cb;
    req->user = user;
    push_req(k, req);
  }
  return GOST_OK;
}

static size_t sock_queued(const gost_stream *s) { return ((const struct gost_sock *)s)->q.bytes; }

static int sock_shutdown(gost_stream *s) {
  struct gost_sock *k = (struct gost_sock *)s;
  if (k->closed) return GOST_ECLOSED;
  if (k->shut_done || k->shut_pending) return GOST_OK;
  if (k->q.bytes) k->shut_pending = 1;
  else do_shutdown(k);
  return GOST_OK;
}

static void sock_close(gost_stream *s) {
  struct gost_sock *k = (struct gost_sock *)s;
  if (k->closed) return;
  k->closed = 1;
  gost__dgram_tx_free(k->tx); /* datagrams written before the close still go out */
  k->tx = NULL;
  ev_io_stop(loop_of(k), &k->rio);
  ev_io_stop(loop_of(k), &k->wio);
  ev_idle_stop(loop_of(k), &k->idle);
  ev_timer_stop(loop_of(k), &k->stall);
  if (k->err == GOST_ETIMEDOUT && !k->dgram) { /* a stalled peer gets a reset, not our backlog */
    struct linger lg = {1, 0};
    setsockopt(k->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  close(k->fd);
  k->fd = -1;
  if (k->count) {
    k->count->live--;
    if (k->count->orphaned && !k->count->live) gost__free(k->s.ctx, k->count);
    k->count = NULL;
  }
  if (k->busy == 0) sock_free(k);
}

static int sock_fd(const gost_stream *s) {
  const struct gost_sock *k = (const struct gost_sock *)s;
  return k->dgram ? -1 : k->fd;
}

static const struct gost_stream_ops tcp_ops = {"tcp", sock_read_start, sock_read_stop, sock_write,
                                               sock_queued, sock_shutdown, sock_close, sock_fd};
static const struct gost_stream_ops udp_ops = {"udp", sock_read_start, sock_read_stop, sock_write,
                                               sock_queued, sock_shutdown, sock_close, sock_fd};

gost_stream *gost__sock_new(gost_ctx_t *ctx, int fd, int dgram) { return gost__sock_new_peer(ctx, fd, dgram, NULL); }

gost_stream *gost__sock_new_peer(gost_ctx_t *ctx, int fd, int dgram, const struct sockaddr *peer) {
  struct gost_sock *k = gost__calloc(ctx, 1, sizeof *k);
  if (!k) {
    gost__error(GOST_ENOMEM, "out of memory");
    return NULL;
  }
  gost__stream_init(&k->s, dgram ? &udp_ops : &tcp_ops, ctx);
  k->fd = fd;
  k->dgram = dgram;
  gost_bufq_init(&k->q);
  ev_io_init(&k->rio, on_readable, fd, EV_READ);
  ev_io_init(&k->wio, on_writable, fd, EV_WRITE);
  ev_idle_init(&k->idle, on_idle);
  ev_init(&k->stall, on_stall);
  k->stall.repeat = dgram ? 0. : (double)ctx->write_timeout_ms / 1000.0;
  /* Completions must not starve behind busy sockets of lower priority. */
  ev_set_priority(&k->idle, EV_MAXPRI);
  k->rio.data = k->wio.data = k->idle.data = k->stall.data = k;
  if (!dgram) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  /* 28 bytes hold any IPv4/IPv6 address; any other family stays unknown */
  socklen_t len = sizeof k->s.peer;
  if (peer) gost__sa_set(&k->s.peer, peer); /* the accept's answer: no getpeername */
  else if (getpeername(fd, &k->s.peer.sa, &len) < 0 || !gost__sa_len(&k->s.peer)) gost__sa_clear(&k->s.peer);
  len = sizeof k->s.local;
  if (getsockname(fd, &k->s.local.sa, &len) < 0 || !gost__sa_len(&k->s.local)) gost__sa_clear(&k->s.local);
  return &k->s;
}

int gost__sock_is_tcp(const gost_stream *s) { return s && s->ops == &tcp_ops; }

void gost__sock_set_write_timeout(gost_stream *s, int64_t ms) {
  if (s->ops != &tcp_ops) return;
  struct gost_sock *k = (struct gost_sock *)s;
  k->stall.repeat = ms > 0 ? (double)ms / 1000.0 : 0.;
  if (k->stall.repeat == 0.) ev_timer_stop(loop_of(k), &k->stall);
  else stall_clock(k, 0);
}

void gost__sock_count(gost_stream *s, struct gost_conn_count *c) {
  if (s->ops != &tcp_ops) return;
  struct gost_sock *k = (struct gost_sock *)s;
  k->count = c;
  c->live++;
}

void gost__conn_count_release(struct gost_conn_count *c) {
  if (!c) return;
  if (!c->live) gost__free(c->ctx, c);
  else c->orphaned = 1;
}
