/* Handlers "tunnel" (§4) and "relay" (plain relay proxy, plus the rc-era relay tunnel of §13):
 * options, reading one relay request with a bound and a deadline, first checks, dispatch. */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/dial.h"
#include "codec/uuid.h"
#include "core/error.h"
#include "core/log.h"
#include "core/meta.h"
#include "handler/handlers.h"
#include "handler/relay_bind.h"
#include "tunnel/entry.h"
#include "tunnel/cluster.h"
#include "tunnel/forward.h"
#include "tunnel/handshake.h"
#include "tunnel/nodelink.h"
#include "tunnel/public.h"
#include "tunnel/vmux.h"

/* ---- one request ---- */

static void hs_abort(struct gost_tunnel_pending *p) {
  gost__hs_free(gost_container_of(p, struct gost_hs, p), 1);
}

void gost__hs_free(struct gost_hs *h, int close_stream) {
  h->srv->nhs--;
  gost__free(h->srv->ctx, h->buf);
  gost_list_remove(&h->p.link);
  ev_timer_stop(h->srv->ctx->loop, &h->timer);
  if (h->dial) gost__dial_cancel(h->dial);
  gost__tunnel_opening_cancel(h->opening);
  gost__ingress_cancel(&h->route);
  gost__auth_cancel(&h->auth);
  if (h->s) {
    gost_stream_read_stop(h->s);
    gost_stream_set_read_cb(h->s, NULL, NULL);
    if (close_stream) gost_stream_close(h->s);
  }
  gost__free(h->srv->ctx, h);
}

static void close_after_write(gost_stream *s, int status, void *user) { gost_stream_close(s); }

void gost__hs_refuse(struct gost_hs *h, int status, const char *why) {
  char peer[64];
  gost__tunnel_addr_str(&h->s->peer, peer, sizeof peer);
  GOST_WARN(h->srv->ctx, "relay request from %s refused: %s (%s)", peer,
            gost__relay_status_name(status), why);
  h->srv->svc->errors++;
  h->srv->ctx->ctr.refused[status == GOST__RELAY_UNAUTHORIZED      ? GOST_REFUSE_AUTH
                           : status == GOST__RELAY_BAD_REQUEST     ? GOST_REFUSE_BAD_REQUEST
                           : status == GOST__RELAY_SERVICE_UNAVAILABLE ? GOST_REFUSE_NO_CONNECTOR
                           : status == GOST__RELAY_TIMEOUT         ? GOST_REFUSE_TIMEOUT
                                                                   : GOST_REFUSE_OTHER]++;
  uint8_t out[4] = {GOST__RELAY_VERSION, (uint8_t)status, 0, 0};
  gost_stream *s = h->s;
  h->s = NULL;
  gost_stream_read_stop(s);
  gost_stream_set_read_cb(s, NULL, NULL);
  gost__hs_free(h, 0);
  if (gost_stream_write_buf(s, out, sizeof out, close_after_write, NULL) != GOST_OK) gost_stream_close(s);
}

static void drop(struct gost_hs *h, const char *why) {
  char peer[64];
  gost__tunnel_addr_str(&h->s->peer, peer, sizeof peer);
  GOST_WARN(h->srv->ctx, "relay request from %s dropped: %s", peer, why);
  h->srv->svc->errors++;
  h->srv->ctx->ctr.refused[strstr(why, "timeout")  ? GOST_REFUSE_TIMEOUT
                           : strstr(why, "closed") ? GOST_REFUSE_OTHER
                                                   : GOST_REFUSE_BAD_REQUEST]++;
  gost__hs_free(h, 1);
}

/* Per-user tunnel ownership (docs/security.md): a user with a bind/visit list may only
 * register / visit the tunnels on it. Refused like a failed login, naming user and tunnel. */
static int owner_ok(struct gost_hs *h) {
  const struct gost_relay_msg *m = &h->msg;
  int visit = m->cmd == GOST__RELAY_CMD_CONNECT;
  if (m->cmd != GOST__RELAY_CMD_BIND && !visit) return 1;
  if (gost__service_tunnel_allowed(h->srv->svc, m->has_auth ? m->user : NULL, visit, m->tunnel.id))
    return 1;
  char id[GOST__UUID_STR_LEN + 1], why[400];
  gost__uuid_format(m->tunnel.id, id);
  snprintf(why, sizeof why, "user \"%s\" may not %s tunnel %s", m->has_auth ? m->user : "",
           visit ? "visit" : "bind", id);
  gost__hs_refuse(h, GOST__RELAY_UNAUTHORIZED, why);
  return 0;
}

