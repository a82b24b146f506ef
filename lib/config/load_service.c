/* services[] -> gost_service_t: handler, listener, forwarder, auth, chain and ingress links. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/load_int.h"
#include "core/error.h"
#include "gost/ingress.h"

static int svc_meta_set(void *target, const char *scope, const char *key, const char *json) {
  return gost_service_set_meta_json(target, scope, key, json);
}

static int fwd_node_meta_set(void *target, const char *scope, const char *key, const char *json) {
  const struct gost_cfg_node_ref *r = target;
  return gost_service_set_node_meta_json_at(r->svc, r->idx, scope, key, json);
}

/* A chain named by handler.chain / listener.chain must exist in the document or context. */
static int chain_ref(const struct cfg *c, const json_t *obj, const char *path, const char **out) {
  char p[200];
  snprintf(p, sizeof p, "%s.chain", path);
  int rc = gost__cfg_str(obj, path, "chain", out);
  if (rc || !*out) return rc;
  if (!**out) *out = NULL;
  else if (!gost__cfg_find(c, "chains", "chain", *out) && !gost_ctx_chain(c->ctx, *out))
    return gost__cfg_fail(p, "unknown chain \"%s\"", *out);
  return GOST_OK;
}

/* A list of tunnel IDs (checked by the schema) as "a,b"; NULL when absent (any tunnel). */
static char *id_list(const json_t *list) {
  size_t i, cap = json_array_size(list) * 40 + 1;
  json_t *v;
  if (!json_is_array(list)) return NULL;
  char *s = calloc(1, cap);
  if (!s) return NULL;
  json_array_foreach(list, i, v) {
    size_t n = strlen(s);
    snprintf(s + n, cap - n, "%s%s", i ? "," : "", json_string_value(v));
  }
  return s;
}

/* One user (auther entry or handler auth): credentials and, optionally, its own tunnels. */
static int add_user(gost_service_t *svc, const json_t *entry, const char *path) {
  const json_t *bl = gost__cfg_get(entry, "bind"), *vl = gost__cfg_get(entry, "visit");
  char *bind = id_list(bl), *visit = id_list(vl);
  int rc = (json_is_array(bl) && !bind) || (json_is_array(vl) && !visit)
               ? gost__error(GOST_ENOMEM, "out of memory")
               : gost_service_add_auth_tunnels(svc, json_string_value(gost__cfg_get(entry, "username")),
                                               json_string_value(gost__cfg_get(entry, "password")),
                                               bind, visit);
  free(bind);
  free(visit);
  return rc ? gost__cfg_fail_api(path, rc) : GOST_OK;
}

/* Copies the pairs of the named document auther into svc (build pass). */
static int auther_ref(const struct cfg *c, gost_service_t *svc, const char *path, const char *name) {
  json_t *a = gost__cfg_find(c, "authers", "auther", name), *auths, *pair;
  size_t i;
  if (!a) return gost__cfg_fail(path, "unknown auther \"%s\"", name);
  if (json_object_get(a, "redis")) return gost__cfg_auther_redis(c, a, path, svc); /* docs/cluster.md */
  if (c->dry) return GOST_OK;
  auths = gost__cfg_get(a, "auths");
  json_array_foreach(auths, i, pair) {
    int rc = add_user(svc, pair, path);
    if (rc) return rc;
  }
  return GOST_OK;
}

static int handler_auth(const struct cfg *c, gost_service_t *svc, const json_t *h, const char *path) {
  char p[200];
  json_t *auth, *list, *v;
  const char *name;
  size_t i;
  snprintf(p, sizeof p, "%s.handler", path);
  int rc = gost__cfg_obj(h, p, "auth", &auth);
  if (rc) return rc;
  if (auth) {
    const char *u, *pw;
    char ap[256];
    snprintf(ap, sizeof ap, "%s.auth", p);
    if ((rc = gost__cfg_str(auth, ap, "username", &u)) || (rc = gost__cfg_str(auth, ap, "password", &pw)))
      return rc;
    if (u && !c->dry && (rc = add_user(svc, auth, ap))) return rc;
  }
  if ((rc = gost__cfg_str(h, p, "auther", &name))) return rc;
  if (name && *name) {
    char ap[256];
    snprintf(ap, sizeof ap, "%s.auther", p);
    if ((rc = auther_ref(c, svc, ap, name))) return rc;
  }
  if ((rc = gost__cfg_arr(h, p, "authers", &list))) return rc;
  json_array_foreach(list, i, v) {
    char ap[256];
    snprintf(ap, sizeof ap, "%s.authers[%zu]", p, i);
    if (!json_is_string(v)) return gost__cfg_fail(ap, "expected a string");
    if ((rc = auther_ref(c, svc, ap, json_string_value(v)))) return rc;
  }
  return GOST_OK;
}

