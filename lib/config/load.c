/* Config tree -> context: the all-or-nothing driver, plus ingresses, authers and log. */
#include <stdio.h>
#include <string.h>

#include "codec/uuid.h"
#include "config/load_int.h"
#include "config/schema.h"
#include "core/error.h"
#include "core/log.h"
#include "core/logsink.h"
#include "gost/chain.h"
#include "gost/ingress.h"
#include "gost/cluster.h"
#include "gost/limiter.h"
#include "gost/service.h"

int gost__cfg_tunnel_rules(const char *path, const char *spec, gost_ingress_t *ing) {
  char buf[1024];
  uint8_t id[GOST__UUID_LEN];
  if (strlen(spec) >= sizeof buf) return gost__cfg_fail(path, "too long");
  snprintf(buf, sizeof buf, "%s", spec);
  for (char *save = NULL, *r = strtok_r(buf, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
    char *colon = strrchr(r, ':'); /* hostnames carry no port; the UUID has no ':' */
    if (!colon) return gost__cfg_fail(path, "rule \"%s\": expected host:tunnel-id", r);
    *colon = '\0';
    const char *host = r, *ep = colon + 1;
    char norm[256];
    if (!*ep || gost_ingress_normalize_host(host, norm, sizeof norm) < 0) continue; /* dropped */
    if (gost__uuid_parse(ep + (*ep == '$'), strlen(ep + (*ep == '$')), id) != GOST_OK)
      return gost__cfg_fail(path, "invalid tunnel ID \"%s\"", ep);
    if (ing) {
      int rc = gost_ingress_set_rule(ing, host, ep);
      if (rc) return gost__cfg_fail_api(path, rc);
    }
  }
  return GOST_OK;
}

/* Duplicate names inside one document, and clashes with objects already in the context. */
static int check_name(const struct cfg *c, const char *section, const char *prefix, size_t i,
                      const char *name, const char *path, int exists) {
  char buf[64];
  json_t *arr = gost__cfg_get(c->root, section), *item;
  for (size_t j = 0; j < i; j++) {
    item = json_array_get(arr, j);
    if (json_is_object(item) && !strcmp(gost__cfg_name(item, prefix, j, buf, sizeof buf), name))
      return gost__cfg_fail(path, "duplicate %s name \"%s\"", prefix, name);
  }
  if (exists) return gost__cfg_fail(path, "%s \"%s\" already exists", prefix, name);
  return GOST_OK;
}

int gost__cfg_ingresses(struct cfg *c) {
  json_t *arr, *item;
  size_t i;
  int rc = gost__cfg_arr(c->root, NULL, "ingresses", &arr);
  if (rc || !arr) return rc;
  json_array_foreach(arr, i, item) {
    char path[64], nbuf[64], rpath[128];
    snprintf(path, sizeof path, "ingresses[%zu]", i);
    if (!json_is_object(item)) return gost__cfg_fail(path, "expected an object");
    const char *name = gost__cfg_name(item, "ingress", i, nbuf, sizeof nbuf);
    if ((rc = check_name(c, "ingresses", "ingress", i, name, path,
                         gost_ctx_ingress(c->ctx, name) != NULL)))
      return rc;
    json_t *rules, *rule;
    size_t j;
    if ((rc = gost__cfg_arr(item, path, "rules", &rules))) return rc;
    gost_ingress_t *ing = NULL;
    if (!c->dry && (rc = gost_ingress_new(&ing, c->ctx, name))) return gost__cfg_fail_api(path, rc);
    json_array_foreach(rules, j, rule) {
      const char *host, *ep;
      snprintf(rpath, sizeof rpath, "%s.rules[%zu]", path, j);
      if (!json_is_object(rule)) return gost__cfg_fail(rpath, "expected an object");
      if ((rc = gost__cfg_str(rule, rpath, "hostname", &host)) ||
          (rc = gost__cfg_str(rule, rpath, "endpoint", &ep)))
        return rc;
      char norm[256];
      uint8_t id[GOST__UUID_LEN];
      /* GOST drops rules with an empty hostname or endpoint. */
      if (!host || !ep || !*ep || gost_ingress_normalize_host(host, norm, sizeof norm) < 0) continue;
      if (gost__uuid_parse(ep + (*ep == '$'), strlen(ep + (*ep == '$')), id) != GOST_OK) {
        char ep_path[160];
        snprintf(ep_path, sizeof ep_path, "%s.endpoint", rpath);
        return gost__cfg_fail(ep_path, "invalid tunnel ID \"%s\"", ep);
      }
      if (ing && (rc = gost_ingress_set_rule(ing, host, ep))) return gost__cfg_fail_api(rpath, rc);
    }
    if ((rc = gost__cfg_ingress_redis(c, item, path, ing))) return rc;
  }
  return GOST_OK;
}

/* Authers are not context objects: services copy their pairs (see load_service.c). */
int gost__cfg_authers(struct cfg *c) {
  json_t *arr, *item;
  size_t i;
  int rc = gost__cfg_arr(c->root, NULL, "authers", &arr);
  if (rc || !arr) return rc;
  json_array_foreach(arr, i, item) {
    char path[64], nbuf[64], apath[128];
    snprintf(path, sizeof path, "authers[%zu]", i);
    if (!json_is_object(item)) return gost__cfg_fail(path, "expected an object");
    const char *name = gost__cfg_name(item, "auther", i, nbuf, sizeof nbuf);
    if ((rc = check_name(c, "authers", "auther", i, name, path, 0))) return rc;
    json_t *auths, *a;
    size_t j;
    if ((rc = gost__cfg_arr(item, path, "auths", &auths))) return rc;
    json_array_foreach(auths, j, a) {
      const char *u, *p;
      snprintf(apath, sizeof apath, "%s.auths[%zu]", path, j);
      if (!json_is_object(a)) return gost__cfg_fail(apath, "expected an object");
      if ((rc = gost__cfg_str(a, apath, "username", &u)) ||
          (rc = gost__cfg_str(a, apath, "password", &p)))
        return rc;
      if (!u) return gost__cfg_fail(apath, "username: missing");
    }
    if ((rc = gost__cfg_auther_redis(c, item, path, NULL))) return rc;
  }
  return GOST_OK;
}

/* log: {level, format: json|text, output: stderr|stdout|<file>, rotation: {...}} as stock. */
static int cfg_log(struct cfg *c) {
  json_t *log, *rot;
  const char *level, *format, *output;
  int rc = gost__cfg_obj(c->root, NULL, "log", &log);
  if (rc || !log) return rc;
  if ((rc = gost__cfg_str(log, "log", "level", &level)) || (rc = gost__cfg_str(log, "log", "format", &format)) ||
      (rc = gost__cfg_str(log, "log", "output", &output)) || (rc = gost__cfg_obj(log, "log", "rotation", &rot)))
    return rc;
  int lv = level ? gost_log_level_parse(level) : -1;
  if (level && lv < 0) return gost__cfg_fail("log.level", "unknown level \"%s\"", level);
  if (format && strcmp(format, "json") && strcmp(format, "text"))
    return gost__cfg_fail("log.format", "expected json or text, not \"%s\"", format);
  struct gost_log_rotation r = {0, 0, 0, 0, 0};
  static const char *const keys[] = {"maxSize", "maxBackups", "maxAge"};
  for (int i = 0; rot && i < 3; i++) {
    json_t *v = gost__cfg_get(rot, keys[i]);
    char p[64];
    snprintf(p, sizeof p, "log.rotation.%s", keys[i]);
    if (v && (!json_is_integer(v) || json_integer_value(v) < 0))
      return gost__cfg_fail(p, "expected a non-negative integer");
    json_int_t n = v ? json_integer_value(v) : 0;
    if (i == 0) r.max_size_mb = (uint64_t)n;
    else if (i == 1) r.max_backups = (int)n;
    else r.max_age_days = (int)n;
  }
  r.local_time = rot && json_is_true(gost__cfg_get(rot, "localTime"));
  r.compress = rot && json_is_true(gost__cfg_get(rot, "compress")); /* gzip backups (core/loggz.c) */
  if (c->dry) return GOST_OK;
  if (output && (rc = gost__log_configure(c->ctx, format, output, &r))) return rc;
  if (!output && format) gost__log_configure(c->ctx, format, NULL, NULL);
  if (level) gost_ctx_set_log_level(c->ctx, lv);
  return GOST_OK;
}

/* api: {addr, pathPrefix, accesslog, auth: {username, password}, auther} and
 * metrics: {addr, path, auth} are served by lib/admin at gost_ctx_start; checked here so a
 * bad section is refused with the rest of the document. */
static int cfg_server(struct cfg *c, const char *key) {
  json_t *o, *auth;
  const char *addr, *s;
  int rc = gost__cfg_obj(c->root, NULL, key, &o);
  if (rc || !o) return rc;
  if ((rc = gost__cfg_str(o, key, "addr", &addr)) || (rc = gost__cfg_str(o, key, "pathPrefix", &s)) ||
      (rc = gost__cfg_str(o, key, "path", &s)) || (rc = gost__cfg_str(o, key, "auther", &s)) ||
      (rc = gost__cfg_obj(o, key, "auth", &auth)))
    return rc;
  if (!addr || !*addr) {
    char p[32];
    snprintf(p, sizeof p, "%s.addr", key);
    return gost__cfg_fail(p, "missing");
  }
  if (auth) {
    char p[32];
    snprintf(p, sizeof p, "%s.auth", key);
    if ((rc = gost__cfg_str(auth, p, "username", &s)) || (rc = gost__cfg_str(auth, p, "password", &s))) return rc;
  }
  if ((s = json_string_value(gost__cfg_get(o, "auther"))) && *s && !gost__cfg_find(c, "authers", "auther", s)) {
    char p[32];
    snprintf(p, sizeof p, "%s.auther", key);
    return gost__cfg_fail(p, "unknown auther \"%s\"", s);
  }
  return GOST_OK;
}

static int run_pass(struct cfg *c) {
  int rc;
  if ((rc = gost__cfg_sds(c)) || (rc = gost__cfg_authers(c)) || (rc = gost__cfg_bypasses(c)) || (rc = gost__cfg_ingresses(c)) ||
      (rc = gost__cfg_limiters(c)) || (rc = gost__cfg_chains(c)) ||
      (rc = gost__cfg_services(c)))
    return rc;
  if ((rc = cfg_server(c, "api")) || (rc = cfg_server(c, "metrics"))) return rc;
  return cfg_log(c);
}

/* Frees, newest first, every object of section that the build pass created. The dry pass
 * refused names already in the context, so each document name found there is this load's. */
static void rollback_section(const struct cfg *c, const char *section, const char *prefix) {
  json_t *arr = gost__cfg_get(c->root, section);
  char buf[64];
  for (size_t i = json_array_size(arr); i-- > 0;) {
    json_t *item = json_array_get(arr, i);
    if (!json_is_object(item)) continue;
    const char *name = gost__cfg_name(item, prefix, i, buf, sizeof buf);
    if (!strcmp(section, "services")) gost_service_free(gost_ctx_service(c->ctx, name));
    else if (!strcmp(section, "chains")) gost_chain_free(gost_ctx_chain(c->ctx, name));
    else if (!strcmp(section, "sds")) gost_sd_free(gost_ctx_sd(c->ctx, name));
    else if (!strcmp(section, "limiters")) gost_limiter_free(gost_ctx_limiter(c->ctx, GOST_LIMITER_TRAFFIC, name));
    else if (!strcmp(section, "climiters")) gost_limiter_free(gost_ctx_limiter(c->ctx, GOST_LIMITER_CONN, name));
    else if (!strcmp(section, "rlimiters")) gost_limiter_free(gost_ctx_limiter(c->ctx, GOST_LIMITER_RATE, name));
    else gost_ingress_free(gost_ctx_ingress(c->ctx, name));
  }
}

/* Services first: they hold references on the chains and ingresses. */
static void rollback(const struct cfg *c) {
  rollback_section(c, "services", "service");
  rollback_section(c, "chains", "chain");
  rollback_section(c, "ingresses", "ingress");
  rollback_section(c, "sds", "sd");
  rollback_section(c, "limiters", "limiter");
  rollback_section(c, "climiters", "climiter");
  rollback_section(c, "rlimiters", "rlimiter");
}

int gost__config_load(gost_ctx_t *ctx, json_t *root) {
  if (!ctx) return gost__error(GOST_EINVAL, "ctx is NULL");
  if (!json_is_object(root)) return gost__error(GOST_ECONFIG, "config: expected an object");
  struct cfg c = {.ctx = ctx, .root = root, .dry = 1};
  int rc = gost__schema_check(ctx, root);
  if (rc) return rc;
  rc = run_pass(&c);
  if (rc) return rc;
  c.dry = 0;
  if ((rc = run_pass(&c)) != GOST_OK) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s", gost_last_error());
    rollback(&c);
    return gost__error(rc, "%s", msg);
  }
  gost__config_remember(ctx, root);
  return GOST_OK;
}
