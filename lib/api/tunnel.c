/* gost_tunnel_t, client side: "publish these targets under tunnel ID T through server S" as
 * a chain (one node, connector tunnel) plus an rtcp/rudp service built through the public
 * calls, so it behaves exactly like the same thing written in a config file. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "codec/uuid.h"
#include "core/ctx_int.h"
#include "core/error.h"
#include "gost/chain.h"
#include "gost/service.h"
#include "gost/tunnel.h"
#include "tunnel/rtcp.h"

#define MAX_TARGETS 64

struct target {
  char *addr, *filter;
};

struct gost_tunnel {
  void *data; /* the caller's (gost_tunnel_set_data) */
  struct gost_ctx_child child; /* the ctx frees tunnels before services and chains */
  gost_ctx_t *ctx;
  char *scheme, *hostport, *user, *pass, *query, *tunnel_id, *bind;
  int weight, udp, state;
  struct target targets[MAX_TARGETS];
  size_t ntargets;
  gost_tunnel_state_cb cb;
  void *cb_user;
  gost_chain_t *chain;
  gost_service_t *svc;
  char endpoint[256];
};

static void tunnel_destroy(struct gost_ctx_child *c) {
  gost_tunnel_free(gost_container_of(c, gost_tunnel_t, child));
}

static char *dup_n(gost_ctx_t *ctx, const char *s, size_t n) { return gost__mem_strndup(&ctx->mem, s, n); }

static int hexval(int c) { return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10; }

/* %XX decoding for URL userinfo, in place. */
static void pct_decode(char *s) {
  char *o = s;
  for (; *s; s++) {
    if (s[0] == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
      *o++ = (char)(hexval((unsigned char)s[1]) << 4 | hexval((unsigned char)s[2]));
      s += 2;
    } else {
      *o++ = *s;
    }
  }
  *o = '\0';
}

/* scheme://[user[:pass]@]host:port[/...][?query] */
static int parse_url(gost_tunnel_t *t, const char *url) {
  const char *sep = strstr(url, "://");
  if (!sep) return gost__error(GOST_EINVAL, "tunnel: server URL needs a scheme: %s", url);
  t->scheme = dup_n(t->ctx, url, (size_t)(sep - url));
  const char *p = sep + 3;
  const char *end = p + strcspn(p, "/?");
  const char *at = memchr(p, '@', (size_t)(end - p));
  if (at) {
    const char *colon = memchr(p, ':', (size_t)(at - p));
    t->user = dup_n(t->ctx, p, (size_t)((colon ? colon : at) - p));
    t->pass = colon ? dup_n(t->ctx, colon + 1, (size_t)(at - colon - 1)) : gost__strdup(t->ctx, "");
    if (!t->user || !t->pass) return gost__error(GOST_ENOMEM, "tunnel");
    pct_decode(t->user);
    pct_decode(t->pass);
    p = at + 1;
  }
  t->hostport = dup_n(t->ctx, p, (size_t)(end - p));
  const char *q = strchr(end, '?');
  if (q) t->query = gost__strdup(t->ctx, q + 1);
  if (!t->scheme || !t->hostport || (q && !t->query)) return gost__error(GOST_ENOMEM, "tunnel");
  if (!*t->hostport) return gost__error(GOST_EINVAL, "tunnel: server URL has no address: %s", url);
  return 0;
}

static void tunnel_free_fields(gost_tunnel_t *t) {
  gost_ctx_t *ctx = t->ctx;
  for (size_t i = 0; i < t->ntargets; i++) {
    gost__free(ctx, t->targets[i].addr);
    gost__free(ctx, t->targets[i].filter);
  }
  gost__free(ctx, t->scheme);
  gost__free(ctx, t->hostport);
  gost__free(ctx, t->user);
  gost__free(ctx, t->pass);
  gost__free(ctx, t->query);
  gost__free(ctx, t->tunnel_id);
  gost__free(ctx, t->bind);
}

