/* Relay commands of the tunnel server: BIND (§4.2), CONNECT from visitors (§4.5) and from the
 * entrypoint (§5.5), and the plain relay CONNECT of handler "relay". */
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "chain/dial.h"
#include "codec/uuid.h"
#include "core/error.h"
#include "core/log.h"
#include "io/dgramframe.h"
#include "io/pipe.h"
#include "io/prefixed.h"
#include "tunnel/forward.h"
#include "tunnel/handshake.h"
#include "tunnel/public.h"

static void udp_pipe_done(struct gost_pipe *p, int status, uint64_t a_to_b, uint64_t b_to_a, void *user) {
  (void)p, (void)status, (void)a_to_b, (void)b_to_a, (void)user;
}

static int is_udp(const struct gost_relay_msg *m) {
  return m->network == GOST__RELAY_NET_UDP || (m->flags & GOST__RELAY_FLAG_UDP);
}

/* Positional addresses (§4.3): 1st = src, 2nd = dst. The legacy relay tunnel and the plain
 * relay take the last Addr as the target. */
static const struct gost_relay_addr *dst_addr(const struct gost_hs *h) {
  const struct gost_relay_msg *m = &h->msg;
  if (h->srv->legacy) return m->naddr ? &m->addr[m->naddr - 1] : NULL;
  return m->naddr >= 2 ? &m->addr[1] : NULL;
}

gost_stream *gost__hs_take_stream(struct gost_hs *h) {
  gost_stream *s = h->s;
  h->s = NULL;
  gost_stream_set_read_cb(s, NULL, NULL);
  gost__hs_free(h, 0);
  return s;
}

static void bind_finish(struct gost_hs *h, int custom_name);

/* The custom name's owner in the ingress: the name stays unless another tunnel owns it. */
static void bind_routed(struct gost_ingress_query *q, int status) {
  struct gost_hs *h = q->user;
  bind_finish(h, status != GOST_OK || !memcmp(q->tunnel_id, h->msg.tunnel.id, 16));
}

void gost__hs_bind(struct gost_hs *h) {
  struct gost_tunnel_server *srv = h->srv;
  uint8_t rnd[16];
  char tid[GOST__UUID_STR_LEN + 1], ep[17];
  if (RAND_bytes(rnd, sizeof rnd) != 1)
    return gost__hs_refuse(h, GOST__RELAY_INTERNAL_SERVER_ERROR, "no randomness for the connector ID");
  gost__uuid_v4_from_random(rnd, h->cid);
  gost__uuid_format(h->msg.tunnel.id, tid);
  if (gost_tunnel_endpoint_name(tid, ep, sizeof ep) != GOST_OK)
    return gost__hs_refuse(h, GOST__RELAY_INTERNAL_SERVER_ERROR, "endpoint name");
  /* Reported host (§4.2 step 3): the endpoint unless a custom name is asked for that no other
   * tunnel owns in the ingress. */
  const struct gost_relay_addr *b = dst_addr(h);
  const char *host = b && b->atyp == GOST__RELAY_ATYP_DOMAIN ? b->host : "";
  if (!*host || (!gost__tunnel_has_rules(srv) && !srv->legacy)) return bind_finish(h, 0);
  if (!strcmp(host, ep)) return bind_finish(h, 1);
  gost__tunnel_route(srv, NULL, host, &h->route, bind_routed, h);
}

