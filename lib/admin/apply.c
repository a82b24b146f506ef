/* Config diff-and-apply (reload, POST /config/reload, every API change, gost_ctx_apply_config).
 *
 * 1. The whole new document is loaded into a scratch context on the same loop: the loader's own
 *    validation, so a reload refuses exactly what a fresh start refuses. Nothing changes on error.
 * 2. Each named object is compared with its running version (json_equal on the normalised
 *    config): services that are new or changed, or that use a changed chain, are (re)created;
 *    removed ones stop; unchanged ones are not touched (their connections, tunnels and streams
 *    carry on). Ingress rules are swapped inside the existing ingress objects, and authers inside
 *    the services that name them, so tunnel servers keep their clients. Limiters change their
 *    limits in place: their services, and the connections open under them, carry on.
 * 3. The changed objects are built by the ordinary loader from a sub-document, then started. */
#include <stdio.h>
#include <string.h>

#include "admin/admin.h"
#include "api/api_int.h"
#include "config/config_int.h"
#include "core/error.h"
#include "core/event.h"
#include "core/log.h"
#include "gost/limiter.h"
#include "ingress/ingress.h"

static json_t *section(const json_t *tree, const char *key) {
  json_t *a = tree ? gost__cfg_get(tree, key) : NULL;
  return json_is_array(a) ? a : NULL;
}

static json_t *by_name(const json_t *arr, const char *name) {
  size_t i;
  json_t *it;
  json_array_foreach(arr, i, it) {
    const char *n = json_string_value(json_object_get(it, "name"));
    if (n && !strcmp(n, name)) return it;
  }
  return NULL;
}

static const char *name_of(const json_t *item) {
  const char *n = json_string_value(json_object_get(item, "name"));
  return n ? n : "";
}

/* Names in section key whose item differs between old and new (added, removed or changed). */
static json_t *changed_names(const json_t *old, const json_t *new, const char *key) {
  json_t *set = json_object(), *o = section(old, key), *n = section(new, key), *it;
  size_t i;
  json_array_foreach(n, i, it) {
    json_t *prev = by_name(o, name_of(it));
    if (!prev || !json_equal(prev, it)) json_object_set_new(set, name_of(it), json_true());
  }
  json_array_foreach(o, i, it) if (!by_name(n, name_of(it))) json_object_set_new(set, name_of(it), json_true());
  return set;
}

static const char *svc_str(const json_t *svc, const char *part, const char *key) {
  return json_string_value(gost__cfg_get(gost__cfg_get(svc, part), key));
}

static int uses_chain(const json_t *svc, const json_t *chains) {
  const char *h = svc_str(svc, "handler", "chain"), *l = svc_str(svc, "listener", "chain");
  return (h && json_object_get(chains, h)) || (l && json_object_get(chains, l));
}

static int uses_auther(const json_t *svc, const json_t *authers) {
  json_t *h = gost__cfg_get(svc, "handler"), *list, *v;
  const char *a = svc_str(svc, "handler", "auther");
  size_t i;
  if (a && json_object_get(authers, a)) return 1;
  list = gost__cfg_get(h, "authers");
  json_array_foreach(list, i, v) if (json_is_string(v) && json_object_get(authers, json_string_value(v))) return 1;
  return 0;
}

/* obj's bypass/bypasses members name one of the changed bypasses. */
static int uses_bypass(const json_t *obj, const json_t *bypasses) {
  const char *b = json_string_value(gost__cfg_get(obj, "bypass"));
  json_t *v;
  size_t i;
  if (b && json_object_get(bypasses, b)) return 1;
  json_array_foreach(gost__cfg_get(obj, "bypasses"), i, v)
    if (json_is_string(v) && json_object_get(bypasses, json_string_value(v))) return 1;
  return 0;
}

/* Adds to `chains` every chain whose hops or nodes use a changed bypass: it is rebuilt. */
static void chains_using(const json_t *new, const json_t *bypasses, json_t *chains) {
  json_t *c, *hop, *node;
  size_t i, j, k;
  json_array_foreach(section(new, "chains"), i, c) {
    json_array_foreach(gost__cfg_get(c, "hops"), j, hop) {
      int uses = uses_bypass(hop, bypasses);
      json_array_foreach(gost__cfg_get(hop, "nodes"), k, node) uses |= uses_bypass(node, bypasses);
      if (uses) json_object_set_new(chains, name_of(c), json_true());
    }
  }
}

