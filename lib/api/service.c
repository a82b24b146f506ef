/* Public gost_service_t API: construction, configuration and teardown. Start/stop live in
 * service_run.c. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/api_int.h"
#include "core/error.h"
#include "tunnel/stat.h"
#include "core/meta.h"
#include "ingress/ingress.h"

static char *lower_dup(gost_ctx_t *ctx, const char *s) {
  char *d = gost__strdup(ctx, s);
  for (char *p = d; p && *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
  return d;
}

static void service_destroy(struct gost_ctx_child *c) {
  gost_service_free(gost_container_of(c, gost_service_t, child));
}

static void service_stop(struct gost_ctx_child *c) {
  gost_service_stop(gost_container_of(c, gost_service_t, child));
}

int gost_service_new(gost_service_t **out, gost_ctx_t *ctx, const char *name) {
  char auto_name[32];
  if (!out) return gost__error(GOST_EINVAL, "out is NULL");
  *out = NULL;
  if (!ctx) return gost__error(GOST_EINVAL, "ctx is NULL");
  if (!name) {
    for (size_t i = 0;; i++) {
      snprintf(auto_name, sizeof auto_name, "service-%zu", i);
      if (!gost_ctx_service(ctx, auto_name)) break;
    }
    name = auto_name;
  }
  if (!gost__name_valid(name)) return gost__error(GOST_EINVAL, "invalid service name");
  if (gost_ctx_service(ctx, name))
    return gost__error(GOST_EEXIST, "service \"%s\" already exists", name);
  gost_service_t *s = gost__calloc(ctx, 1, sizeof *s);
  if (!s) return gost__error(GOST_ENOMEM, "out of memory");
  s->ctx = ctx;
  s->created_at = ev_time();
  gost_list_init(&s->link);
  gost__ctx_child_init(&s->child, service_destroy, service_stop);
  s->name = gost__strdup(ctx, name);
  /* GOST's defaults: handler auto, listener tcp. */
  s->handler_type = gost__strdup(ctx, "auto");
  s->listener_type = gost__strdup(ctx, "tcp");
  s->handler_meta = json_object();
  s->listener_meta = json_object();
  s->service_meta = json_object();
  if (!s->name || !s->handler_type || !s->listener_type || !s->handler_meta ||
      !s->listener_meta || !s->service_meta) {
    gost_service_free(s);
    return gost__error(GOST_ENOMEM, "out of memory");
  }
  gost_list_insert_tail(&ctx->services, &s->link);
  gost__ctx_adopt(ctx, &s->child, GOST__RANK_SERVICE);
  *out = s;
  return GOST_OK;
}

static int check_stopped(const gost_service_t *svc) {
  if (!svc) return gost__error(GOST_EINVAL, "service is NULL");
  if (svc->running) return gost__error(GOST_ESTATE, "service \"%s\" is running", svc->name);
  return GOST_OK;
}

int gost_service_set_listener(gost_service_t *svc, const char *type, const char *addr) {
  int rc = check_stopped(svc);
  if (rc) return rc;
  if (!type || !*type) return gost__error(GOST_EINVAL, "listener type missing");
  char *t = lower_dup(svc->ctx, type), *a = addr ? gost__strdup(svc->ctx, addr) : NULL;
  if (!t || (addr && !a)) {
    gost__free(svc->ctx, t);
    gost__free(svc->ctx, a);
    return gost__error(GOST_ENOMEM, "out of memory");
  }
  gost__free(svc->ctx, svc->listener_type);
  svc->listener_type = t;
  if (addr) {
    gost__free(svc->ctx, svc->addr);
    svc->addr = a;
  }
  return GOST_OK;
}

int gost_service_set_handler(gost_service_t *svc, const char *type) {
  int rc = check_stopped(svc);
  if (rc) return rc;
  if (!type || !*type) return gost__error(GOST_EINVAL, "handler type missing");
  char *t = lower_dup(svc->ctx, type);
  if (!t) return gost__error(GOST_ENOMEM, "out of memory");
  gost__free(svc->ctx, svc->handler_type);
  svc->handler_type = t;
  return GOST_OK;
}