/* Handler metadata `ingress` names an ingress; otherwise `tunnel=host:uuid,...` makes an
 * anonymous one owned by the service (wire-spec §4.7). */
static int handler_ingress(const struct cfg *c, gost_service_t *svc, const json_t *h,
                           const char *path) {
  char p[200];
  json_t *md = gost__cfg_get(h, "metadata");
  const char *name = json_string_value(gost__cfg_get(md, "ingress"));
  const char *spec = json_string_value(gost__cfg_get(md, "tunnel"));
  int rc;
  if (name && *name) {
    gost_ingress_t *ing = gost_ctx_ingress(c->ctx, name);
    int in_doc = gost__cfg_find(c, "ingresses", "ingress", name) != NULL;
    if (in_doc || ing) {
      if (!c->dry && (rc = gost_service_set_ingress(svc, ing))) return gost__cfg_fail_api(path, rc);
      return GOST_OK;
    }
    if (!spec) {
      snprintf(p, sizeof p, "%s.handler.metadata.ingress", path);
      return gost__cfg_fail(p, "unknown ingress \"%s\"", name);
    }
  }
  if (!spec || !*spec) return GOST_OK;
  snprintf(p, sizeof p, "%s.handler.metadata.tunnel", path);
  if (c->dry) return gost__cfg_tunnel_rules(p, spec, NULL);
  gost_ingress_t *ing;
  if ((rc = gost_ingress_new(&ing, c->ctx, NULL))) return gost__cfg_fail_api(p, rc);
  rc = gost__cfg_tunnel_rules(p, spec, ing);
  if (!rc && (rc = gost_service_set_ingress(svc, ing))) rc = gost__cfg_fail_api(p, rc);
  gost_ingress_free(ing); /* the service holds it now (or nobody, on failure) */
  return rc;
}

static int forward_node(const struct cfg *c, gost_service_t *svc, const json_t *n, const char *path,
                        size_t i) {
  const char *name, *addr, *host, *proto, *fpath;
  json_t *filter;
  char fp[200];
  int rc;
  if (!json_is_object(n)) return gost__cfg_fail(path, "expected an object");
  snprintf(fp, sizeof fp, "%s.filter", path);
  if ((rc = gost__cfg_str(n, path, "name", &name)) || (rc = gost__cfg_str(n, path, "addr", &addr)) ||
      (rc = gost__cfg_obj(n, path, "filter", &filter)))
    return rc;
  if (filter) { /* filter.* wins over the legacy top-level host/protocol/path */
    if ((rc = gost__cfg_str(filter, fp, "host", &host)) ||
        (rc = gost__cfg_str(filter, fp, "protocol", &proto)) ||
        (rc = gost__cfg_str(filter, fp, "path", &fpath)))
      return rc;
  } else if ((rc = gost__cfg_str(n, path, "host", &host)) ||
             (rc = gost__cfg_str(n, path, "protocol", &proto)) ||
             (rc = gost__cfg_str(n, path, "path", &fpath)))
    return rc;
  if (!addr || !*addr) {
    snprintf(fp, sizeof fp, "%s.addr", path);
    return gost__cfg_fail(fp, "missing");
  }
  struct gost_cfg_node_ref node = {.svc = svc};
  if (!c->dry) {
    char nbuf[32];
    snprintf(nbuf, sizeof nbuf, "target-%zu", i);
    node.idx = gost_service_add_node(svc, name && *name ? name : nbuf, addr, host);
    if (node.idx < 0) return gost__cfg_fail_api(path, node.idx);
    if ((proto || fpath) && (rc = gost_service_set_node_filter(svc, node.idx, proto, fpath)))
      return gost__cfg_fail_api(path, rc);
  }
  return gost__cfg_meta(c, n, path, &node, "node", fwd_node_meta_set);
}

