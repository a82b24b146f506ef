/* RFC 1928 BIND (0x02) with bind=true, as stock GOST serves it: listen on the requested
 * address, reply with where we listen, accept exactly one peer, reply again naming it, then
 * relay between the client and that peer. The client closing first cancels the wait. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/error.h"
#include "core/log.h"
#include "handler/proxy.h"
#include "io/bindaddr.h"
#include "io/sock.h"

struct plain_bind {
  struct gost_proxy_conn *pc;
  gost_stream *ctrl; /* the client while we wait for the peer */
  int fd;
  ev_io accept_w;
};

static void plain_bind_free(void *p) {
  struct plain_bind *b = p;
  ev_io_stop(b->pc->svc->ctx->loop, &b->accept_w);
  if (b->fd >= 0) close(b->fd);
  if (b->ctrl) gost_stream_close(b->ctrl);
  gost__free(b->pc->svc->ctx, b);
}

/* Anything from the client before the peer came is a broken client; EOF cancels. */
static void on_ctrl_read(gost_stream *s, ssize_t n, const char *data, void *user) {
  (void)s, (void)data;
  struct plain_bind *b = user;
  if (n > 0) GOST_WARN(b->pc->svc->ctx, "socks5: bind: client sent data before the peer connected");
  else GOST_DEBUG(b->pc->svc->ctx, "socks5: bind: client left before a peer connected");
  gost__proxy_conn_end(b->pc);
}

/* The wait is over: the client is the connection's again, the listener goes. */
static void take_back_client(struct plain_bind *b) {
  struct gost_proxy_conn *pc = b->pc;
  gost_stream_read_stop(b->ctrl);
  pc->client = b->ctrl;
  b->ctrl = NULL;
  pc->session = NULL;
  plain_bind_free(b);
}

static void on_peer(struct ev_loop *loop, ev_io *w, int revents) {
  (void)loop, (void)revents;
  struct plain_bind *b = w->data;
  struct gost_proxy_conn *pc = b->pc;
  int fd = accept4(b->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) {
    if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
      GOST_WARN(pc->svc->ctx, "socks5: bind: accept: %s", strerror(errno));
      take_back_client(b);
      gost__socks5_reply(pc, GOST__SOCKS5_REP_FAILURE, NULL, 1);
    }
    return;
  }
  gost_stream *peer = gost__sock_new(pc->svc->ctx, fd, 0);
  if (!peer) {
    close(fd);
    gost__proxy_conn_end(pc);
    return;
  }
  take_back_client(b);
  char pa[GOST_ADDR_STR_MAX];
  gost__sa_fmt(&peer->peer, pa, sizeof pa);
  GOST_DEBUG(pc->svc->ctx, "socks5: bind: peer %s accepted", pa);
  gost__socks5_reply(pc, GOST__SOCKS5_REP_SUCCEEDED, &peer->peer.sa, 0);
  gost__proxy_pipe(pc, peer);
}

void gost__socks5_bind_plain(struct gost_proxy_conn *pc) {
  gost_ctx_t *ctx = pc->svc->ctx;
  char addr[GOST_ADDR_STR_MAX];
  if (gost__socks5_bind_addr(pc, addr, sizeof addr) != GOST_OK) return;
  struct sockaddr_storage local;
  struct plain_bind *b = gost__calloc(ctx, 1, sizeof *b);
  int fd = b ? gost__listen_fd(addr, SOCK_STREAM, &local) : -1;
  if (fd < 0) {
    GOST_WARN(ctx, "socks5: bind on %s: %s", addr, b ? gost_last_error() : "out of memory");
    gost__free(ctx, b);
    gost__socks5_reply(pc, GOST__SOCKS5_REP_FAILURE, NULL, 1);
    return;
  }
  b->pc = pc;
  b->fd = fd;
  gost__socks5_bind_reply_bound(pc, &local);
  b->ctrl = pc->client;
  pc->client = NULL;
  pc->session = b;
  pc->session_free = plain_bind_free;
  ev_io_init(&b->accept_w, on_peer, fd, EV_READ);
  b->accept_w.data = b;
  ev_io_start(ctx->loop, &b->accept_w);
  gost_stream_set_read_cb(b->ctrl, on_ctrl_read, b);
  if (gost_stream_read_start(b->ctrl) != GOST_OK) gost__proxy_conn_end(pc);
}
