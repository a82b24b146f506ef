/* Public entrypoints (§5): TCP listeners from `entrypoint`/`entryPoint` and `entrypoints`
 * ([{addr, ingress}]), optional PROXY protocol, then first-byte dispatch: 0x16 TLS (SNI),
 * 0x01 relay CONNECT, anything else HTTP.
 *
 * Each listener is the ordinary "tcp" listener run on a private service object whose handler
 * is the dispatcher below, so accepting and socket streams stay in one place (io-forward). */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "core/meta.h"
#include "ingress/ingress.h"
#include "io/prefixed.h"
#include "tunnel/entry.h"
#include "tunnel/forward.h"
#include "tunnel/public.h"

struct gost_entrypoint {
  struct gost_tunnel_server *srv;
  struct gost_service lsvc; /* private: listener + dispatch handler */
  const struct gost_ingress *ing; /* NULL = the service's */
};

/* ---- first bytes of a public connection ---- */

static void ec_free(struct gost_entry_conn *c, int close_stream) {
  gost__tunnel_opening_cancel(c->opening);
  gost_list_remove(&c->p.link);
  ev_timer_stop(c->srv->ctx->loop, &c->timer);
  gost__ingress_cancel(&c->route);
  if (c->s) {
    gost_stream_read_stop(c->s);
    gost_stream_set_read_cb(c->s, NULL, NULL);
    if (close_stream) gost_stream_close(c->s);
  }
  gost__free(c->srv->ctx, c->hello);
  gost__free(c->srv->ctx, c->buf);
  gost__free(c->srv->ctx, c);
}

static void ec_abort(struct gost_tunnel_pending *p) {
  ec_free(gost_container_of(p, struct gost_entry_conn, p), 1);
}

static void ec_drop(struct gost_entry_conn *c, const char *why) {
  char peer[64];
  gost__tunnel_addr_str(&c->client, peer, sizeof peer);
  GOST_WARN(c->srv->ctx, "entrypoint: %s: %s", peer, why);
  ec_free(c, 1);
}

static void ec_timeout(struct ev_loop *loop, ev_timer *w, int revents) {
  ec_drop(w->data, "timeout waiting for the request");
}

/* Hands the connection and its buffered bytes to a protocol path; frees c. */
static gost_stream *ec_take(struct gost_entry_conn *c) {
  gost_stream *s = c->s;
  c->s = NULL;
  gost_stream_read_stop(s);
  gost_stream_set_read_cb(s, NULL, NULL);
  ev_timer_stop(c->srv->ctx->loop, &c->timer);
  return s;
}

/* ---- TLS for *.<public domain>: terminated here with the wildcard certificate ---- */

struct pub_tls {
  struct gost_tunnel_pending p; /* on srv->conns until the handshake ends */
  struct gost_tunnel_server *srv;
  gost_sockaddr client;
  int dead; /* the service stopped meanwhile */
};

static void pub_tls_abort(struct gost_tunnel_pending *p) {
  struct pub_tls *t = gost_container_of(p, struct pub_tls, p);
  gost_list_remove(&t->p.link);
  gost_list_init(&t->p.link);
  t->dead = 1; /* freed when the handshake reports */
}

static void pub_tls_ready(gost_ctx_t *ctx, gost_stream *s, int status, void *user) {
  struct pub_tls *t = user;
  struct gost_tunnel_server *srv = t->srv;
  gost_sockaddr client = t->client;
  int dead = t->dead;
  gost_list_remove(&t->p.link);
  gost__free(ctx, t);
  if (dead || status != GOST_OK) {
    if (s) gost_stream_close(s);
    return;
  }
  gost__entry_http_start(srv, NULL, s, &client, NULL, 0); /* then routed by Host as usual */
}