static int load_service(struct cfg *c, const json_t *item, size_t i) {
  char path[64], nbuf[64], p[160];
  json_t *h, *l, *fw, *nodes, *n;
  const char *addr, *htype, *ltype, *hchain, *lchain;
  size_t j;
  int rc;
  snprintf(path, sizeof path, "services[%zu]", i);
  if (!json_is_object(item)) return gost__cfg_fail(path, "expected an object");
  const char *name = gost__cfg_name(item, "service", i, nbuf, sizeof nbuf);
  if (gost__cfg_find(c, "services", "service", name) != item)
    return gost__cfg_fail(path, "duplicate service name \"%s\"", name);
  if (c->dry && gost_ctx_service(c->ctx, name))
    return gost__cfg_fail(path, "service \"%s\" already exists", name);
  snprintf(p, sizeof p, "%s.handler", path);
  if ((rc = gost__cfg_str(item, path, "addr", &addr)) || (rc = gost__cfg_obj(item, path, "handler", &h)) ||
      (rc = gost__cfg_obj(item, path, "listener", &l)) ||
      (rc = gost__cfg_obj(item, path, "forwarder", &fw)) ||
      (rc = gost__cfg_typed(h, path, GOST_KIND_HANDLER, NULL, &htype)) ||
      (rc = gost__cfg_typed(l, path, GOST_KIND_LISTENER, "tcp", &ltype)) || (rc = chain_ref(c, h, p, &hchain)))
    return rc;
  snprintf(p, sizeof p, "%s.listener", path);
  if ((rc = chain_ref(c, l, p, &lchain))) return rc;
  if (!addr || !*addr) {
    snprintf(p, sizeof p, "%s.addr", path);
    return gost__cfg_fail(p, "missing");
  }
  gost_service_t *svc = NULL;
  if (!c->dry) {
    if ((rc = gost_service_new(&svc, c->ctx, name)) || (rc = gost_service_set_origin(svc, path)) ||
        (rc = gost_service_set_handler(svc, htype)) ||
        (rc = gost_service_set_listener(svc, ltype, addr)))
      return gost__cfg_fail_api(path, rc);
    /* One chain slot: the listener's for rtcp/rudp (it dials the server), else the handler's. */
    int remote = !strcasecmp(ltype, "rtcp") || !strcasecmp(ltype, "rudp");
    const char *cname = remote && lchain ? lchain : hchain ? hchain : lchain;
    if (cname && (rc = gost_service_set_chain(svc, gost_ctx_chain(c->ctx, cname))))
      return gost__cfg_fail_api(path, rc);
  }
  snprintf(p, sizeof p, "%s.handler", path);
  if ((rc = gost__cfg_meta(c, h, p, svc, "handler", svc_meta_set))) return rc;
  snprintf(p, sizeof p, "%s.listener", path);
  if ((rc = gost__cfg_meta(c, l, p, svc, "listener", svc_meta_set))) return rc;
  if ((rc = gost__cfg_meta(c, item, path, svc, "service", svc_meta_set)) ||
      (rc = handler_auth(c, svc, h, path)) || (rc = handler_ingress(c, svc, h, path)) ||
      (rc = gost__cfg_service_limiters(c, svc, item, path)))
    return rc;
  const struct gost_cfg_bypass_to bt = {.svc = svc};
  if ((rc = gost__cfg_bypass_members(c, item, path, gost__cfg_get(h, "metadata"), &bt))) return rc;
  snprintf(p, sizeof p, "%s.forwarder", path);
  if ((rc = gost__cfg_arr(fw, p, "nodes", &nodes))) return rc;
  json_array_foreach(nodes, j, n) {
    char np[200];
    snprintf(np, sizeof np, "%s.forwarder.nodes[%zu]", path, j);
    if ((rc = forward_node(c, svc, n, np, j))) return rc;
  }
  return GOST_OK;
}

int gost__cfg_services(struct cfg *c) {
  json_t *arr, *item;
  size_t i;
  int rc = gost__cfg_arr(c->root, NULL, "services", &arr);
  if (rc || !arr) return rc;
  json_array_foreach(arr, i, item) {
    if ((rc = load_service(c, item, i))) return rc;
  }
  return GOST_OK;
}

int gost__config_service_auths(gost_ctx_t *ctx, gost_service_t *svc, json_t *root, json_t *item) {
  struct cfg c = {.ctx = ctx, .root = root, .dry = 1};
  json_t *h = gost__cfg_get(item, "handler");
  if (!json_is_object(h)) h = NULL;
  char path[300];
  snprintf(path, sizeof path, "services[%s]", gost_service_name(svc));
  int rc = h ? handler_auth(&c, svc, h, path) : GOST_OK; /* checked before anything changes */
  if (rc) return rc;
  gost_service_set_auth(svc, NULL, NULL); /* clears every pair */
  c.dry = 0;
  return h ? handler_auth(&c, svc, h, path) : GOST_OK;
}