/* custom_name: report the requested domain, else the endpoint name. */
static void bind_finish(struct gost_hs *h, int custom_name) {
  struct gost_tunnel_server *srv = h->srv;
  const struct gost_relay_msg *m = &h->msg;
  uint8_t cid[16];
  memcpy(cid, h->cid, sizeof cid); /* h is freed when its stream is taken below */
  char tid[GOST__UUID_STR_LEN + 1], cids[GOST__UUID_STR_LEN + 1], ep[17];
  gost__uuid_format(m->tunnel.id, tid);
  gost__uuid_format(cid, cids);
  gost_tunnel_endpoint_name(tid, ep, sizeof ep); /* checked in gost__hs_bind */
  const struct gost_relay_addr *b = dst_addr(h);
  const char *host = custom_name ? b->host : ep;
  uint16_t port = b ? b->port : 0;
  char pubhost[GOST__RELAY_HOST_MAX + 1];
  if (srv->pub) { /* public service: <custom or endpoint>.<domain>, no ingress rule needed */
    const char *want = b && b->atyp == GOST__RELAY_ATYP_DOMAIN && !strchr(b->host, '.') ? b->host : "";
    if (gost__public_bind(srv->pub, m->tunnel.id, want, ep, &h->s->peer, pubhost, sizeof pubhost) != GOST_OK)
      return gost__hs_refuse(h, GOST__RELAY_FORBIDDEN, gost_last_error());
    host = pubhost;
  }
  char hostport[GOST__RELAY_HOST_MAX + 8], host_copy[GOST__RELAY_HOST_MAX + 1];
  if (srv->legacy) gost__entrypoint_bind_addr(srv, hostport, sizeof hostport);
  else snprintf(hostport, sizeof hostport, "%s:%u", host, port);
  snprintf(host_copy, sizeof host_copy, "%s", host);
  host = host_copy; /* it pointed into h->msg, which gost__hs_take_stream() frees */

  int udp = is_udp(m);
  struct gost_relay_msg r;
  gost__relay_msg_init(&r);
  r.status = GOST__RELAY_OK;
  if (gost__relay_msg_add_addr(&r, hostport) != GOST_OK) gost__relay_msg_add_addr(&r, ep);
  r.has_tunnel = 1;
  memcpy(r.tunnel.id, cid, 16);
  r.tunnel.flags = udp ? GOST__RELAY_TUNNEL_UDP : 0;
  r.tunnel.weight = m->tunnel.weight;
  uint8_t out[GOST__RELAY_MSG_MAX];
  int n = gost__relay_encode_response(&r, srv->legacy ? GOST__RELAY_ENC_TUNNEL16 : 0, out, sizeof out);
  if (n < 0) return gost__hs_refuse(h, GOST__RELAY_INTERNAL_SERVER_ERROR, "encode");

  /* Bytes after the request in our buffer are the client's first smux frames. */
  size_t nrest = h->len - h->used;
  uint8_t *rest = nrest ? gost__malloc(srv->ctx, nrest) : NULL;
  if (nrest && !rest) return gost__hs_refuse(h, GOST__RELAY_INTERNAL_SERVER_ERROR, "out of memory");
  if (nrest) memcpy(rest, h->buf + h->used, nrest);
  uint8_t weight = m->tunnel.weight;
  uint8_t tunnel_id[16];
  memcpy(tunnel_id, m->tunnel.id, 16);
  gost_stream *s = gost__hs_take_stream(h);
  int rc = gost_stream_write_buf(s, out, (size_t)n, NULL, NULL); /* one piece, then smux */
  if (rc != GOST_OK) {
    gost__free(srv->ctx, rest);
    gost_stream_close(s);
    return;
  }
  rc = gost__tunnel_registry_bind(srv->reg, tunnel_id, cid, udp, weight, s, &srv->mux, rest, nrest, NULL);
  gost__free(srv->ctx, rest);
  if (rc != GOST_OK) {
    GOST_WARN(srv->ctx, "tunnel %s: bind failed: %s", tid, gost_last_error());
    return;
  }
  GOST_INFO(srv->ctx, "create tunnel on %s: tunnel=%s, connector=%s, weight=%u, endpoint=%s, network=%s",
            host, tid, cids, (unsigned)weight, ep, udp ? "udp" : "tcp");
}

