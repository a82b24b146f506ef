/* Incoming node links: a peer node opened a link to our tunnel port. Each stream it opens
 * carries one relay CONNECT naming a tunnel; we serve it from the local pool only (never from
 * the sd: at most one forward), answering OK or ServiceUnavailable. */
#include <openssl/crypto.h>
#include <string.h>

#include "codec/uuid.h"
#include "core/error.h"
#include "core/log.h"
#include "io/msgread.h"
#include "tunnel/handshake.h"
#include "tunnel/nodelink.h"

struct accepted {
  struct gost_list link; /* cl->accepted */
  struct gost_tunnel_cluster *cl;
  struct gost_mux_session *sess;
};

struct fwd {
  gost_ctx_t *ctx;
  struct gost_tunnel_cluster *cl;
  struct gost_relay_msg msg;
};

static int parse_request(const uint8_t *buf, size_t len, void *out, size_t *consumed) {
  return gost__relay_decode_request(buf, len, out, consumed);
}

static void close_after_write(gost_stream *s, int status, void *user) { gost_stream_close(s); }

static void answer(gost_stream *s, int status) {
  uint8_t out[4] = {GOST__RELAY_VERSION, (uint8_t)status, 0, 0};
  if (gost_stream_write_buf(s, out, sizeof out, status ? close_after_write : NULL, NULL) != GOST_OK) gost_stream_close(s);
}

static void on_request(gost_stream *s, int status, void *user) {
  struct fwd *f = user;
  gost_ctx_t *ctx = f->ctx;
  if (status != GOST_OK) { /* link gone or garbage: nothing to answer */
    gost_stream_close(s);
    gost__free(ctx, f);
    return;
  }
  struct gost_tunnel_server *srv = f->cl->srv;
  const struct gost_relay_msg *m = &f->msg;
  char src[GOST__RELAY_ADDR_STR_MAX] = "", dst[GOST__RELAY_ADDR_STR_MAX] = "", tid[GOST__UUID_STR_LEN + 1];
  if (m->cmd != GOST__RELAY_CMD_CONNECT || !m->has_tunnel || m->naddr < 2 || gost__uuid_is_zero(m->tunnel.id) ||
      !memcmp(m->tunnel.id, gost__nodelink_id, 16)) {
    gost__free(ctx, f);
    return answer(s, GOST__RELAY_BAD_REQUEST);
  }
  if (m->addr[0].atyp != GOST__RELAY_ATYP_DOMAIN) gost__relay_addr_format(&m->addr[0], src, sizeof src);
  gost__relay_addr_format(&m->addr[1], dst, sizeof dst);
  gost__uuid_format(m->tunnel.id, tid);
  int udp = m->network == GOST__RELAY_NET_UDP;
  gost_stream *ts;
  int rc = gost__tunnel_open(srv, m->tunnel.id, udp, src, dst, &ts); /* local pool only */
  gost__free(ctx, f);
  if (rc != GOST_OK) {
    GOST_WARN(ctx, "node link: forwarded request for tunnel %s: %s", tid, gost_last_error());
    return answer(s, GOST__RELAY_SERVICE_UNAVAILABLE);
  }
  GOST_DEBUG(ctx, "node link: tunnel %s %s -> %s", tid, src, dst);
  answer(s, GOST__RELAY_OK);
  gost__tunnel_pipe(srv, s, ts);
}

static void on_stream(struct gost_mux_session *m, gost_stream *s, void *user) {
  struct accepted *a = user;
  gost_ctx_t *ctx = a->cl->srv->ctx;
  struct fwd *f = gost__calloc(ctx, 1, sizeof *f);
  if (!f) {
    gost_stream_close(s);
    return;
  }
  f->ctx = ctx;
  f->cl = a->cl;
  if (!gost__msg_read(ctx, s, 4096, GOST_NODELINK_TIMEOUT_MS, parse_request, &f->msg, on_request, f)) {
    gost__free(ctx, f);
    gost_stream_close(s);
  }
}

static void on_closed(struct gost_mux_session *m, int status, void *user) {
  struct accepted *a = user;
  GOST_INFO(a->cl->srv->ctx, "node link from %s closed (%s)", "peer", gost_strerror(status));
  gost_list_remove(&a->link);
  gost__free(a->cl->srv->ctx, a);
}

void gost__hs_nodelink(struct gost_hs *h) {
  struct gost_tunnel_server *srv = h->srv;
  struct gost_tunnel_cluster *cl = srv->cluster;
  const struct gost_relay_msg *m = &h->msg;
  if (!cl) return gost__hs_refuse(h, GOST__RELAY_BAD_REQUEST, "node link to a server without sd");
  const struct gost_auther *au = &srv->svc->auther; /* credentials on the service? */
  if (!cl->secret[0] && (srv->svc->nauths || (au->ops && au->ops != &gost__auther_memory_ops)))
    return gost__hs_refuse(h, GOST__RELAY_UNAUTHORIZED, "node link: set node.secret on a service with auth");
  if (cl->secret[0]) {
    size_t n = strlen(cl->secret);
    int ok = m->has_auth && !strcmp(m->user, "node") && m->pass_len == n && !CRYPTO_memcmp(m->pass, cl->secret, n);
    if (!ok) return gost__hs_refuse(h, GOST__RELAY_UNAUTHORIZED, "node link: wrong node.secret");
  }
  char peer[GOST__RELAY_ADDR_STR_MAX] = "";
  if (m->naddr >= 2) gost__relay_addr_format(&m->addr[1], peer, sizeof peer);
  size_t nrest = h->len - h->used;
  uint8_t *rest = nrest ? gost__malloc(srv->ctx, nrest) : NULL;
  if (nrest && !rest) return gost__hs_refuse(h, GOST__RELAY_INTERNAL_SERVER_ERROR, "out of memory");
  if (nrest) memcpy(rest, h->buf + h->used, nrest);
  struct accepted *a = gost__calloc(srv->ctx, 1, sizeof *a);
  gost_stream *s = gost__hs_take_stream(h);
  static const uint8_t ok[4] = {GOST__RELAY_VERSION, GOST__RELAY_OK, 0, 0};
  if (!a || gost_stream_write_buf(s, ok, sizeof ok, NULL, NULL) != GOST_OK) {
    gost__free(srv->ctx, a);
    gost__free(srv->ctx, rest);
    gost_stream_close(s);
    return;
  }
  a->cl = cl;
  struct gost_smux_config cfg;
  gost__mux_config_from_meta(&cfg, NULL, 0, 2); /* we accept: the peer opens the streams */
  static const struct gost_mux_callbacks cbs = {on_stream, on_closed};
  int rc = gost__mux_session_new(&a->sess, srv->ctx, s, &cfg, rest, nrest, &cbs, a);
  gost__free(srv->ctx, rest);
  if (rc != GOST_OK) {
    gost__free(srv->ctx, a);
    return;
  }
  gost_list_insert_tail(&cl->accepted, &a->link);
  GOST_INFO(srv->ctx, "node link from %s accepted", peer[0] ? peer : "a peer");
}

void gost__nodelinks_close_accepted(struct gost_tunnel_cluster *cl) {
  while (!gost_list_empty(&cl->accepted)) {
    struct accepted *a = gost_container_of(cl->accepted.next, struct accepted, link);
    gost_list_remove(&a->link);
    gost__mux_session_close(a->sess);
    gost__free(cl->srv->ctx, a);
  }
}