/* Rules of a config ingress item into a live ingress object, replacing the old ones. */
static void swap_rules(gost_ingress_t *ing, const json_t *item) {
  const struct gost_ingress_rule *r0;
  while ((r0 = gost__ingress_rule_at(ing, 0)) != NULL && gost_ingress_remove_rule(ing, r0->host) == GOST_OK) {
  }
  json_t *rules = gost__cfg_get(item, "rules"), *r;
  size_t i;
  json_array_foreach(rules, i, r) {
    const char *host = json_string_value(gost__cfg_get(r, "hostname"));
    const char *ep = json_string_value(gost__cfg_get(r, "endpoint"));
    if (host && ep && *host && *ep) gost_ingress_set_rule(ing, host, ep); /* validated already */
  }
}

static int validate(gost_ctx_t *ctx, json_t *tree) {
  gost_ctx_t *tmp;
  int rc = gost_ctx_new_with_loop(&tmp, ctx->loop);
  if (rc) return rc;
  gost_ctx_set_log_cb(tmp, GOST_LOG_OFF, NULL, NULL);
  rc = gost__config_load(tmp, tree);
  char msg[512];
  snprintf(msg, sizeof msg, "%s", gost_last_error());
  gost_ctx_free(tmp);
  return rc ? gost__error(rc, "%s", msg) : GOST_OK;
}

struct plan {
  json_t *svc_new; /* services to (re)create: array of items */
  json_t *svc_gone; /* names to stop and free (removed or changed) */
  json_t *svc_auth; /* unchanged services whose authers changed: array of items */
  json_t *chains_new, *chains_gone;
  json_t *ing_new, *ing_swap, *ing_gone;
  int added, changed, removed, kept;
  gost_ctx_t *ctx;
  json_t *lim_new[3], *lim_swap[3], *lim_gone[3]; /* per limiter section (plan_limiters) */
};

static void plan_free(struct plan *p) {
  json_decref(p->svc_new);
  json_decref(p->svc_gone);
  json_decref(p->svc_auth);
  json_decref(p->chains_new);
  json_decref(p->chains_gone);
  json_decref(p->ing_new);
  json_decref(p->ing_swap);
  json_decref(p->ing_gone);
  for (int k = 0; k < 3; k++) {
    json_decref(p->lim_new[k]);
    json_decref(p->lim_swap[k]);
    json_decref(p->lim_gone[k]);
  }
}

static const char *const lim_sections[3] = {"limiters", "climiters", "rlimiters"};
static const gost_limiter_kind_t lim_kinds[3] = {GOST_LIMITER_TRAFFIC, GOST_LIMITER_CONN, GOST_LIMITER_RATE};

/* Limiters: new ones are built with the services, changed ones are updated in place, removed
 * ones go once their services have. */
static void plan_limiters(const json_t *old, const json_t *new, struct plan *p) {
  for (int k = 0; k < 3; k++) {
    json_t *o = section(old, lim_sections[k]), *n = section(new, lim_sections[k]), *it;
    size_t i;
    p->lim_new[k] = json_array(), p->lim_swap[k] = json_array(), p->lim_gone[k] = json_array();
    json_array_foreach(n, i, it) {
      json_t *prev = by_name(o, name_of(it));
      if (!gost_ctx_limiter(p->ctx, lim_kinds[k], name_of(it))) json_array_append(p->lim_new[k], it);
      else if (!prev || !json_equal(prev, it)) json_array_append(p->lim_swap[k], it);
    }
    json_array_foreach(o, i, it) if (!by_name(n, name_of(it)))
        json_array_append_new(p->lim_gone[k], json_string(name_of(it)));
  }
}