int gost__service_set_meta_json(gost_service_t *svc, const char *scope, const char *key,
                                json_t *value) {
  json_t *targets[3];
  size_t nt = 0;
  if (!value) return gost__error(GOST_ENOMEM, "out of memory");
  if (!svc || !key || !*key) {
    json_decref(value);
    return gost__error(GOST_EINVAL, "service or key missing");
  }
  if (!scope) { /* an unprefixed URL key reaches all three */
    targets[nt++] = svc->handler_meta;
    targets[nt++] = svc->listener_meta;
    targets[nt++] = svc->service_meta;
  } else if (!strcasecmp(scope, "handler")) targets[nt++] = svc->handler_meta;
  else if (!strcasecmp(scope, "listener")) targets[nt++] = svc->listener_meta;
  else if (!strcasecmp(scope, "service")) targets[nt++] = svc->service_meta;
  else {
    json_decref(value);
    return gost__error(GOST_EINVAL, "unknown metadata scope \"%s\"", scope);
  }
  int rc = GOST_OK;
  for (size_t i = 0; i < nt && rc == GOST_OK; i++)
    rc = gost__meta_set_json(targets[i], key, json_incref(value));
  json_decref(value);
  return rc ? gost__error(rc, "out of memory") : GOST_OK;
}

int gost_service_set_meta(gost_service_t *svc, const char *scope, const char *key,
                          const char *value) {
  return gost__service_set_meta_json(svc, scope, key, json_string(value ? value : ""));
}

int gost_service_set_meta_json(gost_service_t *svc, const char *scope, const char *key,
                               const char *json) {
  json_t *v = gost__meta_json_parse(json);
  return v ? gost__service_set_meta_json(svc, scope, key, v) : GOST_EINVAL;
}

int gost_service_set_auth(gost_service_t *svc, const char *user, const char *pass) {
  if (!svc) return gost__error(GOST_EINVAL, "service is NULL");
  gost__auths_clear(svc->ctx, &svc->auths, &svc->nauths);
  return user ? gost__auths_add(svc->ctx, &svc->auths, &svc->nauths, user, pass) : GOST_OK;
}

int gost_service_add_bypass(gost_service_t *svc, int whitelist, const char *const *matchers, size_t n) {
  if (!svc || (n && !matchers)) return gost__error(GOST_EINVAL, "service or matchers is NULL");
  return gost__bypass_add(&svc->ctx->mem, &svc->bypass, whitelist, matchers, n);
}

void gost_service_clear_bypass(gost_service_t *svc) {
  if (svc) gost__bypass_free_all(&svc->ctx->mem, &svc->bypass);
}

int gost_service_add_auth(gost_service_t *svc, const char *user, const char *pass) {
  if (!svc || !user) return gost__error(GOST_EINVAL, "service or user is NULL");
  return gost__auths_add(svc->ctx, &svc->auths, &svc->nauths, user, pass);
}

int gost_service_set_chain(gost_service_t *svc, gost_chain_t *chain) {
  int rc = check_stopped(svc);
  if (rc) return rc;
  if (chain && chain->ctx != svc->ctx) return gost__error(GOST_EINVAL, "chain of another context");
  if (chain) gost__chain_ref(chain);
  gost__chain_unref(svc->chain);
  svc->chain = chain;
  return GOST_OK;
}

int gost_service_set_ingress(gost_service_t *svc, gost_ingress_t *ingress) {
  int rc = check_stopped(svc);
  if (rc) return rc;
  if (ingress && ingress->ctx != svc->ctx)
    return gost__error(GOST_EINVAL, "ingress of another context");
  if (ingress) gost__ingress_ref(ingress);
  gost__ingress_unref(svc->ingress);
  svc->ingress = ingress;
  return GOST_OK;
}

int gost_service_add_node(gost_service_t *svc, const char *name, const char *addr,
                          const char *filter_host) {
  char auto_name[32];
  int rc = check_stopped(svc);
  if (rc) return rc;
  if (!addr || !*addr) return gost__error(GOST_EINVAL, "node address missing");
  gost_ctx_t *ctx = svc->ctx;
  if (!name) {
    snprintf(auto_name, sizeof auto_name, "target-%zu", svc->nnodes);
    name = auto_name;
  }
  if (!gost__name_valid(name)) return gost__error(GOST_EINVAL, "invalid node name");
  struct gost_node **nodes = gost__realloc(ctx, svc->nodes, (svc->nnodes + 1) * sizeof *nodes);
  if (!nodes) return gost__error(GOST_ENOMEM, "out of memory");
  svc->nodes = nodes;
  struct gost_node *n = gost__node_new(ctx, name, addr);
  if (!n || !(n->filter_host = gost__filter_host_norm(ctx, filter_host))) {
    gost__node_free(ctx, n);
    return gost__error(GOST_ENOMEM, "out of memory");
  }
  nodes[svc->nnodes] = n;
  return (int)svc->nnodes++;
}

