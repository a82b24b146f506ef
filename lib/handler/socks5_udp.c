/* SOCKS5 UDP on the socks5 handler (udp=true, as stock): UDP ASSOCIATE (RFC 1928 §7: a UDP
 * socket for the client, datagrams with the SOCKS5 UDP header) and GOST's UDP-over-TCP
 * (0xF3 with port 0: the same datagrams in framing (B) on the control connection). Either
 * way each target is reached through the service chain (handler/udprelay.c), and the
 * association lives as long as the control connection. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/error.h"
#include "core/log.h"
#include "core/meta.h"
#include "handler/proxy.h"
#include "handler/udprelay.h"
#include "io/udptun.h"
#include "io/bindaddr.h"

#define UDP_BUF 65535
#define CTRL_QUEUE_MAX (1024 * 1024)

struct assoc {
  struct gost_proxy_conn *pc;
  gost_ctx_t *ctx;
  gost_stream *ctrl;
  int tun;                       /* UDP-over-TCP: datagrams on ctrl */
  struct gost_udptun_rx rx;      /* tun: frames from the client */
  int fd;                        /* associate: the client's UDP socket */
  ev_io io;
  struct sockaddr_storage client; /* associate: where answers go (first sender from the client's IP) */
  int have_client;
  uint8_t *buf;
  struct gost_udprelay *relay;
};

static void assoc_free(void *p) {
  struct assoc *a = p;
  if (a->fd >= 0) {
    ev_io_stop(a->ctx->loop, &a->io);
    close(a->fd);
  }
  gost__udprelay_free(a->relay);
  gost_stream_close(a->ctrl);
  gost__udptun_rx_free(&a->rx);
  gost__free(a->ctx, a->buf);
  gost__free(a->ctx, a);
}

/* ---- answers from targets ---- */

