/* Shared state of the two-pass config loader: pass 1 (dry) validates with paths, pass 2 builds
 * through the public API. Both passes run the same code so they cannot disagree. */
#ifndef GOST_CONFIG_LOAD_INT_H
#define GOST_CONFIG_LOAD_INT_H

#include <jansson.h>

#include "config/config_int.h"
#include "gost/chain.h"
#include "gost/ingress.h"
#include "gost/service.h"

struct cfg {
  gost_ctx_t *ctx;
  json_t *root;
  int dry;
};

/* Records "path: cause" as GOST_ECONFIG and returns it. */
int gost__cfg_fail(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* API failure during the build pass: keep the API's message, prefix the path. */
int gost__cfg_fail_api(const char *path, int rc);

/* Optional string member; GOST_ECONFIG if present and not a string. *out NULL if absent. */
int gost__cfg_str(const json_t *obj, const char *path, const char *key, const char **out);
/* Same for an object / an array member. */
int gost__cfg_obj(const json_t *obj, const char *path, const char *key, json_t **out);
int gost__cfg_arr(const json_t *obj, const char *path, const char *key, json_t **out);
/* Scalar as text (string, number, bool) into buf; NULL for null, arrays and objects. */
const char *gost__cfg_scalar(const json_t *v, char *buf, size_t cap);

/* Name of the i-th element of a top-level section ("chains", ...), or the default
 * "<prefix>-<i>" written into buf. */
const char *gost__cfg_name(const json_t *item, const char *prefix, size_t i, char *buf, size_t cap);
/* The element of section whose (possibly default) name is name, or NULL. */
json_t *gost__cfg_find(const struct cfg *c, const char *section, const char *prefix,
                       const char *name);
/* Checks a metadata object (path.metadata) and, in the build pass, applies each member through
 * set(target, scope, key, json): json is the value as JSON text (scalars as JSON strings, since
 * metadata keeps scalars as text; lists such as `entrypoints` as they are). */
typedef int (*gost_cfg_meta_set)(void *target, const char *scope, const char *key, const char *json);
/* The node a metadata member goes to: (chain, hop, idx) or (svc, idx). */
struct gost_cfg_node_ref {
  gost_chain_t *chain;
  gost_service_t *svc;
  int hop, idx;
};
int gost__cfg_meta(const struct cfg *c, const json_t *obj, const char *path, void *target,
                   const char *scope, gost_cfg_meta_set set);

/* Where a bypass goes: a service, or a chain hop (idx < 0) or node (load_bypass.c). */
struct gost_cfg_bypass_to {
  gost_service_t *svc;
  gost_chain_t *chain;
  int hop, idx;
};
/* The bypass/bypasses members of obj and metadata md's `bypass` (command-line form). */
int gost__cfg_bypass_members(const struct cfg *c, const json_t *obj, const char *path, const json_t *md,
                             const struct gost_cfg_bypass_to *t);
/* Checks bypasses[] (names, matchers) in the dry pass. */
int gost__cfg_bypasses(struct cfg *c);

int gost__cfg_ingresses(struct cfg *c);
int gost__cfg_authers(struct cfg *c);
int gost__cfg_sds(struct cfg *c); /* load_cluster.c */
/* ingresses[i].redis + reload (load_cluster.c); ing NULL in the dry pass. */
int gost__cfg_ingress_redis(const struct cfg *c, const json_t *item, const char *path, gost_ingress_t *ing);
/* authers[i].redis + reload (load_cluster.c), applied to svc; svc NULL checks only. */
int gost__cfg_auther_redis(const struct cfg *c, const json_t *auther, const char *path, gost_service_t *svc);
int gost__cfg_chains(struct cfg *c);
/* limiters, climiters, rlimiters (load_limiter.c), and a service's references to them. */
int gost__cfg_limiters(struct cfg *c);
int gost__cfg_service_limiters(const struct cfg *c, gost_service_t *svc, const json_t *item, const char *path);
int gost__cfg_services(struct cfg *c);
/* Applies "host:uuid,host:uuid" (the handler `tunnel` option) to ing, or only checks when
 * ing is NULL. */
int gost__cfg_tunnel_rules(const char *path, const char *spec, gost_ingress_t *ing);

/* The `type` member of obj checked against the known names of kind; def when absent. */
int gost__cfg_typed(const json_t *obj, const char *path, enum gost_kind kind, const char *def,
                    const char **out);

#endif