static void authorised(struct gost_hs *h);

static void on_auth(struct gost_auth_query *q, int ok) {
  struct gost_hs *h = q->data;
  if (!ok) return gost__hs_refuse(h, GOST__RELAY_UNAUTHORIZED, "authentication failed");
  authorised(h);
}

static void dispatch(struct gost_hs *h) {
  struct gost_relay_msg *m = &h->msg;
  struct gost_tunnel_server *srv = h->srv;
  int tunnel = m->has_tunnel && !gost__uuid_is_zero(m->tunnel.id);
  if (!srv->legacy && !tunnel) return gost__hs_refuse(h, GOST__RELAY_BAD_REQUEST, "zero tunnel ID");
  if (h->in_mux && (!tunnel || m->cmd != GOST__RELAY_CMD_CONNECT || !memcmp(m->tunnel.id, gost__nodelink_id, 16) ||
                    !memcmp(m->tunnel.id, gost__relay_vmux_id, 16)))
    return gost__hs_refuse(h, GOST__RELAY_BAD_REQUEST, "a visitor session stream takes tunnel CONNECT only");
  /* credentials travel with lengths: a NUL inside ("user\0") must not end them early */
  if (!h->from_ep && m->has_auth && (memchr(m->user, 0, m->user_len) || memchr(m->pass, 0, m->pass_len)))
    return gost__hs_refuse(h, GOST__RELAY_UNAUTHORIZED, "credentials with a NUL byte");
  if (tunnel && !h->from_ep && m->cmd == GOST__RELAY_CMD_CONNECT && !memcmp(m->tunnel.id, gost__nodelink_id, 16))
    return gost__hs_nodelink(h); /* a peer node (cluster mode); checks node.secret itself */
  if (!h->from_ep)
    return gost__service_auth(srv->svc, &h->auth, m->has_auth ? m->user : NULL,
                              m->has_auth ? m->pass : NULL, on_auth, h);
  if (!tunnel || m->cmd != GOST__RELAY_CMD_CONNECT)
    return gost__hs_refuse(h, GOST__RELAY_BAD_REQUEST, "entrypoint takes tunnel CONNECT only");
  authorised(h);
}

/* The request passed its first checks and authentication: run the command. */
static void authorised(struct gost_hs *h) {
  struct gost_relay_msg *m = &h->msg;
  struct gost_tunnel_server *srv = h->srv;
  int tunnel = m->has_tunnel && !gost__uuid_is_zero(m->tunnel.id);
  if (!tunnel) { /* "relay" without a Tunnel feature: a plain relay proxy */
    if (m->cmd == GOST__RELAY_CMD_CONNECT) return gost__hs_plain_connect(h);
    if (m->cmd == GOST__RELAY_CMD_BIND) {
      if (!srv->bind) return gost__hs_refuse(h, GOST__RELAY_FORBIDDEN, "bind disabled (set bind=true)");
      return gost__relay_plain_bind(h);
    }
    return gost__hs_refuse(h, GOST__RELAY_BAD_REQUEST, "unknown command");
  }
  /* a visitor session is checked like a visitor: credentials above; each of its streams is
   * then checked again, ownership included */
  if (!h->from_ep && m->cmd == GOST__RELAY_CMD_CONNECT && !memcmp(m->tunnel.id, gost__relay_vmux_id, 16))
    return gost__hs_vmux(h);
  if (!h->from_ep && !owner_ok(h)) return;
  if (m->cmd == GOST__RELAY_CMD_BIND) return gost__hs_bind(h);
  if (m->cmd == GOST__RELAY_CMD_CONNECT) return gost__hs_connect(h);
  gost__hs_refuse(h, GOST__RELAY_BAD_REQUEST, "unknown command");
}

static void try_parse(struct gost_hs *h) {
  size_t used = 0;
  int rc = gost__relay_decode_request(h->buf, h->len, &h->msg, &used);
  if (rc == GOST_EAGAIN) {
    if (h->len >= GOST_HS_REQ_MAX) return drop(h, "request too large");
    gost_stream_read_start(h->s);
    return;
  }
  if (rc != GOST_OK) {
    if (h->len && h->buf[0] != GOST__RELAY_VERSION) /* readable header, wrong version */
      return gost__hs_refuse(h, GOST__RELAY_BAD_REQUEST, "bad version");
    return drop(h, gost_last_error());
  }
  h->used = used;
  gost_stream_read_stop(h->s);
  ev_timer_stop(h->srv->ctx->loop, &h->timer);
  dispatch(h);
}

