/* Asynchronous connect: resolve, then try each address with a nonblocking connect, all
 * under one deadline. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/error.h"
#include "core/resolver.h"
#include "io/sock.h"
#include "io/udpflow.h"

struct gost_connect {
  gost_ctx_t *ctx;
  int dgram;
  gost_stream_ready_cb cb;
  void *user;
  struct gost_resolve *rq;
  ev_io io;
  ev_timer timer;
  int fd;
  struct sockaddr_storage addrs[GOST_RESOLVE_MAX];
  size_t n, next;
  int last_err;
};

static void conn_stop(struct gost_connect *c) {
  if (c->rq) gost__resolve_cancel(c->rq);
  c->rq = NULL;
  ev_io_stop(c->ctx->loop, &c->io);
  ev_timer_stop(c->ctx->loop, &c->timer);
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
}

static void finish(struct gost_connect *c, gost_stream *s, int status) {
  gost_stream_ready_cb cb = c->cb;
  void *user = c->user;
  gost_ctx_t *ctx = c->ctx;
  conn_stop(c);
  gost__free(ctx, c);
  cb(ctx, s, status, user);
}

static void connected(struct gost_connect *c) {
  /* the peer is the address just connected to */
  gost_stream *s = gost__sock_new_peer(c->ctx, c->fd, c->dgram, (const struct sockaddr *)&c->addrs[c->next - 1]);
  if (!s) {
    finish(c, NULL, GOST_ENOMEM);
    return;
  }
  c->fd = -1; /* owned by the stream now */
  finish(c, s, GOST_OK);
}

static void try_next(struct gost_connect *c) {
  while (c->next < c->n) {
    const struct sockaddr *sa = (const struct sockaddr *)&c->addrs[c->next++];
    int fd = socket(sa->sa_family, (c->dgram ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      c->last_err = errno;
      continue;
    }
    if (c->dgram) gost__udp_socket_buffers(fd);
    int r;
    do r = connect(fd, sa, gost__sockaddr_len(sa));
    while (r < 0 && errno == EINTR);
    c->fd = fd;
    if (r == 0) {
      connected(c);
      return;
    }
    if (errno == EINPROGRESS) {
      ev_io_set(&c->io, fd, EV_WRITE);
      ev_io_start(c->ctx->loop, &c->io);
      return;
    }
    c->last_err = errno;
    close(fd);
    c->fd = -1;
  }
  int e = c->last_err ? c->last_err : ECONNREFUSED;
  finish(c, NULL, gost__error_sys(gost__errno_to_code(e), e, "connect: %s", strerror(e)));
}

static void on_connect_io(struct ev_loop *loop, ev_io *w, int revents) {
  (void)revents;
  struct gost_connect *c = w->data;
  int err = 0;
  socklen_t len = sizeof err;
  ev_io_stop(loop, w);
  if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
  if (err == 0) {
    connected(c);
    return;
  }
  c->last_err = err;
  close(c->fd);
  c->fd = -1;
  try_next(c);
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop;
  (void)revents;
  struct gost_connect *c = w->data;
  finish(c, NULL, gost__error(GOST_ETIMEDOUT, "connect timed out"));
}

static void on_resolved(gost_ctx_t *ctx, int status, const struct sockaddr_storage *addrs,
                        size_t n, void *user) {
  (void)ctx;
  struct gost_connect *c = user;
  c->rq = NULL;
  if (status < 0) {
    finish(c, NULL, gost__error(status, "resolve failed: %s", gost_strerror(status)));
    return;
  }
  memcpy(c->addrs, addrs, n * sizeof *addrs);
  c->n = n;
  try_next(c);
}

struct gost_connect *gost__connect(gost_ctx_t *ctx, const char *addr, int dgram,
                                   uint64_t timeout_ms, gost_stream_ready_cb cb, void *user) {
  char host[GOST_ADDR_HOST_MAX];
  uint16_t port;
  if (gost__addr_split(addr, host, sizeof host, &port) < 0) return NULL;
  if (port == 0) {
    gost__error(GOST_EINVAL, "no port in '%s'", addr);
    return NULL;
  }
  struct gost_connect *c = gost__calloc(ctx, 1, sizeof *c);
  if (!c) {
    gost__error(GOST_ENOMEM, "out of memory");
    return NULL;
  }
  c->ctx = ctx;
  c->dgram = dgram;
  c->cb = cb;
  c->user = user;
  c->fd = -1;
  ev_init(&c->io, on_connect_io);
  c->io.data = c;
  double t = (double)(timeout_ms ? timeout_ms : GOST_CONNECT_TIMEOUT_MS) / 1000.0;
  ev_timer_init(&c->timer, on_timeout, t, 0.);
  c->timer.data = c;
  /* ":80" means this host, as Go's net.Dial does. */
  c->rq = gost__resolve(ctx, *host ? host : "127.0.0.1", port, on_resolved, c);
  if (!c->rq) {
    gost__free(ctx, c);
    return NULL;
  }
  ev_timer_start(ctx->loop, &c->timer);
  return c;
}

struct gost_connect *gost__tcp_connect(gost_ctx_t *ctx, const char *addr, gost_stream_ready_cb cb,
                                       void *user) {
  return gost__connect(ctx, addr, 0, 0, cb, user);
}

void gost__connect_cancel(struct gost_connect *c) {
  if (!c) return;
  conn_stop(c);
  gost__free(c->ctx, c);
}
