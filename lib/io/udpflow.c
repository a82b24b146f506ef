#include "io/udpflow.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/error.h"
#include "core/log.h"
#include "io/dgramdrop.h"
#include "io/dgramq.h"
#include "io/dgramrx.h"
#include "io/dgramtx.h"

#define NBUCKETS 256
#define READ_BATCH 64 /* datagrams per readiness event, for fairness */
/* A flow whose queue fills pauses reading the socket for at most this long: its datagrams wait
 * in the socket's buffer (GOST_UDP_SOCKBUF, 4 MiB: ~37 ms at 1 Gbit/s) instead of being dropped
 * at a 128-datagram queue while its reader (a tunnel carrier, a pending dial) catches up. */
#define HOLD_MAX_S 0.05

struct done_req {
  struct done_req *next;
  gost_stream_write_cb cb;
  void *user;
};

struct flow {
  gost_stream s; /* first */
  struct gost_udpflow_listener *l;
  struct flow *hnext;
  int hashed;
  struct gost_dgramq q;            /* datagrams waiting for the reader (bounded: queue_len) */
  struct gost_dgram_drops drops;   /* queue full episodes */
  struct done_req *dh, *dt; /* write completions waiting for the loop */
  struct done_req *spare;   /* delivered completions kept for reuse: no allocation a datagram */
  ev_idle idle;
  int reading, active, ended, eof_sent, closed, busy;
  int no_hold; /* held the socket for HOLD_MAX_S already: drops until its queue empties */
};

struct gost_udpflow_listener {
  gost_ctx_t *ctx;
  int fd;
  ev_io io;
  ev_timer ttl;
  struct gost_udpflow_opts o;
  gost_udpflow_accept_cb cb;
  void *user;
  struct flow *buckets[NBUCKETS];
  size_t nflows;  /* flows alive (hashed or not) */
  size_t nhashed; /* flows still receiving */
  int stopped, busy;
  ev_tstamp full_logged; /* last "flow table full" line (once a second at most) */
  struct flow *blocker;  /* the flow whose full queue paused reading the socket */
  ev_timer hold;         /* caps that pause */
  char *buf;
  struct gost_dgram_tx *tx; /* replies of every flow, batched into sendmmsg */
  struct sockaddr_storage local;
  gost_udpflow_send_fn send; /* virtual listener (fd -1): where flows write */
  void *send_user;
};

static unsigned sa_hash(const struct sockaddr *a) {
  const unsigned char *p;
  size_t n;
  if (a->sa_family == AF_INET6) {
    p = (const unsigned char *)&((const struct sockaddr_in6 *)a)->sin6_addr;
    n = 16;
  } else {
    p = (const unsigned char *)&((const struct sockaddr_in *)a)->sin_addr;
    n = 4;
  }
  unsigned h = 2166136261u ^ gost__sockaddr_port(a);
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h % NBUCKETS;
}