static void hs_read(gost_stream *s, ssize_t n, const char *data, void *user) {
  struct gost_hs *h = user;
  if (n < 0) return drop(h, n == GOST_ECLOSED ? "connection closed before the request" : gost_strerror((int)n));
  size_t k = GOST_HS_MAX - h->len;
  size_t take = (size_t)n < k ? (size_t)n : k;
  uint8_t *nb = gost__realloc(h->srv->ctx, h->buf, h->len + take); /* grows by need */
  if (!nb) return drop(h, "out of memory");
  h->buf = nb;
  if ((size_t)n > k) { /* more than any request: what is left is the peer's early data */
    memcpy(h->buf + h->len, data, k);
    h->len += k;
    size_t used = 0;
    if (gost__relay_decode_request(h->buf, h->len, &h->msg, &used) == GOST_OK)
      return drop(h, "too much early data");
    return drop(h, "request too large");
  }
  memcpy(h->buf + h->len, data, (size_t)n);
  h->len += (size_t)n;
  try_parse(h);
}

static void hs_timeout(struct ev_loop *loop, ev_timer *w, int revents) {
  drop(w->data, "timeout reading the request");
}

/* Above handshake.max the connection is closed before anything is allocated for it. */
static int hs_admit(struct gost_tunnel_server *srv, gost_stream *s) {
  if (srv->nhs < srv->hs_max) return 1;
  GOST_BUDGET_HIT(srv->ctx, handshakes_refused);
  ev_tstamp now = ev_now(srv->ctx->loop);
  if (now - srv->hs_refuse_logged >= 1.0) {
    char peer[64];
    gost__tunnel_addr_str(&s->peer, peer, sizeof peer);
    GOST_WARN(srv->ctx, "relay request from %s refused: %zu handshakes in progress (handshake.max); "
              "%llu refused so far", peer, srv->nhs,
              (unsigned long long)srv->ctx->budget.handshakes_refused);
    srv->hs_refuse_logged = now;
  }
  gost_stream_close(s);
  return 0;
}

static void serve(struct gost_tunnel_server *srv, gost_stream *s, const void *data, size_t len,
                  int from_ep, int in_mux, const struct gost_ingress *ing) {
  if (!hs_admit(srv, s)) return;
  struct gost_hs *h = gost__calloc(srv->ctx, 1, sizeof *h);
  uint8_t *buf = len && len <= GOST_HS_MAX ? gost__malloc(srv->ctx, len) : NULL;
  if (!h || len > GOST_HS_MAX || (len && !buf)) {
    gost__free(srv->ctx, buf);
    gost__free(srv->ctx, h);
    gost_stream_close(s);
    return;
  }
  srv->nhs++;
  h->buf = buf;
  h->srv = srv;
  h->s = s;
  h->from_ep = from_ep;
  h->in_mux = in_mux;
  h->ing = ing;
  h->p.abort = hs_abort;
  gost_list_insert_tail(&srv->conns, &h->p.link);
  if (len) memcpy(h->buf, data, len);
  h->len = len;
  double t = (double)(from_ep ? srv->entry_timeout_ms : srv->read_timeout_ms) / 1000.0;
  ev_timer_init(&h->timer, hs_timeout, t, 0.);
  h->timer.data = h;
  ev_timer_start(srv->ctx->loop, &h->timer);
  gost_stream_set_read_cb(s, hs_read, h);
  try_parse(h);
}

void gost__tunnel_serve_relay(struct gost_tunnel_server *srv, gost_stream *s, const void *data,
                              size_t len, int from_ep, const struct gost_ingress *ing) {
  serve(srv, s, data, len, from_ep, 0, ing);
}

void gost__tunnel_serve_mux_stream(struct gost_tunnel_server *srv, gost_stream *s) {
  serve(srv, s, NULL, 0, 0, 1, NULL);
}

/* ---- handler ops ---- */

static int uuid_opt(const char *v, uint8_t id[16]) {
  return v && gost__uuid_parse(v, strlen(v), id) == GOST_OK && !gost__uuid_is_zero(id);
}