static void make_plan(const json_t *old, const json_t *new, struct plan *p) {
  json_t *chains = changed_names(old, new, "chains"), *authers = changed_names(old, new, "authers");
  json_t *bypasses = changed_names(old, new, "bypasses");
  chains_using(new, bypasses, chains);
  json_t *os = section(old, "services"), *ns = section(new, "services"), *it;
  size_t i;
  gost_ctx_t *ctx = p->ctx;
  memset(p, 0, sizeof *p);
  p->ctx = ctx;
  p->svc_new = json_array(), p->svc_gone = json_array(), p->svc_auth = json_array();
  p->chains_new = json_array(), p->chains_gone = json_array();
  p->ing_new = json_array(), p->ing_swap = json_array(), p->ing_gone = json_array();
  json_array_foreach(ns, i, it) {
    json_t *prev = by_name(os, name_of(it));
    if (!prev) {
      p->added++;
      json_array_append(p->svc_new, it);
    } else if (!json_equal(prev, it) || uses_chain(it, chains) || uses_bypass(it, bypasses)) {
      p->changed++;
      json_array_append(p->svc_new, it);
      json_array_append_new(p->svc_gone, json_string(name_of(it)));
    } else {
      p->kept++;
      if (uses_auther(it, authers)) json_array_append(p->svc_auth, it);
    }
  }
  json_array_foreach(os, i, it) {
    if (by_name(ns, name_of(it))) continue;
    p->removed++;
    json_array_append_new(p->svc_gone, json_string(name_of(it)));
  }
  json_t *oc = section(old, "chains"), *nc = section(new, "chains");
  json_array_foreach(nc, i, it) if (json_object_get(chains, name_of(it))) json_array_append(p->chains_new, it);
  json_array_foreach(oc, i, it) if (json_object_get(chains, name_of(it)))
      json_array_append_new(p->chains_gone, json_string(name_of(it)));
  json_t *oi = section(old, "ingresses"), *ni = section(new, "ingresses");
  json_array_foreach(ni, i, it) {
    json_t *prev = by_name(oi, name_of(it));
    if (!prev && !gost_ctx_ingress(p->ctx, name_of(it))) json_array_append(p->ing_new, it);
    else if (!prev || !json_equal(prev, it)) json_array_append(p->ing_swap, it); /* kept object */
  }
  json_array_foreach(oi, i, it) if (!by_name(ni, name_of(it))) json_array_append_new(p->ing_gone, json_string(name_of(it)));
  plan_limiters(old, new, p);
  json_decref(chains);
  json_decref(authers);
  json_decref(bypasses);
}

static void set_if(json_t *doc, const char *key, json_t *v) {
  if (v && (!json_is_array(v) || json_array_size(v))) json_object_set(doc, key, v);
}

/* Builds and starts the planned objects. Errors after validation are start failures (a port
 * taken meanwhile): reported, the rest applied. */
static int execute(gost_ctx_t *ctx, json_t *tree, struct plan *p) {
  size_t i;
  json_t *v;
  json_array_foreach(p->svc_gone, i, v) gost_service_free(gost_ctx_service(ctx, json_string_value(v)));
  json_array_foreach(p->chains_gone, i, v) {
    gost_chain_t *ch = gost_ctx_chain(ctx, json_string_value(v));
    if (ch) gost_chain_free(ch); /* services still using it keep their reference */
  }
  json_array_foreach(p->ing_swap, i, v) {
    gost_ingress_t *ing = gost_ctx_ingress(ctx, name_of(v));
    if (ing) swap_rules(ing, v);
  }
  for (int k = 0; k < 3; k++)
    json_array_foreach(p->lim_swap[k], i, v) gost__config_limiter_update(ctx, lim_sections[k], v); /* validated */
  json_array_foreach(p->svc_auth, i, v) {
    gost_service_t *svc = gost_ctx_service(ctx, name_of(v));
    if (svc) gost__config_service_auths(ctx, svc, tree, v);
  }
  json_t *doc = json_object();
  set_if(doc, "authers", section(tree, "authers"));
  set_if(doc, "bypasses", section(tree, "bypasses"));
  set_if(doc, "ingresses", p->ing_new);
  for (int k = 0; k < 3; k++) set_if(doc, lim_sections[k], p->lim_new[k]);
  set_if(doc, "chains", p->chains_new);
  set_if(doc, "services", p->svc_new);
  set_if(doc, "log", gost__cfg_get(tree, "log"));
  int rc = gost__config_load(ctx, doc);
  json_decref(doc);
  if (rc != GOST_OK) return rc;
  /* A removed ingress is emptied, not freed: entrypoints may point at it without a reference.
   * Its name stays taken by the empty object, which a later document reuses. */
  static const json_t *const no_rules = NULL;
  json_array_foreach(p->ing_gone, i, v) {
    gost_ingress_t *ing = gost_ctx_ingress(ctx, json_string_value(v));
    if (ing) swap_rules(ing, no_rules);
  }
  for (int k = 0; k < 3; k++)
    json_array_foreach(p->lim_gone[k], i, v) gost_limiter_free(gost_ctx_limiter(ctx, lim_kinds[k], json_string_value(v)));
  char failed[512] = "";
  json_array_foreach(p->svc_new, i, v) {
    gost_service_t *svc = gost_ctx_service(ctx, name_of(v));
    if (svc && !svc->running && gost_service_start(svc) != GOST_OK) {
      GOST_ERROR(ctx, "reload: service %s: %s", name_of(v), gost_last_error());
      if (!failed[0]) snprintf(failed, sizeof failed, "service %s: %s", name_of(v), gost_last_error());
    }
  }
  return failed[0] ? gost__error(GOST_EIO, "applied, but %s", failed) : GOST_OK;
}