/* 1 when c was handed to a TLS handshake (c freed). */
static int ec_public_tls(struct gost_entry_conn *c, const char *sni) {
  struct gost_tunnel_server *srv = c->srv;
  gost_service_t *tsvc = srv->pub ? gost__public_tls(srv->pub) : NULL;
  const struct gost_listener_ops *tls = gost__listener_find("tls");
  if (!tsvc || !tls || !tls->wrap || !gost__public_covers(srv->pub, sni)) return 0;
  struct pub_tls *t = gost__calloc(srv->ctx, 1, sizeof *t);
  gost_stream *raw = t ? gost__prefixed_new(srv->ctx, c->s, c->buf, c->len) : NULL; /* replays the hello */
  if (!raw) {
    gost__free(srv->ctx, t);
    ec_drop(c, "out of memory");
    return 1;
  }
  t->srv = srv;
  t->client = c->client;
  t->p.abort = pub_tls_abort;
  c->s = NULL; /* now inside raw */
  ev_timer_stop(srv->ctx->loop, &c->timer);
  ec_free(c, 0);
  gost_list_insert_tail(&srv->conns, &t->p.link);
  if (tls->wrap(tsvc, raw, pub_tls_ready, t) != GOST_OK) {
    gost_list_remove(&t->p.link);
    gost__free(srv->ctx, t);
    gost_stream_close(raw);
  }
  return 1;
}

static void ec_tls_routed(struct gost_ingress_query *q, int status);
static void tls_opened(int status, gost_stream *ts, void *user);
static void tls_relay(struct gost_entry_conn *c, gost_stream *ts);

static void ec_tls(struct gost_entry_conn *c) {
  if (!c->hello && !(c->hello = gost__malloc(c->srv->ctx, sizeof *c->hello)))
    return ec_drop(c, "out of memory");
  int rc = gost__tlshello_parse(c->buf, c->len, c->hello);
  if (rc == GOST_EAGAIN) {
    if (c->len >= GOST_ENTRY_TLS_MAX + GOST__PP_V2_HDR) return ec_drop(c, "ClientHello too large");
    gost_stream_read_start(c->s);
    return;
  }
  if (rc != GOST_OK) return ec_drop(c, "bad ClientHello");
  if (!c->hello->has_sni || !c->hello->sni_len) return ec_drop(c, "ClientHello without SNI");
  char host[GOST__TLS_MAX_SNI + 8];
  memcpy(host, c->hello->sni, c->hello->sni_len + 1);
  for (char *p = host; *p; p++)
    if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
  if (ec_public_tls(c, host)) return;
  gost_stream_read_stop(c->s); /* the hello is complete: hold further bytes while routing */
  gost__tunnel_route(c->srv, c->ing, host, &c->route, ec_tls_routed, c);
}

static void ec_tls_routed(struct gost_ingress_query *q, int status) {
  struct gost_entry_conn *c = q->user;
  if (status != GOST_OK || q->is_private) return ec_drop(c, "no public route for the SNI");
  const uint8_t *tid = q->tunnel_id;
  char dst[sizeof q->host + 8], src[64];
  snprintf(dst, sizeof dst, "%s:443", q->host);
  gost__tunnel_addr_str(&c->client, src, sizeof src);
  gost_stream *ts;
  int rc = gost__tunnel_open_any(c->srv, tid, 0, src, dst, &ts, &c->opening, tls_opened, c);
  if (rc == GOST_EAGAIN) return; /* another node has the client (reading is stopped) */
  if (rc != GOST_OK) return ec_drop(c, "tunnel unavailable");
  tls_relay(c, ts);
}

static void tls_opened(int status, gost_stream *ts, void *user) {
  struct gost_entry_conn *c = user;
  c->opening = NULL;
  if (status != GOST_OK) return ec_drop(c, "tunnel unavailable");
  tls_relay(c, ts);
}

/* Replays the hello (and anything after it), then the one relay loop. */
static void tls_relay(struct gost_entry_conn *c, gost_stream *ts) {
  char dst[sizeof c->route.host + 8];
  snprintf(dst, sizeof dst, "%s:443", c->route.host); /* the routed SNI, kept in c */
  int rc = gost_stream_write_buf(ts, c->buf, c->len, NULL, NULL);
  struct gost_tunnel_server *srv = c->srv;
  gost_stream *s = ec_take(c);
  ec_free(c, 0);
  if (rc != GOST_OK) {
    gost_stream_close(s);
    gost_stream_close(ts);
    return;
  }
  gost__entry_tls_join(srv, s, ts, dst);
}

