/* Server side of relay/SOCKS5 BIND (see bindsrv.h). */
#include "handler/bindsrv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "codec/relay.h"
#include "codec/socks5.h"
#include "core/addr.h"
#include "core/error.h"
#include "core/log.h"
#include "io/pipe.h"
#include "io/sock.h"
#include "io/udptun.h"
#include "io/bindaddr.h"

#define ACCEPT_BATCH 32
#define UDP_BUF 65535
#define UDP_BATCH 64
#define CTRL_QUEUE_MAX (1024 * 1024) /* datagrams to a slow client are dropped beyond */

struct gost_bindsrv {
  gost_service_t *svc;
  gost_ctx_t *ctx;
  int udp, fd, hdr;
  ev_io io;
  struct sockaddr_storage local;
  struct gost_mux_session *mux; /* TCP: the session over the control connection */
  gost_stream *ctrl;            /* UDP: the control connection itself */
  struct gost_udptun_rx rx;
  uint8_t *buf;                 /* UDP receive buffer */
  gost_bindsrv_done_fn done;
  void *user;
};

static const char *svc_name(const struct gost_bindsrv *b) { return b->svc->name ? b->svc->name : ""; }

struct gost_bindsrv *gost__bindsrv_listen(gost_service_t *svc, const char *addr, int udp) {
  struct gost_bindsrv *b = gost__calloc(svc->ctx, 1, sizeof *b);
  if (!b) {
    gost__error(GOST_ENOMEM, "bind: out of memory");
    return NULL;
  }
  b->svc = svc;
  b->ctx = svc->ctx;
  b->udp = udp;
  gost__udptun_rx_init(&b->rx, svc->ctx);
  b->fd = gost__listen_fd(addr, udp ? SOCK_DGRAM : SOCK_STREAM, &b->local);
  if (b->fd < 0) {
    gost__free(svc->ctx, b);
    return NULL;
  }
  return b;
}

const struct sockaddr_storage *gost__bindsrv_local(const struct gost_bindsrv *b) { return &b->local; }

/* Stops listening and drops the control side; streams already relaying live on. */
static void shut(struct gost_bindsrv *b) {
  if (b->fd >= 0) {
    ev_io_stop(b->ctx->loop, &b->io);
    close(b->fd);
    b->fd = -1;
  }
  if (b->mux) gost__mux_session_close(b->mux);
  b->mux = NULL;
  gost_stream_close(b->ctrl);
  b->ctrl = NULL;
}

void gost__bindsrv_free(struct gost_bindsrv *b) {
  if (!b) return;
  shut(b);
  gost__udptun_rx_free(&b->rx);
  gost__free(b->ctx, b->buf);
  gost__free(b->ctx, b);
}

static void finish(struct gost_bindsrv *b, const char *why) {
  char a[GOST_ADDR_STR_MAX];
  gost__sockaddr_fmt((const struct sockaddr *)&b->local, a, sizeof a);
  GOST_INFO(b->ctx, "%s: bind on %s/%s closed: %s", svc_name(b), a, b->udp ? "udp" : "tcp", why);
  shut(b);
  b->done(b, b->user);
}

/* ---- TCP ---- */

/* The per-stream header naming the peer, in the protocol the client spoke. */
static int peer_header(const struct gost_bindsrv *b, const gost_sockaddr *peer, uint8_t *out,
                       size_t cap) {
  struct gost_relay_addr a;
  if (gost__udptun_addr_from_sa(&peer->sa, &a) != GOST_OK) {
    memset(&a, 0, sizeof a);
    a.atyp = GOST__RELAY_ATYP_IPV4;
    strcpy(a.host, "0.0.0.0");
    a.host_len = 7;
  }
  if (b->hdr == GOST__BINDSRV_HDR_RELAY) {
    struct gost_relay_msg m;
    gost__relay_msg_init(&m);
    m.status = GOST__RELAY_OK;
    m.addr[0] = a;
    m.naddr = 1;
    return gost__relay_encode_response(&m, 0, out, cap);
  }
  struct gost_socks5_msg m = {.code = GOST__SOCKS5_REP_SUCCEEDED};
  m.addr.atyp = a.atyp;
  m.addr.port = a.port;
  inet_pton(a.atyp == GOST__RELAY_ATYP_IPV4 ? AF_INET : AF_INET6, a.host, m.addr.ip);
  size_t n = 0;
  int rc = gost__socks5_encode_reply(&m, out, cap, &n);
  return rc < 0 ? rc : (int)n;
}

static void pipe_done(struct gost_pipe *p, int status, uint64_t a_to_b, uint64_t b_to_a, void *user) {
  (void)p, (void)status, (void)user;
  (void)a_to_b, (void)b_to_a;
}