static struct gost_node *node_at(gost_service_t *svc, int idx) {
  return svc && idx >= 0 && (size_t)idx < svc->nnodes ? svc->nodes[idx] : NULL;
}

int gost_service_set_node_filter(gost_service_t *svc, int idx, const char *protocol,
                                 const char *path) {
  struct gost_node *n = node_at(svc, idx);
  if (!n) return gost__error(GOST_EINVAL, "no forwarder node %d", idx);
  char *pr = protocol ? lower_dup(svc->ctx, protocol) : NULL;
  char *pa = path ? gost__strdup(svc->ctx, path) : NULL;
  if ((protocol && !pr) || (path && !pa)) {
    gost__free(svc->ctx, pr);
    gost__free(svc->ctx, pa);
    return gost__error(GOST_ENOMEM, "out of memory");
  }
  if (protocol) gost__free(svc->ctx, n->filter_protocol), n->filter_protocol = pr;
  if (path) gost__free(svc->ctx, n->filter_path), n->filter_path = pa;
  return GOST_OK;
}

int gost_service_set_node_meta_json_at(gost_service_t *svc, int idx, const char *scope,
                                       const char *key, const char *json) {
  struct gost_node *n = node_at(svc, idx);
  if (!n || !key) return gost__error(GOST_EINVAL, "no forwarder node %d, or key is NULL", idx);
  json_t *v = gost__meta_json_parse(json);
  return v ? gost__node_set_meta(n, scope, key, v) : GOST_EINVAL;
}

int gost_service_set_node_meta_ex(gost_service_t *svc, const char *node, const char *scope,
                                  const char *key, const char *value) {
  if (!svc || !node || !key) return gost__error(GOST_EINVAL, "service, node or key is NULL");
  for (size_t i = 0; i < svc->nnodes; i++)
    if (!strcmp(svc->nodes[i]->name, node))
      return gost__node_set_meta(svc->nodes[i], scope, key, json_string(value ? value : ""));
  return gost__error(GOST_ENOTFOUND, "no node \"%s\" in service \"%s\"", node, svc->name);
}

int gost_service_set_node_meta(gost_service_t *svc, const char *node, const char *key,
                               const char *value) {
  return gost_service_set_node_meta_ex(svc, node, "node", key, value);
}

void gost_service_free(gost_service_t *svc) {
  if (!svc) return;
  gost_ctx_t *ctx = svc->ctx;
  gost_service_stop(svc);
  gost_list_remove(&svc->link);
  gost__ctx_disown(&svc->child);
  gost__chain_unref(svc->chain);
  gost__ingress_unref(svc->ingress);
  gost__service_limiters_clear(svc);
  for (size_t i = 0; i < svc->nnodes; i++) gost__node_free(ctx, svc->nodes[i]);
  gost__free(ctx, svc->nodes);
  gost__auths_clear(ctx, &svc->auths, &svc->nauths);
  gost__bypass_free_all(&ctx->mem, &svc->bypass);
  json_decref(svc->handler_meta);
  json_decref(svc->listener_meta);
  json_decref(svc->service_meta);
  gost__free(ctx, svc->name);
  gost__free(ctx, svc->origin);
  gost__free(ctx, svc->listener_type);
  gost__free(ctx, svc->handler_type);
  gost__free(ctx, svc->addr);
  gost__free(ctx, svc);
}

const char *gost_service_name(const gost_service_t *svc) { return svc ? svc->name : NULL; }
uint16_t gost_service_port(const gost_service_t *svc) { return svc && svc->running ? svc->port : 0; }
uint16_t gost_service_entrypoint_port(const gost_service_t *svc) {
  return svc && svc->running ? svc->entrypoint_port : 0;
}
uint64_t gost_service_stat(const gost_service_t *svc, int which) {
  if (!svc || which < 0 || which > GOST_STAT_VISITOR_SESSIONS) return 0;
  uint64_t v;
  if (gost__tunnel_service_stat(svc, which, &v)) return v; /* counts beyond svc->stats */
  return which < 4 ? svc->stats[which] : 0;
}

void gost_service_set_data(gost_service_t *svc, void *data) {
  if (svc) svc->data = data;
}
void *gost_service_get_data(const gost_service_t *svc) { return svc ? svc->data : NULL; }