static void ec_dispatch(struct gost_entry_conn *c) {
  if (c->pp_wanted) { /* PROXY header first: it names the real client */
    struct gost_pp_info pp;
    int rc = gost__proxyproto_decode(c->buf, c->len, &pp);
    if (rc == GOST_EAGAIN) {
      gost_stream_read_start(c->s);
      return;
    }
    if (rc != GOST_OK) return ec_drop(c, "bad PROXY protocol header");
    if (!pp.local && pp.family != AF_UNSPEC) gost__sa_set(&c->client, (const struct sockaddr *)&pp.src);
    memmove(c->buf, c->buf + pp.header_len, c->len - pp.header_len);
    c->len -= pp.header_len;
    c->pp_wanted = 0;
  }
  if (!c->len) {
    gost_stream_read_start(c->s);
    return;
  }
  switch (gost__sniff_first_byte(c->buf[0])) {
  case GOST__SNIFF_TLS:
    return ec_tls(c);
  case GOST__SNIFF_RELAY:
  default: {
    int relay = c->buf[0] == 0x01;
    struct gost_tunnel_server *srv = c->srv;
    const struct gost_ingress *ing = c->ing;
    gost_sockaddr client = c->client;
    size_t n = c->len;
    uint8_t *tmp = gost__malloc(srv->ctx, n);
    if (!tmp) return ec_drop(c, "out of memory");
    memcpy(tmp, c->buf, n);
    gost_stream *s = ec_take(c);
    ec_free(c, 0);
    if (relay) gost__tunnel_serve_relay(srv, s, tmp, n, 1, ing);
    else gost__entry_http_start(srv, ing, s, &client, tmp, n);
    gost__free(srv->ctx, tmp);
    return;
  }
  }
}

static void ec_read(gost_stream *s, ssize_t n, const char *data, void *user) {
  struct gost_entry_conn *c = user;
  if (n < 0) return ec_drop(c, "closed before a request");
  if ((size_t)n > GOST_ENTRY_BUF_MAX - c->len) return ec_drop(c, "first bytes too large");
  /* Grown to what has arrived: most requests come in one read and never need more. */
  uint8_t *nb = gost__realloc(c->srv->ctx, c->buf, c->len + (size_t)n);
  if (!nb) return ec_drop(c, "out of memory");
  c->buf = nb;
  memcpy(c->buf + c->len, data, (size_t)n);
  c->len += (size_t)n;
  gost_stream_read_stop(s);
  ec_dispatch(c);
}

static void ep_handle(gost_service_t *lsvc, gost_stream *s, const struct gost_conn_info *info) {
  struct gost_entrypoint *ep = lsvc->handler_state;
  struct gost_tunnel_server *srv = ep->srv;
  struct gost_entry_conn *c = gost__calloc(srv->ctx, 1, sizeof *c);
  if (!c) {
    gost_stream_close(s);
    return;
  }
  c->srv = srv;
  c->ing = ep->ing;
  c->s = s;
  c->client = s->peer;
  c->pp_wanted = srv->proxy_protocol != 0;
  c->p.abort = ec_abort;
  gost_list_insert_tail(&srv->conns, &c->p.link);
  /* one deadline for PROXY header + first request head or ClientHello (slowloris) */
  ev_timer_init(&c->timer, ec_timeout, (double)srv->entry_timeout_ms / 1000.0, 0.);
  c->timer.data = c;
  ev_timer_start(srv->ctx->loop, &c->timer);
  gost_stream_set_read_cb(s, ec_read, c);
  gost_stream_read_start(s);
}

static const struct gost_handler_ops ep_handler = {"entrypoint", NULL, ep_handle, NULL};