static void serve_conn(struct gost_bindsrv *b, gost_stream *c) {
  gost_stream *st = NULL;
  uint8_t hdr[GOST__RELAY_MSG_MAX];
  int n = peer_header(b, &c->peer, hdr, sizeof hdr);
  if (n < 0 || gost__mux_open_stream(b->mux, &st) != GOST_OK) {
    gost_stream_close(c);
    return;
  }
  char pa[GOST_ADDR_STR_MAX];
  gost__sockaddr_fmt((const struct sockaddr *)&c->peer, pa, sizeof pa);
  GOST_DEBUG(b->ctx, "%s: bind: peer %s accepted", svc_name(b), pa);
  if (gost_stream_write_buf(st, hdr, (size_t)n, NULL, NULL) != GOST_OK ||
      !gost__pipe_start(b->ctx, c, st, NULL, pipe_done, NULL)) {
    gost_stream_close(st);
    gost_stream_close(c);
  }
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents) {
  (void)loop, (void)revents;
  struct gost_bindsrv *b = w->data;
  for (int i = 0; i < ACCEPT_BATCH && b->fd >= 0; i++) {
    int fd = accept4(b->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return; /* EAGAIN; EMFILE is retried on the next readiness */
    gost_stream *c = gost__sock_new(b->ctx, fd, 0);
    if (!c) {
      close(fd);
      continue;
    }
    serve_conn(b, c);
  }
}

static void on_mux_closed(struct gost_mux_session *m, int status, void *user) {
  (void)m;
  struct gost_bindsrv *b = user;
  b->mux = NULL; /* the session frees itself */
  finish(b, gost_strerror(status));
}

/* ---- UDP ---- */

static int to_peer(void *user, const struct gost_relay_addr *a, const uint8_t *p, size_t n) {
  struct gost_bindsrv *b = user;
  struct sockaddr_storage ss;
  socklen_t len;
  /* the client answers the peers it was given: IP literals only */
  if (a->atyp == GOST__RELAY_ATYP_DOMAIN || gost__addr_to_sockaddr(a->host, a->port, &ss, &len) != GOST_OK)
    return 0;
  if (b->local.ss_family == AF_INET6 && ss.ss_family == AF_INET) { /* dual-stack socket */
    struct sockaddr_in v4 = *(struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    memset(v6, 0, sizeof *v6);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = v4.sin_port;
    v6->sin6_addr.s6_addr[10] = v6->sin6_addr.s6_addr[11] = 0xff;
    memcpy(&v6->sin6_addr.s6_addr[12], &v4.sin_addr, 4);
    len = sizeof *v6;
  }
  ssize_t k;
  do k = sendto(b->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT, (struct sockaddr *)&ss, len);
  while (k < 0 && errno == EINTR); /* a full socket buffer drops the datagram, as UDP would */
  return 0;
}

static void on_ctrl_read(gost_stream *s, ssize_t n, const char *data, void *user) {
  (void)s;
  struct gost_bindsrv *b = user;
  if (n < 0) {
    finish(b, n == GOST_ECLOSED ? "client closed" : gost_strerror((int)n));
    return;
  }
  int rc = gost__udptun_rx_feed(&b->rx, (const uint8_t *)data, (size_t)n, to_peer, b);
  if (rc != GOST_OK) finish(b, "bad datagram frame from the client");
}

static void on_udp(struct ev_loop *loop, ev_io *w, int revents) {
  (void)loop, (void)revents;
  struct gost_bindsrv *b = w->data;
  for (int i = 0; i < UDP_BATCH && b->fd >= 0; i++) {
    struct sockaddr_storage from;
    socklen_t flen = sizeof from;
    ssize_t k = recvfrom(b->fd, b->buf, UDP_BUF, 0, (struct sockaddr *)&from, &flen);
    if (k < 0) return;
    if (k == 0 || gost_stream_queued(b->ctrl) > CTRL_QUEUE_MAX) continue; /* slow client: drop */
    if (gost__udptun_send_sa(b->ctrl, (const struct sockaddr *)&from, b->buf, (size_t)k) == GOST_ECLOSED)
      return; /* the control connection is going: its read callback finishes */
  }
}

int gost__bindsrv_serve(struct gost_bindsrv *b, gost_stream *ctrl, int hdr,
                        const struct gost_smux_config *mux, const void *rest, size_t nrest,
                        gost_bindsrv_done_fn done, void *user) {
  b->hdr = hdr;
  b->done = done;
  b->user = user;
  if (!b->udp) {
    static const struct gost_mux_callbacks cbs = {.on_stream_accepted = NULL, .on_closed = on_mux_closed};
    int rc = gost__mux_session_new(&b->mux, b->ctx, ctrl, mux, rest, nrest, &cbs, b);
    if (rc != GOST_OK) {
      b->mux = NULL;
      return rc;
    }
    ev_io_init(&b->io, on_accept, b->fd, EV_READ);
  } else {
    if (!(b->buf = gost__malloc(b->ctx, UDP_BUF))) {
      gost_stream_close(ctrl);
      return gost__error(GOST_ENOMEM, "bind: out of memory");
    }
    b->ctrl = ctrl;
    if (nrest && gost__udptun_rx_feed(&b->rx, rest, nrest, to_peer, b) != GOST_OK) {
      b->ctrl = NULL;
      gost_stream_close(ctrl);
      return gost__error(GOST_EPROTO, "bind: bad datagram frame from the client");
    }
    gost_stream_set_read_cb(ctrl, on_ctrl_read, b);
    gost_stream_read_start(ctrl);
    ev_io_init(&b->io, on_udp, b->fd, EV_READ);
  }
  b->io.data = b;
  ev_io_start(b->ctx->loop, &b->io);
  char a[GOST_ADDR_STR_MAX];
  gost__sockaddr_fmt((const struct sockaddr *)&b->local, a, sizeof a);
  GOST_INFO(b->ctx, "%s: bind on %s/%s OK", svc_name(b), a, b->udp ? "udp" : "tcp");
  return GOST_OK;
}