/* Which tunnel a visitor may reach (§4.5 steps 2-4); for the entrypoint (§5.5) our safer
 * default: the target host must map through the ingress to the same, non-private tunnel
 * unless entrypoint.relay.unsafe=true restores stock behaviour (any tunnel by its ID). */
static int visitor_route(struct gost_hs *h, const struct gost_ingress_query *q, int status,
                         uint8_t tid[16]) {
  struct gost_tunnel_server *srv = h->srv;
  const uint8_t *req = h->msg.tunnel.id;
  uint8_t rid[16];
  int found = status == GOST_OK, priv = found && q->is_private;
  if (found) memcpy(rid, q->tunnel_id, 16);
  if (h->from_ep) {
    if (srv->relay_unsafe) {
      memcpy(tid, req, 16);
      return GOST__RELAY_OK;
    }
    if (!found) return GOST__RELAY_NETWORK_UNREACHABLE;
    if (priv || memcmp(rid, req, 16)) return GOST__RELAY_HOST_UNREACHABLE;
    memcpy(tid, rid, 16);
    return GOST__RELAY_OK;
  }
  if (srv->has_entry_id && !memcmp(req, srv->entry_id, 16)) { /* public entrypoint visitor */
    if (!found) return GOST__RELAY_NETWORK_UNREACHABLE;
    if (priv) return GOST__RELAY_HOST_UNREACHABLE;
    memcpy(tid, rid, 16);
    return GOST__RELAY_OK;
  }
  if (srv->direct) memcpy(rid, req, 16), found = 1;
  if (!found || memcmp(rid, req, 16)) return GOST__RELAY_HOST_UNREACHABLE;
  memcpy(tid, rid, 16);
  return GOST__RELAY_OK;
}

/* Answers OK, then pipes with whatever the visitor sent after its request. */
static void finish_ok(struct gost_hs *h, gost_stream *target) {
  struct gost_tunnel_server *srv = h->srv;
  static const uint8_t ok[4] = {GOST__RELAY_VERSION, GOST__RELAY_OK, 0, 0};
  size_t nrest = h->len - h->used;
  int rc = nrest ? gost_stream_write_buf(target, h->buf + h->used, nrest, NULL, NULL) : GOST_OK;
  gost_stream *s = gost__hs_take_stream(h);
  if (rc == GOST_OK) rc = gost_stream_write_buf(s, ok, sizeof ok, NULL, NULL);
  if (rc != GOST_OK) {
    gost_stream_close(s);
    gost_stream_close(target);
    return;
  }
  gost__tunnel_pipe(srv, s, target);
}

static void visitor_opened(int status, gost_stream *ts, void *user);
static void connect_routed(struct gost_ingress_query *q, int status);

void gost__hs_connect(struct gost_hs *h) {
  const struct gost_relay_addr *d = dst_addr(h);
  gost__tunnel_route(h->srv, h->ing, d ? d->host : "", &h->route, connect_routed, h);
}

static void connect_routed(struct gost_ingress_query *q, int status) {
  struct gost_hs *h = q->user;
  struct gost_tunnel_server *srv = h->srv;
  const struct gost_relay_msg *m = &h->msg;
  const struct gost_relay_addr *d = dst_addr(h);
  char dst[GOST__RELAY_ADDR_STR_MAX] = "", src[GOST__RELAY_ADDR_STR_MAX] = "";
  if (d && gost__relay_addr_format(d, dst, sizeof dst) < 0) dst[0] = '\0';
  /* src must be an IP literal for the stock client (§4.6); else the visitor's peer address */
  if (!srv->legacy && m->naddr >= 2 && m->addr[0].atyp != GOST__RELAY_ATYP_DOMAIN)
    gost__relay_addr_format(&m->addr[0], src, sizeof src);
  else
    gost__tunnel_addr_str(&h->s->peer, src, sizeof src);
  uint8_t tid[16];
  int st = visitor_route(h, q, status, tid);
  if (st != GOST__RELAY_OK) return gost__hs_refuse(h, st, dst[0] ? dst : "no destination");
  gost_stream *ts;
  int rc = gost__tunnel_open_any(srv, tid, is_udp(m), src, dst, &ts, &h->opening, visitor_opened, h);
  if (rc == GOST_EAGAIN) return; /* another node has the client; h's deadline still runs */
  if (rc != GOST_OK) return gost__hs_refuse(h, GOST__RELAY_SERVICE_UNAVAILABLE, gost_last_error());
  char tids[GOST__UUID_STR_LEN + 1];
  gost__uuid_format(tid, tids);
  GOST_DEBUG(srv->ctx, "tunnel %s: visitor %s -> %s", tids, src, dst);
  finish_ok(h, ts);
}