/* node.listen (cluster mode): another port of the same tunnel service, for node links. */
static void node_handle(gost_service_t *lsvc, gost_stream *s, const struct gost_conn_info *info) {
  struct gost_entrypoint *ep = lsvc->handler_state;
  gost__tunnel_serve_relay(ep->srv, s, NULL, 0, 0, NULL);
}

static const struct gost_handler_ops node_handler = {"node", NULL, node_handle, NULL};

/* ---- listeners ---- */

static const struct gost_ingress *ingress_by_name(gost_ctx_t *ctx, const char *name) {
  struct gost_list *pos;
  if (!name || !*name) return NULL;
  gost_list_foreach(pos, &ctx->ingresses) {
    const struct gost_ingress *ing = gost_container_of(pos, struct gost_ingress, link);
    if (ing->name && !strcmp(ing->name, name)) return ing;
  }
  return NULL;
}

int gost__entry_listener_start(struct gost_tunnel_server *srv, gost_service_t *l, const char *type,
                               const char *addr, const struct gost_handler_ops *handler, void *state) {
  const struct gost_listener_ops *lo = gost__listener_find(type);
  if (!lo) return gost__error(GOST_EUNSUPPORTED, "entrypoint: %s listener not available", type);
  l->ctx = srv->ctx;
  l->name = srv->svc->name;
  l->listener_type = (char *)type;
  l->handler_type = (char *)handler->name;
  l->addr = gost__strdup(srv->ctx, addr);
  l->handler_meta = json_object();
  l->listener_meta = json_object();
  l->service_meta = json_object();
  /* the public side is where stalled readers and floods come from: it shares the service's
   * writeTimeout and conns.max */
  static const char *const shared[] = {"writeTimeout", "conns.max"};
  for (size_t i = 0; i < 2 && l->service_meta; i++) {
    const char *v = gost__service_meta(srv->svc, shared[i], NULL);
    if (v) json_object_set_new(l->service_meta, shared[i], json_string(v));
  }
  l->listener = lo;
  l->handler = handler;
  l->limits_of = handler == &node_handler ? NULL : srv->svc; /* public side: climiter, rlimiter */
  l->handler_state = state;
  gost_list_init(&l->link);
  const char *rp = gost__service_meta(srv->svc, "so_reuseport", NULL); /* N processes, one port */
  if (rp && l->listener_meta) gost__meta_set(l->listener_meta, "so_reuseport", rp);
  int rc = l->addr && l->handler_meta && l->listener_meta && l->service_meta &&
                   (strcmp(type, "udp") || gost__meta_set(l->listener_meta, "keepalive", "true") == 0)
               ? lo->start(l)
               : gost__error(GOST_ENOMEM, "entrypoint");
  if (rc != GOST_OK) {
    gost__entry_listener_stop(srv, l);
    return rc;
  }
  l->running = 1;
  return GOST_OK;
}

void gost__entry_listener_stop(struct gost_tunnel_server *srv, gost_service_t *l) {
  if (l->running && l->listener->stop) l->listener->stop(l);
  l->running = 0;
  json_decref(l->handler_meta);
  json_decref(l->listener_meta);
  json_decref(l->service_meta);
  gost__free(srv->ctx, l->addr);
  l->handler_meta = l->listener_meta = l->service_meta = NULL;
  l->addr = NULL;
}

/* key names the option in start-up errors ("handler.metadata.entrypoint: listen 80: ..."). */
static int ep_start(struct gost_tunnel_server *srv, const char *key, const char *addr,
                    const char *ingress, const struct gost_handler_ops *handler) {
  if (srv->neps == GOST_TUNNEL_MAX_ENTRYPOINTS) return gost__error(GOST_ECONFIG, "too many entrypoints");
  struct gost_entrypoint *ep = gost__calloc(srv->ctx, 1, sizeof *ep);
  if (!ep) return gost__error(GOST_ENOMEM, "entrypoint");
  ep->srv = srv;
  ep->ing = ingress_by_name(srv->ctx, ingress);
  gost_service_t *l = &ep->lsvc;
  int rc = gost__entry_listener_start(srv, l, "tcp", addr, handler, ep);
  if (rc != GOST_OK) {
    char msg[400];
    snprintf(msg, sizeof msg, "%s", gost_last_error());
    gost__error(rc, "%s: %s", key, msg);
    gost__free(srv->ctx, ep);
    return rc;
  }
  srv->eps[srv->neps++] = ep;
  if (handler != &ep_handler) {
    GOST_INFO(srv->ctx, "tunnel node links listening on %s (port %u)", addr, (unsigned)l->port);
    return GOST_OK;
  }
  if (!srv->svc->entrypoint_port) srv->svc->entrypoint_port = l->port;
  GOST_INFO(srv->ctx, "tunnel entrypoint listening on %s (port %u)", addr, (unsigned)l->port);
  return GOST_OK;
}