static void srv_free(struct gost_tunnel_server *srv) {
  gost__entrypoints_stop(srv);
  gost__entry_pool_clear(srv);
  while (!gost_list_empty(&srv->conns)) {
    struct gost_tunnel_pending *p = gost_container_of(srv->conns.next, struct gost_tunnel_pending, link);
    p->abort(p);
  }
  gost__vmux_sessions_close(srv);
  gost__public_free(srv->pub);
  gost__tunnel_registry_free(srv->reg);
  gost__tunnel_cluster_stop(srv);
  gost__tunnel_rules_free(srv);
  gost__free(srv->ctx, srv);
}

static int start_common(gost_service_t *svc, int legacy) {
  struct gost_tunnel_server *srv = gost__calloc(svc->ctx, 1, sizeof *srv);
  if (!srv) return gost__error(GOST_ENOMEM, "tunnel server");
  const json_t *meta = svc->handler_meta;
  srv->svc = svc;
  srv->ctx = svc->ctx;
  srv->legacy = legacy;
  gost_list_init(&srv->conns);
  gost_list_init(&srv->vmux_sessions);
  gost__entry_pool_init(srv);
  int rc = gost__mux_config_from_meta(&srv->mux, meta, 1, legacy ? 1 : 2);
  if (rc != GOST_OK) goto fail;
  /* visitor sessions: always smux v2 (a libgost extension, no legacy peer to match) */
  if ((rc = gost__mux_config_from_meta(&srv->vmux_cfg, meta, 0, 2)) != GOST_OK) goto fail;
  srv->vmux_cfg.version = 2;
  srv->vmux = gost__str_bool(gost__service_meta(svc, "tunnel.mux", NULL), 1);
  srv->direct = gost__str_bool(gost__service_meta(svc, "tunnel.direct", NULL), 0);
  srv->bind = gost__str_bool(gost__service_meta(svc, "bind", NULL), 0);
  srv->has_entry_id = uuid_opt(gost__service_meta(svc, "entrypoint.id", NULL), srv->entry_id);
  const char *v = gost__service_meta(svc, "readTimeout", NULL);
  srv->read_timeout_ms = v ? gost__duration_ms(v) : GOST_TUNNEL_DEFAULT_TIMEOUT_MS;
  v = gost__service_meta(svc, "entrypoint.readTimeout", NULL);
  srv->entry_timeout_ms = v ? gost__duration_ms(v) : GOST_TUNNEL_DEFAULT_TIMEOUT_MS;
  if (srv->read_timeout_ms <= 0 || srv->entry_timeout_ms <= 0) {
    rc = gost__error(GOST_EINVAL, "bad readTimeout");
    goto fail;
  }
  v = gost__service_meta(svc, "handshake.max", NULL);
  srv->hs_max = v ? strtoul(v, NULL, 10) : GOST_HS_DEFAULT_MAX;
  if (v && (srv->hs_max == 0 || strspn(v, "0123456789") != strlen(v))) {
    rc = gost__error(GOST_EINVAL, "handshake.max must be a positive number");
    goto fail;
  }
  uint8_t rnd[16], nid[16];
  if (RAND_bytes(rnd, sizeof rnd) != 1) {
    rc = gost__error(GOST_EIO, "tunnel server: no randomness for the node ID");
    goto fail;
  }
  gost__uuid_v4_from_random(rnd, nid);
  gost__uuid_format(nid, srv->node_id);
  srv->entry_keepalive = gost__str_bool(gost__service_meta(svc, "entrypoint.keepalive", NULL), 0);
  srv->entry_accesslog = gost__str_bool(gost__service_meta(svc, "entrypoint.accesslog", NULL), 0);
  srv->relay_unsafe = gost__str_bool(gost__service_meta(svc, "entrypoint.relay.unsafe", NULL), 0);
  v = gost__service_meta(svc, "entrypoint.proxyProtocol", NULL);
  srv->proxy_protocol = v ? atoi(v) : 0;
  if (srv->proxy_protocol < 0 || srv->proxy_protocol > 2) {
    rc = gost__error(GOST_EINVAL, "entrypoint.proxyProtocol must be 0, 1 or 2");
    goto fail;
  }
  v = gost__service_meta(svc, "tunnel", NULL);
  if (v && !svc->ingress && (rc = gost__tunnel_rules_parse(srv, v)) != GOST_OK) goto fail;
  srv->reg = gost__tunnel_registry_new(svc->ctx);
  if (!srv->reg) {
    rc = gost__error(GOST_ENOMEM, "tunnel registry");
    goto fail;
  }
  gost__tunnel_registry_set_owner(srv->reg, svc->name);
  v = gost__service_meta(svc, "tunnel.statsTTL", NULL);
  if (v) {
    int64_t ttl = gost__duration_ms(v);
    if (ttl < 0) {
      rc = gost__error(GOST_EINVAL, "tunnel.statsTTL: bad duration \"%s\"", v);
      goto fail;
    }
    gost__tunnel_registry_set_stats_ttl(srv->reg, (double)ttl / 1000.0);
  }
  if ((rc = gost__public_init(srv)) != GOST_OK) goto fail;
  if ((rc = gost__tunnel_cluster_start(srv)) != GOST_OK) goto fail;
  svc->handler_state = srv;
  svc->handshakes = (struct gost_budget_gauge){&srv->nhs, srv->hs_max};
  if ((rc = gost__entrypoints_start(srv)) != GOST_OK) {
    svc->handler_state = NULL;
    goto fail;
  }
  return GOST_OK;
fail:
  srv_free(srv);
  return rc;
}