int gost_tunnel_new(gost_tunnel_t **out, gost_ctx_t *ctx, const char *server_url, const char *tunnel_id,
                    const char *bind) {
  if (!out || !ctx || !server_url) return gost__error(GOST_EINVAL, "tunnel: NULL argument");
  *out = NULL;
  uint8_t id[GOST__UUID_LEN];
  if (tunnel_id && *tunnel_id &&
      (gost__uuid_parse(tunnel_id, strlen(tunnel_id), id) != 0 || gost__uuid_is_zero(id)))
    return gost__error(GOST_EINVAL, "tunnel: invalid tunnel ID '%s'", tunnel_id);
  gost_tunnel_t *t = gost__calloc(ctx, 1, sizeof(*t));
  if (!t) return gost__error(GOST_ENOMEM, "tunnel");
  t->ctx = ctx;
  gost__ctx_child_init(&t->child, tunnel_destroy, NULL);
  t->state = GOST_TUNNEL_STOPPED;
  int rc = parse_url(t, server_url);
  if (rc == 0 && tunnel_id && *tunnel_id) {
    char canon[GOST__UUID_STR_LEN + 1];
    gost__uuid_format(id, canon);
    if (!(t->tunnel_id = gost__strdup(ctx, canon))) rc = gost__error(GOST_ENOMEM, "tunnel");
  }
  if (rc == 0 && !(t->bind = gost__strdup(ctx, bind && *bind ? bind : ":0"))) rc = gost__error(GOST_ENOMEM, "tunnel");
  if (rc != 0) {
    tunnel_free_fields(t);
    gost__free(ctx, t);
    return rc;
  }
  gost__ctx_adopt(ctx, &t->child, GOST__RANK_TUNNEL);
  *out = t;
  return 0;
}

int gost_tunnel_set_weight(gost_tunnel_t *t, int weight) {
  if (!t || weight < 0 || weight > 255) return gost__error(GOST_EINVAL, "tunnel: weight 0..255");
  if (t->svc) return gost__error(GOST_ESTATE, "tunnel: already started");
  t->weight = weight;
  return 0;
}

int gost_tunnel_set_udp(gost_tunnel_t *t, int udp) {
  if (!t) return gost__error(GOST_EINVAL, "tunnel: NULL");
  if (t->svc) return gost__error(GOST_ESTATE, "tunnel: already started");
  t->udp = udp != 0;
  return 0;
}

int gost_tunnel_add_target(gost_tunnel_t *t, const char *addr, const char *filter_host) {
  if (!t || !addr || !*addr) return gost__error(GOST_EINVAL, "tunnel: target address required");
  if (t->svc) return gost__error(GOST_ESTATE, "tunnel: add targets before start");
  if (t->ntargets == MAX_TARGETS) return gost__error(GOST_EINVAL, "tunnel: too many targets");
  struct target *tg = &t->targets[t->ntargets];
  tg->addr = gost__strdup(t->ctx, addr);
  tg->filter = filter_host ? gost__strdup(t->ctx, filter_host) : NULL;
  if (!tg->addr || (filter_host && !tg->filter)) {
    gost__free(t->ctx, tg->addr);
    gost__free(t->ctx, tg->filter);
    return gost__error(GOST_ENOMEM, "tunnel");
  }
  t->ntargets++;
  return 0;
}

int gost_tunnel_set_state_cb(gost_tunnel_t *t, gost_tunnel_state_cb cb, void *user) {
  if (!t) return gost__error(GOST_EINVAL, "tunnel: NULL");
  t->cb = cb;
  t->cb_user = user;
  return 0;
}

static void on_state(gost_service_t *svc, int state, const char *detail, void *user) {
  (void)svc;
  gost_tunnel_t *t = user;
  t->state = state;
  if (state == GOST_TUNNEL_REGISTERED) snprintf(t->endpoint, sizeof t->endpoint, "%s", detail ? detail : "");
  if (t->cb) t->cb(t, state, detail ? detail : "", t->cb_user);
}

/* URL query pairs go to every scope of the node (as with -F), e.g. mux.version=1. */
static int apply_query(gost_tunnel_t *t, const char *node) {
  if (!t->query) return 0;
  char *q = gost__strdup(t->ctx, t->query), *save = NULL;
  if (!q) return gost__error(GOST_ENOMEM, "tunnel");
  int rc = 0;
  for (char *kv = strtok_r(q, "&", &save); kv && rc == 0; kv = strtok_r(NULL, "&", &save)) {
    char *eq = strchr(kv, '=');
    if (eq) *eq = '\0';
    rc = gost_chain_set_node_meta(t->chain, node, NULL, kv, eq ? eq + 1 : "true");
  }
  gost__free(t->ctx, q);
  return rc;
}