int gost__tunnel_node_listen(struct gost_tunnel_server *srv, const char *addr, uint16_t *port) {
  int rc = ep_start(srv, "handler.metadata.node.listen", addr, NULL, &node_handler);
  if (rc == GOST_OK) *port = srv->eps[srv->neps - 1]->lsvc.port;
  return rc;
}

int gost__entrypoints_start(struct gost_tunnel_server *srv) {
  const char *main_addr = gost__service_meta(srv->svc, "entrypoint", NULL);
  if (!main_addr) main_addr = gost__service_meta(srv->svc, "entryPoint", NULL);
  int rc;
  if (main_addr && *main_addr && (rc = ep_start(srv, "handler.metadata.entrypoint", main_addr, NULL, &ep_handler)) != GOST_OK) return rc;
  const json_t *list = gost__meta_get(srv->svc->handler_meta, "entrypoints");
  if (json_is_array(list)) {
    size_t i;
    const json_t *e;
    json_array_foreach(list, i, e) {
      const char *a = json_string_value(json_object_get(e, "addr"));
      const char *ing = json_string_value(json_object_get(e, "ingress"));
      if (!a) return gost__error(GOST_ECONFIG, "entrypoints[%zu]: no addr", i);
      char key[64];
      snprintf(key, sizeof key, "handler.metadata.entrypoints[%zu]", i);
      if (json_object_get(e, "tunnel")) rc = gost__entry_port_from_json(srv, e, i); /* raw port */
      else rc = ep_start(srv, key, a, ing, &ep_handler);
      if (rc != GOST_OK) return rc;
    }
  }
  const char *ports = gost__service_meta(srv->svc, "entrypoint.ports", NULL);
  if (ports && *ports && (rc = gost__entry_ports_parse(srv, ports)) != GOST_OK) return rc;
  return GOST_OK;
}

void gost__entrypoint_bind_addr(const struct gost_tunnel_server *srv, char *buf, size_t cap) {
  const char *h = "";
  size_t hl = 0, pl;
  const char *p;
  const gost_service_t *l = srv->neps ? &srv->eps[0]->lsvc : NULL;
  if (!l) {
    snprintf(buf, cap, ":0");
    return;
  }
  if (gost__hostport_split(l->addr, strlen(l->addr), &h, &hl, &p, &pl) != 0) hl = 0;
  if (hl && memchr(h, ':', hl)) snprintf(buf, cap, "[%.*s]:%u", (int)hl, h, (unsigned)l->port);
  else snprintf(buf, cap, "%.*s:%u", (int)hl, h, (unsigned)l->port);
}

void gost__entrypoints_stop(struct gost_tunnel_server *srv) {
  for (size_t i = 0; i < srv->neps; i++) {
    struct gost_entrypoint *ep = srv->eps[i];
    gost__entry_listener_stop(srv, &ep->lsvc);
    gost__free(srv->ctx, ep);
  }
  srv->neps = 0;
  gost__entry_ports_stop(srv);
}

uint64_t gost__entrypoint_connections(const struct gost_entrypoint *ep) {
  return ep->lsvc.stats[GOST_STAT_CONNECTIONS];
}

const struct gost_budget_gauge *gost__entrypoint_conns(const struct gost_entrypoint *ep) { return &ep->lsvc.conns; }