static int tunnel_start(gost_service_t *svc) { return start_common(svc, 0); }
static int relay_start(gost_service_t *svc) { return start_common(svc, 1); }

static void tunnel_handle(gost_service_t *svc, gost_stream *s, const struct gost_conn_info *info) {
  struct gost_tunnel_server *srv = svc->handler_state;
  if (!srv) {
    gost_stream_close(s);
    return;
  }
  gost__tunnel_serve_relay(srv, s, NULL, 0, 0, NULL);
}

static void tunnel_stop(gost_service_t *svc) {
  struct gost_tunnel_server *srv = svc->handler_state;
  svc->handler_state = NULL;
  svc->handshakes = (struct gost_budget_gauge){NULL, 0};
  if (srv) srv_free(srv);
}

const struct gost_handler_ops gost__handler_tunnel = {"tunnel", tunnel_start, tunnel_handle, tunnel_stop};
const struct gost_handler_ops gost__handler_relay = {"relay", relay_start, tunnel_handle, tunnel_stop};

static struct gost_tunnel_server *server_of(gost_service_t *svc) {
  if (!svc) {
    gost__error(GOST_EINVAL, "service is NULL");
    return NULL;
  }
  if (!svc->running || !svc->handler_state ||
      (svc->handler != &gost__handler_tunnel && svc->handler != &gost__handler_relay)) {
    gost__error(GOST_ESTATE, "service \"%s\" is not a running tunnel server", svc->name);
    return NULL;
  }
  return svc->handler_state;
}

int gost_service_connectors(gost_service_t *svc, gost_connector_info_cb cb, void *user) {
  struct gost_tunnel_server *srv = server_of(svc);
  return srv ? gost__tunnel_registry_foreach(srv->reg, svc, cb, user) : svc ? GOST_ESTATE : GOST_EINVAL;
}

/* The older positional callback, served through the info one. */
struct positional {
  gost_connector_cb cb;
  void *user;
};

static void to_positional(gost_service_t *svc, const gost_connector_info_t *i, void *user) {
  const struct positional *p = user;
  p->cb(i->tunnel_id, i->connector_id, i->udp, i->weight, i->streams, i->bytes_in, i->bytes_out, p->user);
}

int gost_service_foreach_connector(gost_service_t *svc, gost_connector_cb cb, void *user) {
  struct positional p = {cb, user};
  return gost_service_connectors(svc, cb ? to_positional : NULL, &p);
}

int gost_service_tunnel_stats(gost_service_t *svc, gost_tunnel_stats_cb cb, void *user) {
  struct gost_tunnel_server *srv = server_of(svc);
  return srv ? gost__tunnel_registry_foreach_tunnel(srv->reg, svc, cb, user) : svc ? GOST_ESTATE : GOST_EINVAL;
}

int gost_service_disconnect(gost_service_t *svc, const char *connector_id) {
  struct gost_tunnel_server *srv = server_of(svc);
  if (!srv) return svc ? GOST_ESTATE : GOST_EINVAL;
  uint8_t id[16];
  if (!connector_id || gost__uuid_parse(connector_id, strlen(connector_id), id) != GOST_OK)
    return gost__error(GOST_EINVAL, "invalid connector ID");
  return gost__tunnel_registry_kick(srv->reg, id);
}
