/* Outgoing node links: connect to the peer's tunnel port, relay CONNECT with the node-link ID
 * (and node.secret), then smux (we open streams). Requests arriving while the link comes up
 * wait on it (bounded); a failed or closed link is dropped and reopened by the next request. */
#include <stdio.h>
#include <string.h>

#include "codec/relay.h"
#include "core/error.h"
#include "core/log.h"
#include "io/msgread.h"
#include "io/sock.h"
#include "tunnel/nodelink.h"

const uint8_t gost__nodelink_id[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

enum { LINK_CONNECTING, LINK_HANDSHAKE, LINK_UP };

struct link {
  struct gost_list link; /* cl->links */
  struct gost_tunnel_cluster *cl;
  gost_ctx_t *ctx;
  int wrapping; /* node.tls handshake in flight (it cannot be cancelled) */
  int dead;     /* freed while wrapping: the wrap callback finishes the job */
  char addr[GOST_SD_ADDR_MAX];
  int state;
  struct gost_connect *conn;
  gost_stream *s; /* while the handshake answer is read */
  struct gost_msg_read *rd;
  struct gost_relay_msg resp;
  struct gost_mux_session *sess;
  struct gost_list waiters;
};

struct gost_nodelink_req {
  struct gost_list link; /* l->waiters while waiting, else detached (self-linked) */
  struct gost_tunnel_cluster *cl;
  struct gost_tunnel_target t;
  gost_stream *s;
  struct gost_msg_read *rd;
  struct gost_relay_msg resp;
  ev_timer later; /* fast failures are delivered from the loop */
  int later_status;
  gost_nodelink_cb cb;
  void *user;
};

static int parse_response(const uint8_t *buf, size_t len, void *out, size_t *consumed) {
  return gost__relay_decode_response(buf, len, out, consumed);
}

static void req_free(struct gost_nodelink_req *q) {
  gost_list_remove(&q->link);
  ev_timer_stop(q->cl->srv->ctx->loop, &q->later);
  if (q->rd) gost__msg_read_cancel(q->rd);
  if (q->s) gost_stream_close(q->s);
  gost__free(q->cl->srv->ctx, q);
}

static void req_finish(struct gost_nodelink_req *q, int status, gost_stream *s) {
  gost_nodelink_cb cb = q->cb;
  void *user = q->user;
  q->rd = NULL;
  req_free(q); /* closes q->s unless the caller took it */
  cb(status, s, user);
}

static void on_later(struct ev_loop *loop, ev_timer *w, int revents) {
  struct gost_nodelink_req *q = w->data;
  req_finish(q, q->later_status, NULL);
}

static void fail_later(struct gost_nodelink_req *q, int status) {
  gost_list_remove(&q->link);
  gost_list_init(&q->link);
  q->later_status = status;
  ev_timer_start(q->cl->srv->ctx->loop, &q->later);
}

static void link_free(struct link *l, int status) {
  gost_ctx_t *ctx = l->ctx;
  gost_list_remove(&l->link);
  gost_list_init(&l->link);
  if (l->conn) gost__connect_cancel(l->conn);
  if (l->rd) gost__msg_read_cancel(l->rd);
  if (l->s) gost_stream_close(l->s);
  while (!gost_list_empty(&l->waiters))
    fail_later(gost_container_of(l->waiters.next, struct gost_nodelink_req, link), status);
  if (l->sess) gost__mux_session_close(l->sess);
  if (l->wrapping) {
    l->dead = 1;
    return;
  }
  gost__free(ctx, l);
}

static void on_answer(gost_stream *s, int status, void *user) {
  struct gost_nodelink_req *q = user;
  q->rd = NULL;
  q->s = s;
  if (status != GOST_OK)
    return req_finish(q, gost__error(GOST_EUNREACH, "node link: no answer (%s)", gost_strerror(status)), NULL);
  if (q->resp.status != GOST__RELAY_OK)
    return req_finish(q, gost__error(GOST_ENOTFOUND, "node link: peer answered %s",
                                     gost__relay_status_name(q->resp.status)), NULL);
  q->s = NULL;
  req_finish(q, GOST_OK, s);
}

/* One forwarded request on an up link: stream, relay CONNECT (tunnel, network, src, dst). */
static void req_send(struct link *l, struct gost_nodelink_req *q) {
  gost_ctx_t *ctx = l->cl->srv->ctx;
  gost_list_remove(&q->link);
  gost_list_init(&q->link);
  struct gost_relay_msg m;
  gost__relay_msg_init(&m);
  m.cmd = GOST__RELAY_CMD_CONNECT;
  m.network = q->t.udp ? GOST__RELAY_NET_UDP : GOST__RELAY_NET_TCP;
  if (gost__relay_msg_add_addr(&m, q->t.src) != GOST_OK) {
    gost__relay_msg_init(&m);
    m.cmd = GOST__RELAY_CMD_CONNECT;
    m.network = q->t.udp ? GOST__RELAY_NET_UDP : GOST__RELAY_NET_TCP;
    gost__relay_msg_add_addr(&m, "");
  }
  uint8_t buf[GOST__RELAY_MSG_MAX];
  int n;
  if (gost__relay_msg_add_addr(&m, q->t.dst) != GOST_OK) return fail_later(q, gost__error(GOST_EINVAL, "node link: bad destination"));
  m.has_tunnel = 1;
  memcpy(m.tunnel.id, q->t.tid, 16);
  if ((n = gost__relay_encode_request(&m, 0, buf, sizeof buf)) < 0) return fail_later(q, n);
  int rc = gost__mux_open_stream(l->sess, &q->s);
  if (rc == GOST_OK) rc = gost_stream_write_buf(q->s, buf, (size_t)n, NULL, NULL);
  if (rc == GOST_OK) {
    q->rd = gost__msg_read(ctx, q->s, 4 + 65535, GOST_NODELINK_TIMEOUT_MS, parse_response, &q->resp, on_answer, q);
    if (!q->rd) rc = GOST_ENOMEM;
  }
  if (rc != GOST_OK) fail_later(q, gost__error(GOST_EUNREACH, "node link to %s: %s", l->addr, gost_strerror(rc)));
}

static void on_link_closed(struct gost_mux_session *m, int status, void *user) {
  struct link *l = user;
  GOST_INFO(l->cl->srv->ctx, "node link to %s closed (%s)", l->addr, gost_strerror(status));
  l->sess = NULL; /* the session frees itself with its last stream */
  link_free(l, GOST_EUNREACH);
}

static void on_link_answer(gost_stream *s, int status, void *user) {
  struct link *l = user;
  struct gost_tunnel_cluster *cl = l->cl;
  l->rd = NULL;
  l->s = NULL;
  if (status != GOST_OK || l->resp.status != GOST__RELAY_OK) {
    GOST_WARN(cl->srv->ctx, "node link to %s refused: %s", l->addr,
              status != GOST_OK ? gost_strerror(status) : gost__relay_status_name(l->resp.status));
    gost_stream_close(s);
    return link_free(l, GOST_EUNREACH);
  }
  struct gost_smux_config cfg = cl->srv->mux;
  cfg.version = 2;
  static const struct gost_mux_callbacks cbs = {NULL, on_link_closed};
  if (gost__mux_session_new(&l->sess, cl->srv->ctx, s, &cfg, NULL, 0, &cbs, l) != GOST_OK) {
    l->sess = NULL;
    return link_free(l, GOST_EUNREACH);
  }
  l->state = LINK_UP;
  GOST_INFO(cl->srv->ctx, "node link to %s up", l->addr);
  while (!gost_list_empty(&l->waiters)) req_send(l, gost_container_of(l->waiters.next, struct gost_nodelink_req, link));
}

/* The link's transport is up (TCP, or TLS when node.tls): ask for a node link. */
static void link_handshake(gost_ctx_t *ctx, gost_stream *s, struct link *l) {
  struct gost_relay_msg m;
  gost__relay_msg_init(&m);
  m.cmd = GOST__RELAY_CMD_CONNECT;
  m.has_tunnel = 1;
  memcpy(m.tunnel.id, gost__nodelink_id, 16);
  if (l->cl->secret[0]) gost__relay_msg_set_auth(&m, "node", l->cl->secret);
  gost__relay_msg_add_addr(&m, "");
  gost__relay_msg_add_addr(&m, l->cl->node_addr); /* who is calling, for the peer's logs */
  uint8_t buf[GOST__RELAY_MSG_MAX];
  int n = gost__relay_encode_request(&m, 0, buf, sizeof buf);
  if (n < 0 || gost_stream_write_buf(s, buf, (size_t)n, NULL, NULL) != GOST_OK) {
    gost_stream_close(s);
    return link_free(l, GOST_EUNREACH);
  }
  l->state = LINK_HANDSHAKE;
  l->s = s;
  l->rd = gost__msg_read(ctx, s, 4 + 65535, GOST_NODELINK_TIMEOUT_MS, parse_response, &l->resp, on_link_answer, l);
  if (!l->rd) link_free(l, GOST_ENOMEM);
}

static void on_link_tls(gost_ctx_t *ctx, gost_stream *s, int status, void *user) {
  struct link *l = user;
  l->wrapping = 0;
  if (l->dead) { /* freed meanwhile (cluster stopped or gave up) */
    if (s) gost_stream_close(s);
    gost__free(ctx, l);
    return;
  }
  if (status != GOST_OK) {
    GOST_WARN(ctx, "node link to %s: TLS: %s", l->addr, gost_strerror(status));
    return link_free(l, GOST_EUNREACH);
  }
  link_handshake(ctx, s, l);
}

static void on_link_connected(gost_ctx_t *ctx, gost_stream *s, int status, void *user) {
  struct link *l = user;
  l->conn = NULL;
  if (status != GOST_OK) {
    GOST_WARN(ctx, "node link to %s: %s", l->addr, gost_strerror(status));
    return link_free(l, GOST_EUNREACH);
  }
  if (!l->cl->tls_meta) return link_handshake(ctx, s, l);
  const struct gost_dialer_ops *d = gost__dialer_find("tls");
  struct gost_node node = {.name = (char *)"node-link", .addr = l->addr, .dialer = (char *)"tls",
                           .dialer_meta = l->cl->tls_meta};
  l->wrapping = 1;
  int rc = d ? d->wrap(&node, ctx, s, on_link_tls, l) : GOST_EUNSUPPORTED;
  if (rc != GOST_OK) {
    l->wrapping = 0;
    gost_stream_close(s);
    GOST_WARN(ctx, "node link to %s: TLS: %s", l->addr, gost_strerror(rc));
    link_free(l, GOST_EUNREACH);
  }
}

static struct link *link_get(struct gost_tunnel_cluster *cl, const char *addr) {
  struct gost_list *pos;
  gost_list_foreach(pos, &cl->links) {
    struct link *l = gost_container_of(pos, struct link, link);
    if (!strcmp(l->addr, addr) && (!l->sess || !gost__mux_session_is_closed(l->sess))) return l;
  }
  struct link *l = gost__calloc(cl->srv->ctx, 1, sizeof *l);
  if (!l) return NULL;
  l->cl = cl;
  l->ctx = cl->srv->ctx;
  snprintf(l->addr, sizeof l->addr, "%s", addr);
  gost_list_init(&l->waiters);
  gost_list_insert_tail(&cl->links, &l->link);
  l->state = LINK_CONNECTING;
  l->conn = gost__tcp_connect(cl->srv->ctx, addr, on_link_connected, l);
  if (!l->conn) {
    gost_list_remove(&l->link);
    gost__free(cl->srv->ctx, l);
    return NULL;
  }
  return l;
}

static size_t waiting(const struct link *l) {
  size_t n = 0;
  const struct gost_list *pos;
  gost_list_foreach(pos, &l->waiters) n++;
  return n;
}

struct gost_nodelink_req *gost__nodelink_open(struct gost_tunnel_cluster *cl, const char *addr,
                                              const struct gost_tunnel_target *t, gost_nodelink_cb cb,
                                              void *user) {
  gost_ctx_t *ctx = cl->srv->ctx;
  struct gost_nodelink_req *q = gost__calloc(ctx, 1, sizeof *q);
  if (!q) {
    gost__error(GOST_ENOMEM, "node link request");
    return NULL;
  }
  q->cl = cl;
  q->t = *t;
  q->cb = cb;
  q->user = user;
  gost_list_init(&q->link);
  ev_timer_init(&q->later, on_later, 0., 0.);
  q->later.data = q;
  struct link *l = link_get(cl, addr);
  if (!l) {
    fail_later(q, gost__error(GOST_EUNREACH, "node link to %s: %s", addr, gost_last_error()));
  } else if (l->state == LINK_UP) {
    req_send(l, q);
  } else if (waiting(l) >= GOST_NODELINK_WAITERS_MAX) {
    fail_later(q, gost__error(GOST_EAGAIN, "node link to %s: too many waiting requests", addr));
  } else {
    gost_list_insert_tail(&l->waiters, &q->link);
  }
  return q;
}

void gost__nodelink_cancel(struct gost_nodelink_req *q) {
  if (q) req_free(q);
}

void gost__nodelinks_close(struct gost_tunnel_cluster *cl) {
  while (!gost_list_empty(&cl->links))
    link_free(gost_container_of(cl->links.next, struct link, link), GOST_ECLOSED);
}
