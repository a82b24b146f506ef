/* limiters / climiters / rlimiters sections and the service keys that name them (stock GOST's
 * syntax; docs/limiters.md). Built through the public API like every other object. */
#include <stdio.h>
#include <string.h>

#include "config/load_int.h"
#include "core/error.h"
#include "gost/limiter.h"

static const struct {
  const char *section, *prefix;
  gost_limiter_kind_t kind;
} kinds[] = {{"limiters", "limiter", GOST_LIMITER_TRAFFIC},
             {"climiters", "climiter", GOST_LIMITER_CONN},
             {"rlimiters", "rlimiter", GOST_LIMITER_RATE}};

/* The limit lines of item as a C array (pointers into item). */
static int lines_of(const json_t *item, const char *path, const char **out, size_t cap, size_t *n) {
  json_t *arr, *v;
  size_t i;
  char p[160];
  int rc = gost__cfg_arr(item, path, "limits", &arr);
  *n = 0;
  if (rc || !arr) return rc;
  if (json_array_size(arr) > cap) return gost__cfg_fail(path, "limits: more than %zu lines", cap);
  json_array_foreach(arr, i, v) {
    snprintf(p, sizeof p, "%s.limits[%zu]", path, i);
    if (!json_is_string(v)) return gost__cfg_fail(p, "expected a string such as \"$ 10MB 10MB\"");
    out[(*n)++] = json_string_value(v);
  }
  return GOST_OK;
}

#define MAX_LINES 4096

/* Sets item's lines on lim; lim NULL checks them on a scratch limiter (nothing remains). */
static int apply_lines(gost_ctx_t *ctx, gost_limiter_kind_t kind, const json_t *item, const char *path,
                       gost_limiter_t *lim) {
  static const char *lines[MAX_LINES];
  size_t n;
  int rc = lines_of(item, path, lines, MAX_LINES, &n);
  if (rc) return rc;
  gost_limiter_t *tmp = NULL;
  if (!lim && (rc = gost_limiter_new(&tmp, ctx, kind, NULL))) return gost__cfg_fail_api(path, rc);
  rc = gost_limiter_set_limits(lim ? lim : tmp, lines, n);
  gost_limiter_free(tmp);
  return rc ? gost__cfg_fail_api(path, rc) : GOST_OK;
}

int gost__cfg_limiters(struct cfg *c) {
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
    json_t *arr, *item;
    size_t i;
    int rc = gost__cfg_arr(c->root, NULL, kinds[k].section, &arr);
    if (rc) return rc;
    json_array_foreach(arr, i, item) {
      char path[64], nbuf[64];
      snprintf(path, sizeof path, "%s[%zu]", kinds[k].section, i);
      if (!json_is_object(item)) return gost__cfg_fail(path, "expected an object");
      const char *name = gost__cfg_name(item, kinds[k].prefix, i, nbuf, sizeof nbuf);
      if (gost__cfg_find(c, kinds[k].section, kinds[k].prefix, name) != item)
        return gost__cfg_fail(path, "duplicate %s name \"%s\"", kinds[k].prefix, name);
      if (c->dry) {
        if (gost_ctx_limiter(c->ctx, kinds[k].kind, name))
          return gost__cfg_fail(path, "%s \"%s\" already exists", kinds[k].prefix, name);
        if ((rc = apply_lines(c->ctx, kinds[k].kind, item, path, NULL))) return rc;
        continue;
      }
      gost_limiter_t *lim;
      if ((rc = gost_limiter_new(&lim, c->ctx, kinds[k].kind, name))) return gost__cfg_fail_api(path, rc);
      if ((rc = apply_lines(c->ctx, kinds[k].kind, item, path, lim))) return rc;
    }
  }
  return GOST_OK;
}

int gost__config_limiter_update(gost_ctx_t *ctx, const char *section, const json_t *item) {
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
    if (strcmp(section, kinds[k].section)) continue;
    const char *name = json_string_value(gost__cfg_get(item, "name"));
    gost_limiter_t *lim = name ? gost_ctx_limiter(ctx, kinds[k].kind, name) : NULL;
    if (!lim) return gost__error(GOST_ENOTFOUND, "%s \"%s\" not found", kinds[k].prefix, name ? name : "");
    char path[300];
    snprintf(path, sizeof path, "%s[%s]", section, name);
    return apply_lines(ctx, kinds[k].kind, item, path, lim);
  }
  return gost__error(GOST_EINVAL, "%s: not a limiter section", section);
}

/* One `limiter:`/`climiter:`/`rlimiter:` reference of a service (or handler: `limiter`). */
static int ref(const struct cfg *c, gost_service_t *svc, const json_t *obj, const char *path, size_t k,
               const char *key, int handler) {
  const char *name;
  char p[200];
  int rc = gost__cfg_str(obj, path, key, &name);
  if (rc || !name || !*name) return rc;
  snprintf(p, sizeof p, "%s.%s", path, key);
  gost_limiter_t *lim = gost_ctx_limiter(c->ctx, kinds[k].kind, name);
  if (!lim && !gost__cfg_find(c, kinds[k].section, kinds[k].prefix, name))
    return gost__cfg_fail(p, "unknown %s \"%s\" (not in %s)", kinds[k].prefix, name, kinds[k].section);
  if (c->dry) return GOST_OK;
  rc = handler ? gost_service_set_handler_limiter(svc, lim) : gost_service_set_limiter(svc, kinds[k].kind, lim);
  return rc ? gost__cfg_fail_api(p, rc) : GOST_OK;
}

int gost__cfg_service_limiters(const struct cfg *c, gost_service_t *svc, const json_t *item, const char *path) {
  char hp[160];
  int rc;
  if ((rc = ref(c, svc, item, path, 0, "limiter", 0)) || (rc = ref(c, svc, item, path, 1, "climiter", 0)) ||
      (rc = ref(c, svc, item, path, 2, "rlimiter", 0)))
    return rc;
  json_t *h = gost__cfg_get(item, "handler");
  snprintf(hp, sizeof hp, "%s.handler", path);
  return json_is_object(h) ? ref(c, svc, h, hp, 0, "limiter", 1) : GOST_OK;
}
