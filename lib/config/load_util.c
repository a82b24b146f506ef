/* Typed, case-insensitive accessors with path-carrying errors for the config loader. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/load_int.h"
#include "core/error.h"

int gost__cfg_fail(const char *path, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return gost__error(GOST_ECONFIG, "%s: %s", path, msg);
}

int gost__cfg_fail_api(const char *path, int rc) {
  char msg[400];
  snprintf(msg, sizeof msg, "%s", gost_last_error());
  return gost__error(rc, "%s: %s", path, msg);
}

/* "path.key: cause", or "key: cause" at the top level (path NULL). */
static int member_fail(const char *path, const char *key, const char *cause) {
  if (path) return gost__error(GOST_ECONFIG, "%s.%s: %s", path, key, cause);
  return gost__error(GOST_ECONFIG, "%s: %s", key, cause);
}

json_t *gost__cfg_get(const json_t *obj, const char *key) {
  const char *k;
  json_t *v;
  if (!json_is_object(obj)) return NULL;
  json_object_foreach((json_t *)obj, k, v) {
    if (!strcasecmp(k, key)) return v;
  }
  return NULL;
}

int gost__cfg_str(const json_t *obj, const char *path, const char *key, const char **out) {
  json_t *v = gost__cfg_get(obj, key);
  *out = NULL;
  if (!v || json_is_null(v)) return GOST_OK;
  if (!json_is_string(v)) return member_fail(path, key, "expected a string");
  *out = json_string_value(v);
  return GOST_OK;
}

int gost__cfg_obj(const json_t *obj, const char *path, const char *key, json_t **out) {
  json_t *v = gost__cfg_get(obj, key);
  *out = NULL;
  if (!v || json_is_null(v)) return GOST_OK;
  if (!json_is_object(v)) return member_fail(path, key, "expected an object");
  *out = v;
  return GOST_OK;
}

int gost__cfg_arr(const json_t *obj, const char *path, const char *key, json_t **out) {
  json_t *v = gost__cfg_get(obj, key);
  *out = NULL;
  if (!v || json_is_null(v)) return GOST_OK;
  if (!json_is_array(v)) return member_fail(path, key, "expected a list");
  *out = v;
  return GOST_OK;
}

const char *gost__cfg_scalar(const json_t *v, char *buf, size_t cap) {
  if (json_is_string(v)) return json_string_value(v);
  if (json_is_true(v)) return "true";
  if (json_is_false(v)) return "false";
  if (json_is_integer(v)) snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
  else if (json_is_real(v)) snprintf(buf, cap, "%g", json_real_value(v));
  else return NULL;
  return buf;
}

const char *gost__cfg_name(const json_t *item, const char *prefix, size_t i, char *buf, size_t cap) {
  json_t *n = gost__cfg_get(item, "name");
  if (json_is_string(n) && *json_string_value(n)) return json_string_value(n);
  snprintf(buf, cap, "%s-%zu", prefix, i); /* GOST's default names */
  return buf;
}

json_t *gost__cfg_find(const struct cfg *c, const char *section, const char *prefix,
                       const char *name) {
  char buf[64];
  json_t *arr = gost__cfg_get(c->root, section), *item;
  size_t i;
  if (!json_is_array(arr)) return NULL;
  json_array_foreach(arr, i, item) {
    if (json_is_object(item) && !strcmp(gost__cfg_name(item, prefix, i, buf, sizeof buf), name))
      return item;
  }
  return NULL;
}

int gost__cfg_meta(const struct cfg *c, const json_t *obj, const char *path, void *target,
                   const char *scope, gost_cfg_meta_set set) {
  json_t *md, *v;
  const char *k;
  int rc = gost__cfg_obj(obj, path, "metadata", &md);
  if (rc || !md || c->dry) return rc;
  json_object_foreach(md, k, v) {
    if (json_is_null(v)) continue;
    /* Scalars are stored as text (meta.h); lists such as `entrypoints` stay JSON. */
    char buf[64];
    const char *text = gost__cfg_scalar(v, buf, sizeof buf);
    json_t *val = text ? json_string(text) : json_incref(v);
    char *js = val ? json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(val);
    rc = js ? set(target, scope, k, js) : gost__error(GOST_ENOMEM, "out of memory");
    free(js); /* jansson's allocation */
    if (rc != GOST_OK) {
      char p[300];
      snprintf(p, sizeof p, "%s.metadata.%s", path, k);
      return gost__cfg_fail_api(p, rc);
    }
  }
  return GOST_OK;
}

/* A `type` member checked against the known names; def when absent. */
int gost__cfg_typed(const json_t *obj, const char *path, enum gost_kind kind, const char *def,
                 const char **out) {
  char p[200];
  snprintf(p, sizeof p, "%s.%s", path, gost__kind_name(kind));
  int rc = gost__cfg_str(obj, p, "type", out);
  if (rc) return rc;
  if (!*out || !**out) *out = def;
  if (!*out) { /* no default for handlers: a typo must not turn a tunnel server into a proxy */
    snprintf(p, sizeof p, "%s.%s.type", path, gost__kind_name(kind));
    return gost__cfg_fail(p, "missing");
  }
  if (!gost__name_known(kind, *out)) {
    snprintf(p, sizeof p, "%s.%s.type", path, gost__kind_name(kind));
    return gost__cfg_fail(p, "unknown %s \"%s\"", gost__kind_name(kind), *out);
  }
  return GOST_OK;
}
