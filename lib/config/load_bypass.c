/* bypasses[] and the bypass/bypasses members of services, hops and nodes, plus ?bypass= from
 * the command line (metadata `bypass`: "a,b", or "~a,b" for a whitelist, as stock's CLI).
 * Matchers are checked in the dry pass and added through the public API in the build pass.
 * docs/bypass.md */
#include <stdlib.h>
#include <string.h>

#include "codec/bypassmatch.h"
#include "config/load_int.h"
#include "core/error.h"

static int add(const struct cfg *c, const struct gost_cfg_bypass_to *t, const char *path, int white,
               const json_t *list) {
  size_t n = json_array_size(list), i;
  const json_t *v;
  struct gost_bypass_pat pat;
  json_array_foreach(list, i, v) {
    char p[300];
    snprintf(p, sizeof p, "%s[%zu]", path, i);
    if (!json_is_string(v)) return gost__cfg_fail(p, "expected a string");
    if (!gost__bypass_pat_parse(&pat, json_string_value(v)))
      return gost__cfg_fail(p, "invalid bypass matcher \"%s\"", json_string_value(v));
  }
  if (c->dry) return GOST_OK;
  const char **m = calloc(n ? n : 1, sizeof *m);
  if (!m) return gost__cfg_fail(path, "out of memory");
  json_array_foreach(list, i, v) m[i] = json_string_value(v);
  int rc = t->svc ? gost_service_add_bypass(t->svc, white, m, n)
                  : gost_chain_add_bypass(t->chain, t->hop, t->idx, white, m, n);
  free(m);
  return rc ? gost__cfg_fail_api(path, rc) : GOST_OK;
}

static int by_name(const struct cfg *c, const struct gost_cfg_bypass_to *t, const char *path, const char *name) {
  const json_t *b = gost__cfg_find(c, "bypasses", "bypass", name);
  if (!b) return gost__cfg_fail(path, "unknown bypass \"%s\"", name);
  int white = json_is_true(json_object_get(b, "whitelist")) || json_is_true(json_object_get(b, "reverse"));
  return add(c, t, path, white, json_object_get(b, "matchers"));
}

/* "a,b" / "~a,b" into a list of matchers. */
static int inline_spec(const struct cfg *c, const struct gost_cfg_bypass_to *t, const char *path, const char *spec) {
  int white = spec[0] == '~';
  json_t *list = json_array();
  const char *s = spec + white;
  while (*s) {
    size_t n = strcspn(s, ",");
    if (n) json_array_append_new(list, json_stringn(s, n));
    s += n + (s[n] == ',');
  }
  int rc = add(c, t, path, white, list);
  json_decref(list);
  return rc;
}

int gost__cfg_bypass_members(const struct cfg *c, const json_t *obj, const char *path, const json_t *md,
                             const struct gost_cfg_bypass_to *t) {
  const char *name;
  json_t *list, *v;
  size_t i;
  char p[300];
  int rc;
  if ((rc = gost__cfg_str(obj, path, "bypass", &name))) return rc;
  snprintf(p, sizeof p, "%s.bypass", path);
  if (name && *name && (rc = by_name(c, t, p, name))) return rc;
  if ((rc = gost__cfg_arr(obj, path, "bypasses", &list))) return rc;
  json_array_foreach(list, i, v) {
    snprintf(p, sizeof p, "%s.bypasses[%zu]", path, i);
    if (!json_is_string(v)) return gost__cfg_fail(p, "expected a string");
    if ((rc = by_name(c, t, p, json_string_value(v)))) return rc;
  }
  const char *spec = json_string_value(json_object_get(md, "bypass"));
  snprintf(p, sizeof p, "%s.metadata.bypass", path);
  return spec && *spec ? inline_spec(c, t, p, spec) : GOST_OK;
}

int gost__cfg_bypasses(struct cfg *c) {
  json_t *arr, *item;
  size_t i;
  int rc = gost__cfg_arr(c->root, NULL, "bypasses", &arr);
  if (rc || !arr || !c->dry) return rc;
  json_array_foreach(arr, i, item) {
    char p[64], nbuf[64], mp[96];
    snprintf(p, sizeof p, "bypasses[%zu]", i);
    if (!json_is_object(item)) return gost__cfg_fail(p, "expected an object");
    const char *name = gost__cfg_name(item, "bypass", i, nbuf, sizeof nbuf);
    if (gost__cfg_find(c, "bypasses", "bypass", name) != item)
      return gost__cfg_fail(p, "duplicate bypass name \"%s\"", name);
    snprintf(mp, sizeof mp, "%s.matchers", p);
    const struct gost_cfg_bypass_to none = {0};
    if ((rc = add(c, &none, mp, 0, json_object_get(item, "matchers")))) return rc;
  }
  return GOST_OK;
}