static void visitor_opened(int status, gost_stream *ts, void *user) {
  struct gost_hs *h = user;
  h->opening = NULL;
  if (status != GOST_OK) return gost__hs_refuse(h, GOST__RELAY_SERVICE_UNAVAILABLE, gost_last_error());
  finish_ok(h, ts);
}

/* ---- plain relay proxy ---- */

/* UDP (CONNECT|FUDP): datagrams in framing (A) both ways; the client's first datagrams may
 * have come with its request (stock writes them together). */
static void finish_udp(struct gost_hs *h, gost_stream *target) {
  static const uint8_t ok[4] = {GOST__RELAY_VERSION, GOST__RELAY_OK, 0, 0};
  gost_ctx_t *ctx = h->srv->ctx;
  size_t nrest = h->len - h->used;
  uint8_t *rest = nrest ? gost__malloc(ctx, nrest) : NULL;
  if (rest) memcpy(rest, h->buf + h->used, nrest);
  gost_stream *raw = gost__hs_take_stream(h), *s = NULL; /* frees h */
  if ((rest || !nrest) && gost_stream_write_buf(raw, ok, sizeof ok, NULL, NULL) == GOST_OK) {
    gost_stream *p = gost__prefixed_new(ctx, raw, rest, nrest);
    if (p) raw = p;
    if (p) s = gost__dgramframe_new(ctx, raw);
  }
  gost__free(ctx, rest);
  if (!s) {
    gost_stream_close(raw);
    gost_stream_close(target);
    return;
  }
  struct gost_pipe_opts o = {0, 0, 0, 1};
  if (!gost__pipe_start(ctx, s, target, &o, udp_pipe_done, NULL)) {
    gost_stream_close(s);
    gost_stream_close(target);
  }
}

static void dialed(gost_ctx_t *ctx, gost_stream *target, int status, void *user) {
  struct gost_hs *h = user;
  h->dial = NULL;
  if (status != GOST_OK) return gost__hs_refuse(h, GOST__RELAY_HOST_UNREACHABLE, gost_strerror(status));
  if (is_udp(&h->msg)) return finish_udp(h, target);
  finish_ok(h, target);
}

void gost__hs_plain_connect(struct gost_hs *h) {
  const struct gost_relay_addr *d = dst_addr(h);
  char dst[GOST__RELAY_ADDR_STR_MAX];
  if (!d || !d->host_len || gost__relay_addr_format(d, dst, sizeof dst) < 0)
    return gost__hs_refuse(h, GOST__RELAY_BAD_REQUEST, "no target");
  if (gost__service_bypassed(h->srv->svc, dst)) return gost__hs_refuse(h, GOST__RELAY_FORBIDDEN, "bypass");
  int udp = is_udp(&h->msg);
  struct gost_conn_info info = {.host = NULL, .udp = udp};
  h->dial = gost__chain_dial(h->srv->ctx, h->srv->svc->chain, udp ? "udp" : "tcp", dst, &info, dialed, h);
  if (!h->dial) gost__hs_refuse(h, GOST__RELAY_HOST_UNREACHABLE, gost_last_error());
}