static int build(gost_tunnel_t *t) {
  char name[64], node[] = "tunnel-server";
  /* A readable unique name for logs: tunnel-0, tunnel-1, ... (service and chain share it). */
  for (size_t i = 0;; i++) {
    snprintf(name, sizeof name, "tunnel-%zu", i);
    if (!gost_ctx_service(t->ctx, name) && !gost_ctx_chain(t->ctx, name)) break;
  }
  /* scheme connector+dialer: tunnel, tunnel+tls, tunnel+wss, relay+ws ... */
  char connector[32], dialer[32] = "tcp";
  size_t cl = strcspn(t->scheme, "+");
  snprintf(connector, sizeof connector, "%.*s", (int)cl, t->scheme);
  if (t->scheme[cl] == '+') snprintf(dialer, sizeof dialer, "%s", t->scheme + cl + 1);
  int rc = gost_chain_new(&t->chain, t->ctx, name);
  if (rc == 0) rc = gost_chain_add_hop(t->chain, "hop-0") < 0 ? GOST_EINVAL : 0;
  if (rc == 0 && (rc = gost_chain_add_node(t->chain, 0, node, t->hostport, connector, dialer)) > 0) rc = 0;
  if (rc == 0 && t->user) rc = gost_chain_set_node_auth(t->chain, node, t->user, t->pass);
  if (rc == 0 && t->tunnel_id) rc = gost_chain_set_node_meta(t->chain, node, "connector", "tunnel.id", t->tunnel_id);
  if (rc == 0 && t->weight) {
    char w[8];
    snprintf(w, sizeof w, "%d", t->weight);
    rc = gost_chain_set_node_meta(t->chain, node, "connector", "tunnel.weight", w);
  }
  if (rc == 0) rc = apply_query(t, node);
  if (rc == 0) rc = gost_service_new(&t->svc, t->ctx, name);
  const char *kind = t->udp ? "rudp" : "rtcp";
  if (rc == 0) rc = gost_service_set_listener(t->svc, kind, t->bind);
  if (rc == 0) rc = gost_service_set_handler(t->svc, kind);
  if (rc == 0) rc = gost_service_set_chain(t->svc, t->chain);
  for (size_t i = 0; rc == 0 && i < t->ntargets; i++)
    if ((rc = gost_service_add_node(t->svc, NULL, t->targets[i].addr, t->targets[i].filter)) > 0) rc = 0;
  return rc;
}

int gost_tunnel_start(gost_tunnel_t *t) {
  if (!t) return gost__error(GOST_EINVAL, "tunnel: NULL");
  if (t->svc) return gost__error(GOST_ESTATE, "tunnel: already started");
  if (!t->ntargets) return gost__error(GOST_ECONFIG, "tunnel: add a target first");
  int rc = build(t);
  if (rc == 0) rc = gost_service_start(t->svc);
  if (rc == 0) rc = gost__rtcp_observe(t->svc, on_state, t);
  if (rc != 0) {
    gost_service_free(t->svc);
    gost_chain_free(t->chain);
    t->svc = NULL;
    t->chain = NULL;
    return rc;
  }
  t->state = GOST_TUNNEL_CONNECTING;
  return 0;
}

int gost_tunnel_state(const gost_tunnel_t *t) { return t ? t->state : GOST_EINVAL; }

const char *gost_tunnel_endpoint(const gost_tunnel_t *t) { return t ? t->endpoint : ""; }

void gost_tunnel_free(gost_tunnel_t *t) {
  if (!t) return;
  if (t->svc) gost__rtcp_observe(t->svc, NULL, NULL);
  gost_service_free(t->svc);
  gost_chain_free(t->chain);
  gost__ctx_disown(&t->child);
  tunnel_free_fields(t);
  gost__free(t->ctx, t);
}

void gost_tunnel_set_data(gost_tunnel_t *t, void *data) {
  if (t) t->data = data;
}
void *gost_tunnel_get_data(const gost_tunnel_t *t) { return t ? t->data : NULL; }