static void announce(gost_ctx_t *ctx, int type, const char *detail) {
  gost_event_t ev = {.type = type, .detail = detail};
  gost__event_emit(ctx, &ev);
}

int gost__admin_apply_tree(gost_ctx_t *ctx, json_t *in, char *summary, size_t cap) {
  json_t *tree = gost__config_normalize(in), *item;
  if (!tree) return gost__error(GOST_ENOMEM, "out of memory");
  size_t i;
  /* stock's read-only service status (GET /config) sent back in a change is ignored, as stock */
  json_array_foreach(section(tree, "services"), i, item) json_object_del(item, "status");
  int rc = validate(ctx, tree);
  if (rc != GOST_OK) {
    GOST_ERROR(ctx, "config not applied (the running config is kept): %s", gost_last_error());
    announce(ctx, GOST_EVENT_CONFIG_FAILED, gost_last_error());
    json_decref(tree);
    return rc;
  }
  struct plan p;
  p.ctx = ctx;
  make_plan(ctx->config_tree, tree, &p);
  rc = execute(ctx, tree, &p);
  char msg[512];
  snprintf(msg, sizeof msg, "%s", rc ? gost_last_error() : "");
  json_decref(ctx->config_tree); /* the loader appended the sub-document: replace it all */
  ctx->config_tree = tree;
  int src = gost__admin_sync_servers(ctx);
  if (!rc && src) {
    rc = src;
    snprintf(msg, sizeof msg, "%s", gost_last_error());
  }
  char sum[160];
  size_t lims = 0;
  for (int k = 0; k < 3; k++)
    lims += json_array_size(p.lim_new[k]) + json_array_size(p.lim_swap[k]) + json_array_size(p.lim_gone[k]);
  snprintf(sum, sizeof sum, "%d added, %d changed, %d removed, %d unchanged services; %zu ingresses updated",
           p.added, p.changed, p.removed, p.kept, json_array_size(p.ing_swap) + json_array_size(p.ing_new) +
           json_array_size(p.ing_gone));
  if (lims) snprintf(sum + strlen(sum), sizeof sum - strlen(sum), "; %zu limiters updated", lims);
  if (summary) snprintf(summary, cap, "%s", sum);
  GOST_INFO(ctx, "config applied: %s%s%s", sum, rc ? "; " : "", rc ? msg : "");
  announce(ctx, GOST_EVENT_CONFIG_APPLIED, sum);
  plan_free(&p);
  return rc ? gost__error(rc, "%s", msg) : GOST_OK;
}

int gost_ctx_apply_config(gost_ctx_t *ctx, const char *text, size_t len) {
  if (!ctx || !text) return gost__error(GOST_EINVAL, "ctx or text is NULL");
  json_t *root;
  int rc = gost__config_parse(text, len, 1, &root);
  if (rc != GOST_OK) return rc;
  if (!json_is_object(root)) {
    json_decref(root);
    return gost__error(GOST_ECONFIG, "config: expected an object");
  }
  gost__config_add_cmdline(ctx, root);
  rc = gost__admin_apply_tree(ctx, root, NULL, 0);
  json_decref(root);
  return rc;
}

int gost_ctx_reload(gost_ctx_t *ctx) {
  if (!ctx) return gost__error(GOST_EINVAL, "ctx is NULL");
  if (!ctx->config_path) return gost__error(GOST_ESTATE, "no config file to reload (not started with -C)");
  json_t *root;
  int rc = gost__config_read_file(ctx->config_path, &root);
  if (rc != GOST_OK) {
    GOST_ERROR(ctx, "reload: %s", gost_last_error());
    return rc;
  }
  if (!json_is_object(root)) {
    json_decref(root);
    return gost__error(GOST_ECONFIG, "%s: expected an object", ctx->config_path);
  }
  gost__config_add_cmdline(ctx, root);
  rc = gost__admin_apply_tree(ctx, root, NULL, 0);
  json_decref(root);
  return rc;
}