static void answer(void *user, const struct gost_relay_addr *from, const uint8_t *p, size_t n) {
  struct assoc *a = user;
  struct iovec v = {(void *)p, n};
  if (a->tun) {
    if (gost_stream_queued(a->ctrl) <= CTRL_QUEUE_MAX) gost__udptun_send(a->ctrl, from, &v, 1, NULL, NULL);
    return;
  }
  if (!a->have_client || n > UDP_BUF - 262) return;
  /* RSV(2) FRAG(1) then the address, then the payload */
  uint8_t hdr[3 + 262] = {0, 0, 0};
  int k = gost__relay_addr_encode(from, hdr + 3, sizeof hdr - 3);
  if (k < 0) return;
  struct iovec iov[2] = {{hdr, 3 + (size_t)k}, {(void *)p, n}};
  struct msghdr m;
  memset(&m, 0, sizeof m);
  m.msg_name = &a->client;
  m.msg_namelen = gost__sockaddr_len((struct sockaddr *)&a->client);
  m.msg_iov = iov;
  m.msg_iovlen = 2;
  ssize_t r;
  do r = sendmsg(a->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
  while (r < 0 && errno == EINTR);
}

/* ---- datagrams from the client ---- */

static int from_client(void *user, const struct gost_relay_addr *to, const uint8_t *p, size_t n) {
  gost__udprelay_send(((struct assoc *)user)->relay, to, p, n);
  return 0;
}

static int same_ip(const struct sockaddr *x, const struct sockaddr *y) {
  struct gost_relay_addr a, b;
  return gost__udptun_addr_from_sa(x, &a) == GOST_OK && gost__udptun_addr_from_sa(y, &b) == GOST_OK &&
         !strcmp(a.host, b.host);
}

static void on_udp(struct ev_loop *loop, ev_io *w, int revents) {
  (void)loop, (void)revents;
  struct assoc *a = w->data;
  for (int i = 0; i < 64; i++) {
    struct sockaddr_storage from;
    socklen_t fl = sizeof from;
    ssize_t k = recvfrom(a->fd, a->buf, UDP_BUF, 0, (struct sockaddr *)&from, &fl);
    if (k < 0) return;
    /* RFC 1928: only the client that asked may use the association */
    if (!same_ip((const struct sockaddr *)&from, &a->ctrl->peer.sa)) continue;
    if (!a->have_client) {
      a->client = from;
      a->have_client = 1;
    }
    struct gost_socks5_udp u;
    if (gost__socks5_decode_udp(a->buf, (size_t)k, &u) != GOST_OK || u.frag != 0) continue;
    struct gost_relay_addr to;
    memset(&to, 0, sizeof to);
    to.atyp = u.addr.atyp;
    to.port = u.addr.port;
    if (u.addr.atyp == GOST__SOCKS5_ATYP_DOMAIN) {
      memcpy(to.host, u.addr.host, u.addr.host_len);
      to.host_len = u.addr.host_len;
    } else {
      struct sockaddr_storage ss;
      socklen_t sl;
      if (gost__socks5_addr_to_sockaddr(&u.addr, &ss, &sl) != GOST_OK ||
          gost__udptun_addr_from_sa((struct sockaddr *)&ss, &to) != GOST_OK)
        continue;
    }
    gost__udprelay_send(a->relay, &to, u.data, u.data_len);
  }
}

static void on_ctrl(gost_stream *s, ssize_t n, const char *data, void *user) {
  (void)s;
  struct assoc *a = user;
  if (n < 0) {
    GOST_DEBUG(a->ctx, "socks5: udp association ended: %s", gost_strerror((int)n));
    gost__proxy_conn_end(a->pc);
    return;
  }
  if (a->tun && gost__udptun_rx_feed(&a->rx, (const uint8_t *)data, (size_t)n, from_client, a) != GOST_OK) {
    GOST_WARN(a->ctx, "socks5: bad UDP-over-TCP frame; closing");
    gost__proxy_conn_end(a->pc);
  }
  /* associate: the control connection only keeps the association alive */
}

static struct assoc *assoc_new(struct gost_proxy_conn *pc, int tun) {
  gost_service_t *svc = pc->svc;
  if (!gost__str_bool(gost__service_meta(svc, "udp", NULL), 0)) {
    GOST_WARN(svc->ctx, "socks5: UDP relay is disabled (set udp=true)");
    gost__socks5_reply(pc, GOST__SOCKS5_REP_NOT_ALLOWED, NULL, 1);
    return NULL;
  }
  struct assoc *a = gost__calloc(svc->ctx, 1, sizeof *a);
  int64_t ttl = gost__meta_duration_ms(svc->handler_meta, "udp.ttl", 0);
  if (a) {
    a->pc = pc;
    a->ctx = svc->ctx;
    a->tun = tun;
    a->fd = -1;
    gost__udptun_rx_init(&a->rx, svc->ctx);
    a->relay = gost__udprelay_new(svc, ttl > 0 ? (uint64_t)ttl : 0, answer, a);
  }
  if (!a || !a->relay) {
    if (a) assoc_free(a);
    gost__socks5_reply(pc, GOST__SOCKS5_REP_FAILURE, NULL, 1);
    return NULL;
  }
  return a;
}

/* The association takes the client stream over. */
static void adopt(struct gost_proxy_conn *pc, struct assoc *a) {
  a->ctrl = pc->client;
  pc->client = NULL;
  pc->session = a;
  pc->session_free = assoc_free;
  gost_stream_set_read_cb(a->ctrl, on_ctrl, a);
  gost_stream_read_start(a->ctrl);
}

void gost__socks5_udp_tun(struct gost_proxy_conn *pc) {
  struct assoc *a = assoc_new(pc, 1);
  if (!a) return;
  gost__socks5_reply(pc, GOST__SOCKS5_REP_SUCCEEDED, NULL, 0); /* 0.0.0.0:0 */
  adopt(pc, a);
}

void gost__socks5_udp_associate(struct gost_proxy_conn *pc) {
  struct assoc *a = assoc_new(pc, 0);
  if (!a) return;
  /* on the address the client reached us at, so answers carry the IP it expects */
  char host[GOST_ADDR_STR_MAX], bindtxt[GOST_ADDR_STR_MAX + 8];
  struct sockaddr_storage local;
  gost__sa_fmt(&pc->client->local, host, sizeof host);
  char *colon = strrchr(host, ':');
  if (colon) *colon = '\0';
  snprintf(bindtxt, sizeof bindtxt, "%s:0", host);
  if (!(a->buf = gost__malloc(a->ctx, UDP_BUF)) || (a->fd = gost__listen_fd(bindtxt, SOCK_DGRAM, &local)) < 0) {
    GOST_WARN(a->ctx, "socks5: udp associate: %s", gost_last_error());
    a->fd = -1;
    assoc_free(a);
    gost__socks5_reply(pc, GOST__SOCKS5_REP_FAILURE, NULL, 1);
    return;
  }
  ev_io_init(&a->io, on_udp, a->fd, EV_READ);
  a->io.data = a;
  ev_io_start(a->ctx->loop, &a->io);
  gost__socks5_reply(pc, GOST__SOCKS5_REP_SUCCEEDED, (const struct sockaddr *)&local, 0);
  adopt(pc, a);
}