static int sa_equal(const struct sockaddr *a, const struct sockaddr *b) {
  if (a->sa_family != b->sa_family) return 0;
  if (a->sa_family == AF_INET) {
    const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
  return x->sin6_port == y->sin6_port && !memcmp(&x->sin6_addr, &y->sin6_addr, 16);
}

static struct flow *lookup(struct gost_udpflow_listener *l, const struct sockaddr_storage *a) {
  for (struct flow *f = l->buckets[sa_hash((const struct sockaddr *)a)]; f; f = f->hnext)
    if (sa_equal(&f->s.peer.sa, (const struct sockaddr *)a)) return f;
  return NULL;
}

static void unhash(struct flow *f) {
  if (!f->hashed) return;
  struct flow **pp = &f->l->buckets[sa_hash(&f->s.peer.sa)];
  while (*pp != f) pp = &(*pp)->hnext;
  *pp = f->hnext;
  f->hashed = 0;
  f->l->nhashed--;
}

static void listener_free(struct gost_udpflow_listener *l) {
  gost__dgram_tx_free(l->tx);
  gost__free(l->ctx, l->buf);
  gost__free(l->ctx, l);
}

/* Reading the socket resumes (the blocker drained, went away, or held it for HOLD_MAX_S). */
static void hold_release(struct gost_udpflow_listener *l) {
  if (!l->blocker) return;
  l->blocker = NULL;
  ev_timer_stop(l->ctx->loop, &l->hold);
  if (!l->stopped && l->fd >= 0) ev_io_start(l->ctx->loop, &l->io);
}

static void on_hold_cap(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop, (void)revents;
  struct gost_udpflow_listener *l = w->data;
  if (l->blocker) l->blocker->no_hold = 1;
  hold_release(l);
}

static void flow_free(struct flow *f) {
  struct gost_udpflow_listener *l = f->l;
  if (l->blocker == f) hold_release(l);
  gost__dgramq_clear(&f->q, l->ctx);
  for (int i = 0; i < 2; i++) {
    struct done_req **list = i ? &f->spare : &f->dh;
    while (*list) {
      struct done_req *r = *list;
      *list = r->next;
      gost__free(l->ctx, r);
    }
  }
  gost__free(l->ctx, f);
  l->nflows--;
  if (l->stopped && l->nflows == 0 && l->busy == 0) listener_free(l);
}

static void flow_leave(struct flow *f) {
  if (--f->busy == 0 && f->closed) flow_free(f);
}

static void kick(struct flow *f) {
  int want = f->dh || (f->reading && (f->q.n || (f->ended && !f->eof_sent)));
  if (want && !f->closed) ev_idle_start(f->l->ctx->loop, &f->idle);
}

/* The flow is over: no new datagrams, its reader gets EOF once the queue is delivered. */
static void end_flow(struct flow *f) {
  if (f->l->blocker == f) hold_release(f->l);
  unhash(f);
  f->ended = 1;
  kick(f);
}

/* Keeps a write completion for the next write (none is allocated per datagram). */
static void spare_put(struct flow *f, struct done_req *r) {
  if (!r) return;
  r->next = f->spare;
  f->spare = r;
}

static void on_flow_idle(struct ev_loop *loop, ev_idle *w, int revents) {
  (void)revents;
  struct flow *f = w->data;
  ev_idle_stop(loop, w);
  f->busy++;
  while (f->dh && !f->closed) {
    struct done_req *r = f->dh;
    f->dh = r->next;
    if (!f->dh) f->dt = NULL;
    gost_stream_write_cb cb = r->cb;
    void *user = r->user;
    spare_put(f, r);
    cb(&f->s, GOST_OK, user);
  }
  const char *p;
  size_t len;
  while (f->reading && !f->closed && (p = gost__dgramq_front(&f->q, &len))) {
    f->s.bytes_in += len;
    f->s.on_read(&f->s, (ssize_t)len, p, f->s.user);
    gost__dgramq_pop(&f->q, f->l->ctx); /* after the call: p lives in the queue's buffer */
    if (f->l->blocker == f && f->q.n <= f->l->o.queue_len / 2) hold_release(f->l);
  }
  if (!f->q.n) f->no_hold = 0;
  if (f->reading && !f->closed && !f->q.n && f->ended && !f->eof_sent) {
    f->eof_sent = 1;
    f->s.on_read(&f->s, GOST_ECLOSED, NULL, f->s.user);
  }
  flow_leave(f);
}

static int flow_read_start(gost_stream *s) {
  struct flow *f = (struct flow *)s;
  if (f->closed) return GOST_ECLOSED;
  f->reading = 1;
  kick(f);
  return GOST_OK;
}

static int flow_read_stop(gost_stream *s) {
  ((struct flow *)s)->reading = 0;
  return GOST_OK;
}

static int flow_write(gost_stream *s, const struct iovec *iov, int n, gost_stream_write_cb cb,
                      void *user) {
  struct flow *f = (struct flow *)s;
  struct gost_udpflow_listener *l = f->l;
  if (f->closed || l->stopped) return GOST_ECLOSED;
  struct done_req *r = NULL;
  if (cb) {
    r = f->spare;
    if (r) f->spare = r->next;
    else if (!(r = gost__malloc(l->ctx, sizeof *r))) return gost__error(GOST_ENOMEM, "out of memory");
    r->next = NULL;
    r->cb = cb;
    r->user = user;
  }
  /* A socket listener batches the datagram (a full socket buffer drops it, as UDP would). */
  struct sockaddr_storage to; /* both senders take the wide type */
  gost__sa_to_storage(&f->s.peer, &to);
  int rc = l->send ? l->send(l->send_user, &to, iov, n) : gost__dgram_tx_send(l->tx, &to, iov, n);
  if (rc != GOST_OK) {
    spare_put(f, r);
    return rc;
  }
  for (int i = 0; i < n; i++) f->s.bytes_out += iov[i].iov_len;
  f->active = 1;
  if (r) {
    if (f->dt) f->dt->next = r;
    else f->dh = r;
    f->dt = r;
  }
  if (!l->o.keepalive && !f->ended) end_flow(f); /* DNS style: one answer ends the flow */
  kick(f);
  return GOST_OK;
}

static size_t flow_queued(const gost_stream *s) {
  (void)s;
  return 0; /* never queued: sent or dropped at once */
}

static int flow_shutdown(gost_stream *s) {
  (void)s;
  return GOST_OK; /* datagrams have no half-close */
}

static void flow_close(gost_stream *s) {
  struct flow *f = (struct flow *)s;
  if (f->closed) return;
  f->closed = 1;
  unhash(f);
  ev_idle_stop(f->l->ctx->loop, &f->idle);
  if (f->busy == 0) flow_free(f);
}

static const struct gost_stream_ops flow_ops = {"udpflow",   flow_read_start, flow_read_stop,
                                                flow_write,  flow_queued,     flow_shutdown,
                                                flow_close,  NULL};

static struct flow *flow_new(struct gost_udpflow_listener *l, const struct sockaddr_storage *from) {
  struct flow *f = gost__calloc(l->ctx, 1, sizeof *f);
  if (!f) return NULL;
  gost__stream_init(&f->s, &flow_ops, l->ctx);
  gost__dgramq_init(&f->q);
  gost__sa_set(&f->s.peer, (const struct sockaddr *)from);
  gost__sa_set(&f->s.local, (const struct sockaddr *)&l->local);
  f->l = l;
  ev_idle_init(&f->idle, on_flow_idle);
  ev_set_priority(&f->idle, EV_MAXPRI);
  f->idle.data = f;
  unsigned h = sa_hash(&f->s.peer.sa);
  f->hnext = l->buckets[h];
  l->buckets[h] = f;
  f->hashed = 1;
  f->active = 1;
  l->nflows++;
  l->nhashed++;
  return f;
}

static void enqueue(struct flow *f, const char *data, size_t n) {
  struct gost_udpflow_listener *l = f->l;
  gost_ctx_t *ctx = l->ctx;
  /* the blocker also takes the rest of the batch being read when it paused the socket */
  size_t cap = l->o.queue_len + (l->blocker == f ? READ_BATCH : 0);
  /* reader too slow (or not started): bounded, then dropped as a socket buffer would */
  if (f->q.n >= cap || gost__dgramq_push(&f->q, ctx, data, n) != GOST_OK) {
    gost__dgram_drop(ctx, &f->drops, "flow queue full", &f->s.peer.sa, 1);
    return;
  }
  gost__dgram_pass(ctx, &f->drops, &f->s.peer.sa);
  kick(f);
  if (f->q.n >= l->o.queue_len && !l->blocker && !f->no_hold && l->fd >= 0 && !l->stopped) {
    l->blocker = f; /* backpressure: the next datagrams wait in the socket's buffer */
    ev_io_stop(ctx->loop, &l->io);
    ev_timer_set(&l->hold, HOLD_MAX_S, 0.);
    ev_timer_start(ctx->loop, &l->hold);
  }
}

static void dispatch(struct gost_udpflow_listener *l, const struct sockaddr_storage *from,
                     const char *data, size_t n) {
  struct flow *f = lookup(l, from);
  if (!f) {
    if (l->nhashed >= l->o.max_flows) { /* udp.maxFlows: new sources wait for a free slot */
      GOST_BUDGET_HIT(l->ctx, udp_flows_refused);
      if (ev_now(l->ctx->loop) - l->full_logged >= 1.0) {
        l->full_logged = ev_now(l->ctx->loop);
        GOST_WARN(l->ctx, "udp: %zu flows (udp.maxFlows); dropping datagrams from new sources "
                  "(%llu so far)", l->nhashed, (unsigned long long)l->ctx->budget.udp_flows_refused);
      }
      return;
    }
    f = flow_new(l, from);
    if (!f) return;
    l->cb(l, &f->s, l->user);
    if (l->stopped) return;
    f = lookup(l, from); /* the owner may have closed it already */
    if (!f) return;
  }
  f->active = 1;
  if (f->reading && !f->q.n) {
    gost__dgram_pass(l->ctx, &f->drops, &f->s.peer.sa);
    f->busy++;
    f->s.bytes_in += n;
    f->s.on_read(&f->s, (ssize_t)n, data, f->s.user);
    flow_leave(f);
  } else {
    enqueue(f, data, n);
  }
}

/* Up to READ_BATCH datagrams, a batch at a time with recvmmsg. 0: read them the plain way. */
static int recv_batches(struct gost_udpflow_listener *l) {
  for (int got = 0; got < READ_BATCH && !l->stopped && !l->blocker;) {
    struct gost_dgram_rx *rx;
    int err;
    int n = gost__dgram_rx_read(l->ctx, l->fd, l->o.read_buffer_size, &rx, &err);
    if (n < 0) return got > 0;
    for (int i = 0; i < n && !l->stopped; i++) {
      size_t len;
      const struct sockaddr_storage *from;
      const char *p = gost__dgram_rx_get(rx, i, &len, &from);
      if (from->ss_family == AF_INET || from->ss_family == AF_INET6) dispatch(l, from, p, len);
    }
    if (n > 0) gost__dgram_rx_done(rx);
    if (n < GOST_DGRAM_RX_BATCH) break; /* drained (or an ICMP error for an earlier reply) */
    got += n;
  }
  return 1;
}

static void on_recv(struct ev_loop *loop, ev_io *w, int revents) {
  (void)loop;
  (void)revents;
  struct gost_udpflow_listener *l = w->data;
  l->busy++;
  if (recv_batches(l)) goto out;
  for (int i = 0; i < READ_BATCH && !l->stopped && !l->blocker; i++) {
    struct sockaddr_storage from;
    socklen_t flen = sizeof from;
    ssize_t k = recvfrom(l->fd, l->buf, l->o.read_buffer_size, 0, (struct sockaddr *)&from, &flen);
    if (k < 0) break; /* EAGAIN, or an ICMP error for an earlier reply: nothing to do */
    if (from.ss_family != AF_INET && from.ss_family != AF_INET6) continue;
    dispatch(l, &from, l->buf, (size_t)k);
  }
out:
  if (--l->busy == 0 && l->stopped && l->nflows == 0) listener_free(l);
}

/* Every ttl: flows without traffic since the previous tick end (so after 1-2 periods). */
static void on_ttl(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop;
  (void)revents;
  struct gost_udpflow_listener *l = w->data;
  for (int b = 0; b < NBUCKETS; b++) {
    struct flow *f = l->buckets[b];
    while (f) {
      struct flow *next = f->hnext;
      if (!f->active) end_flow(f);
      else f->active = 0;
      f = next;
    }
  }
}

/* A listener with its options defaulted; NULL on ENOMEM. */
static struct gost_udpflow_listener *listener_new(gost_ctx_t *ctx, const struct gost_udpflow_opts *opts,
                                                  gost_udpflow_accept_cb cb, void *user) {
  struct gost_udpflow_listener *l = gost__calloc(ctx, 1, sizeof *l);
  if (!l) return NULL;
  l->ctx = ctx;
  if (opts) l->o = *opts;
  if (!l->o.read_buffer_size) l->o.read_buffer_size = GOST_UDPFLOW_READ_BUFFER;
  if (!l->o.ttl_ms) l->o.ttl_ms = GOST_UDPFLOW_TTL_MS;
  if (!l->o.queue_len) l->o.queue_len = GOST_UDPFLOW_QUEUE;
  if (!l->o.max_flows) l->o.max_flows = GOST_UDPFLOW_MAX_FLOWS;
  l->cb = cb;
  l->user = user;
  ev_init(&l->hold, on_hold_cap);
  l->hold.data = l;
  return l;
}

int gost__udpflow_listen(struct gost_udpflow_listener **out, gost_ctx_t *ctx,
                         const struct sockaddr *addr, const struct gost_udpflow_opts *opts,
                         gost_udpflow_accept_cb cb, void *user) {
  *out = NULL;
  struct gost_udpflow_listener *l = listener_new(ctx, opts, cb, user);
  if (!l) return gost__error(GOST_ENOMEM, "out of memory");
  l->buf = gost__malloc(ctx, l->o.read_buffer_size);
  l->fd = socket(addr->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (l->fd >= 0) l->tx = gost__dgram_tx_new(ctx, l->fd, 1, (const struct sockaddr *)&l->local, NULL, NULL);
  if (!l->buf || !l->tx || l->fd < 0) {
    int e = errno, oom = !l->buf || (l->fd >= 0 && !l->tx);
    if (l->fd >= 0) close(l->fd);
    listener_free(l);
    return oom ? gost__error(GOST_ENOMEM, "out of memory")
               : gost__error_sys(GOST_EIO, e, "udp socket: %s", strerror(e));
  }
  int one = 1, zero = 0;
  setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  gost__udp_socket_buffers(l->fd);
  if (addr->sa_family == AF_INET6) setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  socklen_t len = sizeof l->local;
  if (bind(l->fd, addr, gost__sockaddr_len(addr)) < 0 ||
      getsockname(l->fd, (struct sockaddr *)&l->local, &len) < 0) {
    int e = errno;
    char a[GOST_ADDR_STR_MAX];
    gost__sockaddr_fmt(addr, a, sizeof a);
    close(l->fd);
    listener_free(l);
    return gost__error_sys(gost__errno_to_code(e), e, "udp bind %s: %s", a, strerror(e));
  }
  ev_io_init(&l->io, on_recv, l->fd, EV_READ);
  l->io.data = l;
  ev_io_start(ctx->loop, &l->io);
  double t = (double)l->o.ttl_ms / 1000.0;
  ev_timer_init(&l->ttl, on_ttl, t, t);
  l->ttl.data = l;
  ev_timer_start(ctx->loop, &l->ttl);
  ev_unref(ctx->loop); /* housekeeping: the socket watcher is what keeps the loop alive */
  *out = l;
  return GOST_OK;
}

void gost__udp_socket_buffers(int fd) {
  int size = GOST_UDP_SOCKBUF;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}

int gost__udpflow_virtual(struct gost_udpflow_listener **out, gost_ctx_t *ctx,
                          const struct gost_udpflow_opts *opts, gost_udpflow_send_fn send,
                          void *send_user, gost_udpflow_accept_cb cb, void *user) {
  struct gost_udpflow_listener *l = listener_new(ctx, opts, cb, user);
  *out = NULL;
  if (!l) return gost__error(GOST_ENOMEM, "out of memory");
  l->fd = -1;
  l->send = send;
  l->send_user = send_user;
  double t = (double)l->o.ttl_ms / 1000.0;
  ev_timer_init(&l->ttl, on_ttl, t, t);
  l->ttl.data = l;
  ev_timer_start(ctx->loop, &l->ttl);
  ev_unref(ctx->loop); /* housekeeping only, like the socket listener's timer */
  *out = l;
  return GOST_OK;
}

void gost__udpflow_input(struct gost_udpflow_listener *l, const struct sockaddr_storage *from,
                         const void *data, size_t n) {
  if (l->stopped) return;
  l->busy++;
  dispatch(l, from, (const char *)data, n);
  if (--l->busy == 0 && l->stopped && l->nflows == 0) listener_free(l);
}

const size_t *gost__udpflow_nflows(const struct gost_udpflow_listener *l) { return &l->nhashed; }

const struct sockaddr_storage *gost__udpflow_local(const struct gost_udpflow_listener *l) {
  return &l->local;
}

size_t gost__udpflow_count(const struct gost_udpflow_listener *l) { return l->nflows; }

void gost__udpflow_close(struct gost_udpflow_listener *l) {
  if (!l || l->stopped) return;
  l->stopped = 1;
  struct ev_loop *loop = l->ctx->loop;
  gost__dgram_tx_free(l->tx); /* replies written before the close still go out */
  l->tx = NULL;
  ev_timer_stop(loop, &l->hold);
  l->blocker = NULL;
  if (l->fd >= 0) {
    ev_io_stop(loop, &l->io);
    close(l->fd);
    l->fd = -1;
  }
  ev_ref(loop);
  ev_timer_stop(loop, &l->ttl);
  for (int b = 0; b < NBUCKETS; b++) {
    while (l->buckets[b]) end_flow(l->buckets[b]);
  }
  if (l->nflows == 0 && l->busy == 0) listener_free(l);
}
