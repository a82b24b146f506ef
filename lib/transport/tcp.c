/* "tcp" listener (accept loop -> socket streams -> the service's handler) and the "tcp"
 * dialer (the identity: a connected socket is already the stream). */
#include <errno.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/error.h"
#include "core/log.h"
#include "core/meta.h"
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
  int64_t write_timeout_ms; /* writeTimeout for accepted sockets */
  size_t conns_max;         /* conns.max: accepted connections open at once */
  struct gost_conn_count *conns;
  ev_tstamp refuse_logged;
  /* An out-of-descriptors episode, from the first failed accept until the backlog is drained:
   * logged once when it starts and once, with the number of pauses, when it ends. */
  uint64_t pauses;
  ev_tstamp paused_since;
};

static const char *svc_name(const gost_service_t *svc) { return svc->name ? svc->name : ""; }

static void pause_accepts(struct tcp_listener *t, int err) {
  struct ev_loop *loop = t->svc->ctx->loop;
  if (t->pauses++ == 0) {
    t->paused_since = ev_now(loop);
    GOST_WARN(t->svc->ctx, "%s: accept: %s; pausing accepts, retrying every %.0f s",
              svc_name(t->svc), strerror(err), EMFILE_PAUSE);
  }
  GOST_BUDGET_HIT(t->svc->ctx, accept_paused);
  ev_io_stop(loop, &t->io);
  /* A one-shot timer keeps its fired value of 0 s: set the pause again each time. */
  ev_timer_set(&t->pause, EMFILE_PAUSE, 0.);
  ev_timer_start(loop, &t->pause);
}

static void accepts_resumed(struct tcp_listener *t) {
  GOST_WARN(t->svc->ctx, "%s: accepting again after %llu pauses over %.1f s", svc_name(t->svc),
            (unsigned long long)t->pauses, ev_now(t->svc->ctx->loop) - t->paused_since);
  t->pauses = 0;
}

static void on_wrapped(gost_ctx_t *ctx, gost_stream *s, int status, void *user) {
  gost_service_t *svc = user;
  if (status < 0) {
    GOST_DEBUG(ctx, "%s: listener handshake failed: %s", svc->name ? svc->name : "",
               gost_strerror(status));
    return;
  }
  gost__service_accept(svc, s, NULL);
}

/* Above conns.max: closed at once (a reset, no buffer), logged once a second, counted. */
static void refuse_conn(struct tcp_listener *t, int fd) {
  struct linger lg = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(fd);
  gost_ctx_t *ctx = t->svc->ctx;
  GOST_BUDGET_HIT(ctx, conns_refused);
  if (ev_now(ctx->loop) - t->refuse_logged >= 1.0) {
    t->refuse_logged = ev_now(ctx->loop);
    GOST_WARN(ctx, "%s: %zu connections open (conns.max); refusing new ones (%llu refused so far)",
              svc_name(t->svc), t->conns->live, (unsigned long long)ctx->budget.conns_refused);
  }
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents) {
  (void)revents;
  struct tcp_listener *t = w->data;
  gost_service_t *svc = t->svc;
  for (int i = 0; i < ACCEPT_BATCH; i++) {
    struct sockaddr_storage peer;
    socklen_t plen = sizeof peer;
    int fd = accept4(t->fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
        pause_accepts(t, errno);
      else if (errno == EAGAIN && t->pauses) /* backlog drained: the episode is over */
        accepts_resumed(t);
      return;
    }
    if (t->conns->live >= t->conns_max) {
      refuse_conn(t, fd);
      continue;
    }
    gost_stream *s = gost__sock_new_peer(svc->ctx, fd, 0, (const struct sockaddr *)&peer);
    if (!s) {
      close(fd);
      continue;
    }
    if (t->write_timeout_ms >= 0) gost__sock_set_write_timeout(s, t->write_timeout_ms);
    gost__sock_count(s, t->conns);
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
  const char *wt = gost__service_meta(svc, "writeTimeout", NULL);
  int64_t wto = wt ? gost__duration_ms(wt) : -1;
  if (wt && wto < 0) return gost__error(GOST_EINVAL, "bad writeTimeout \"%s\"", wt);
  const char *cm = gost__service_meta(svc, "conns.max", NULL);
  long long cmax = cm ? strtoll(cm, NULL, 10) : GOST_CONNS_DEFAULT_MAX;
  if (cmax <= 0) return gost__error(GOST_EINVAL, "bad conns.max \"%s\"", cm);
  struct sockaddr_storage local;
  int reuseport = gost__str_bool(gost__service_meta(svc, "so_reuseport", NULL), 0);
  int fd = gost__listen_fd_reuseport(svc->addr, SOCK_STREAM, reuseport, &local);
  if (fd < 0) return fd;
  struct tcp_listener *t = gost__calloc(svc->ctx, 1, sizeof *t);
  if (!t) {
    close(fd);
    return gost__error(GOST_ENOMEM, "out of memory");
  }
  svc->port = gost__sockaddr_port((struct sockaddr *)&local);
  t->svc = svc;
  t->fd = fd;
  t->write_timeout_ms = wto;
  t->conns_max = (size_t)cmax;
  t->conns = gost__calloc(svc->ctx, 1, sizeof *t->conns);
  if (!t->conns) {
    close(fd);
    gost__free(svc->ctx, t);
    return gost__error(GOST_ENOMEM, "out of memory");
  }
  t->conns->ctx = svc->ctx;
  ev_io_init(&t->io, on_accept, fd, EV_READ);
  t->io.data = t;
  ev_timer_init(&t->pause, on_pause_end, EMFILE_PAUSE, 0.);
  t->pause.data = t;
  ev_io_start(svc->ctx->loop, &t->io);
  svc->listener_state = t;
  svc->conns = (struct gost_budget_gauge){&t->conns->live, t->conns_max};
  return GOST_OK;
}

static void tcp_stop(gost_service_t *svc) {
  struct tcp_listener *t = svc->listener_state;
  if (!t) return;
  svc->conns = (struct gost_budget_gauge){NULL, 0};
  ev_io_stop(svc->ctx->loop, &t->io);
  ev_timer_stop(svc->ctx->loop, &t->pause);
  gost__conn_count_release(t->conns);
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
