/* "tcp" listener (accept loop -> socket streams -> the service's handler) and the "tcp"
 * dialer (the identity: a connected socket is already the stream). */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/error.h"
#include "core/log.h"
#include "io/later.h"
#include "io/sock.h"
#include "transport/transport_ops.h"
#include "io/bindaddr.h"

#define ACCEPT_BATCH 32
#define EMFILE_PAUSE 1.0 /* seconds without accepting when out of descriptors */

struct tcp_listener {
  gost_service_t *svc;
  int fd;
  ev_io io;
  ev_timer pause;
};

static void on_wrapped(gost_ctx_t *ctx, gost_stream *s, int status, void *user) {
  gost_service_t *svc = user;
  if (status < 0) {
    GOST_DEBUG(ctx, "%s: listener handshake failed: %s", svc->name ? svc->name : "",
               gost_strerror(status));
    return;
  }
  gost__service_accept(svc, s, NULL);
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents) {
  (void)revents;
  struct tcp_listener *t = w->data;
  gost_service_t *svc = t->svc;
  for (int i = 0; i < ACCEPT_BATCH; i++) {
    int fd = accept4(t->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        GOST_WARN(svc->ctx, "%s: accept: %s; pausing", svc->name ? svc->name : "", strerror(errno));
        ev_io_stop(loop, w);
        ev_timer_start(loop, &t->pause);
      }
      return;
    }
    gost_stream *s = gost__sock_new(svc->ctx, fd, 0);
    if (!s) {
      close(fd);
      continue;
    }
    const struct gost_listener_ops *l = svc->listener;
    if (l && l->wrap) {
      /* TLS/WS listeners reuse this accept loop and wrap each connection. */
      if (l->wrap(svc, s, on_wrapped, svc) < 0) gost_stream_close(s);
    } else {
      gost__service_accept(svc, s, NULL);
    }
    if (svc->listener_state != t) return; /* stopped from inside the handler */
  }
}

static void on_pause_end(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)revents;
  struct tcp_listener *t = w->data;
  ev_io_start(loop, &t->io);
}

static int tcp_start(gost_service_t *svc) {
  struct sockaddr_storage local;
  int fd = gost__listen_fd(svc->addr, SOCK_STREAM, &local);
  if (fd < 0) return fd;
  struct tcp_listener *t = gost__calloc(svc->ctx, 1, sizeof *t);
  if (!t) {
    close(fd);
    return gost__error(GOST_ENOMEM, "out of memory");
  }
  svc->port = gost__sockaddr_port((struct sockaddr *)&local);
  t->svc = svc;
  t->fd = fd;
  ev_io_init(&t->io, on_accept, fd, EV_READ);
  t->io.data = t;
  ev_timer_init(&t->pause, on_pause_end, EMFILE_PAUSE, 0.);
  t->pause.data = t;
  ev_io_start(svc->ctx->loop, &t->io);
  svc->listener_state = t;
  return GOST_OK;
}

static void tcp_stop(gost_service_t *svc) {
  struct tcp_listener *t = svc->listener_state;
  if (!t) return;
  ev_io_stop(svc->ctx->loop, &t->io);
  ev_timer_stop(svc->ctx->loop, &t->pause);
  close(t->fd);
  svc->listener_state = NULL;
  gost__free(svc->ctx, t);
}

const struct gost_listener_ops gost__listener_tcp = {"tcp", tcp_start, tcp_stop, NULL};

/* Identity: a connected socket already is the stream (still answered asynchronously). */
static int tcp_wrap(struct gost_node *node, gost_ctx_t *ctx, gost_stream *raw,
                    gost_stream_ready_cb cb, void *user) {
  (void)node;
  return gost__stream_ready_later(ctx, raw, cb, user);
}

const struct gost_dialer_ops gost__dialer_tcp = {"tcp", tcp_wrap};
