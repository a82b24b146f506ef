/* The effective config tree kept by the context: what GET /config shows, what reload diffs
 * against. Names are filled in (GOST's defaults) so every object can be addressed by name. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"
#include "config/load_int.h"
#include "core/ctx_int.h"
#include "core/error.h"

const struct gost_cfg_section gost__cfg_sections[] = {
    {"services", "service"}, {"chains", "chain"}, {"ingresses", "ingress"}, {"authers", "auther"},
    {"limiters", "limiter"}, {"climiters", "climiter"}, {"rlimiters", "rlimiter"},
    {NULL, NULL}};

json_t *gost__config_normalize(const json_t *root) {
  json_t *t = json_deep_copy(root);
  if (!t) return NULL;
  for (const struct gost_cfg_section *s = gost__cfg_sections; s->key; s++) {
    json_t *arr = gost__cfg_get(t, s->key), *item;
    size_t i;
    if (!json_is_array(arr)) continue;
    json_array_foreach(arr, i, item) {
      char buf[64];
      if (!json_is_object(item) || json_is_string(gost__cfg_get(item, "name"))) continue;
      json_object_set_new(item, "name", json_string(gost__cfg_name(item, s->prefix, i, buf, sizeof buf)));
    }
  }
  return t;
}

/* A second load (URLs after a file) adds to the tree: lists append, other sections are kept
 * from the first load unless absent there. */
void gost__config_remember(gost_ctx_t *ctx, const json_t *root) { gost__config_merge_into(&ctx->config_tree, root); }

void gost__config_merge_into(json_t **into, const json_t *root) {
  json_t *t = gost__config_normalize(root);
  if (!t) return;
  if (!*into) {
    *into = t;
    return;
  }
  const char *k;
  json_t *v;
  json_object_foreach(t, k, v) {
    json_t *old = json_object_get(*into, k);
    if (json_is_array(old) && json_is_array(v)) json_array_extend(old, v);
    else if (!old) json_object_set(*into, k, v);
  }
  json_decref(t);
}

static int has_named(const json_t *arr, const json_t *item) {
  const char *n = json_string_value(json_object_get(item, "name"));
  size_t i;
  json_t *it;
  json_array_foreach(arr, i, it) {
    const char *m = json_string_value(json_object_get(it, "name"));
    if (n && m && !strcmp(n, m)) return 1;
  }
  return 0;
}

void gost__config_add_cmdline(gost_ctx_t *ctx, json_t *doc) {
  const char *k;
  json_t *v;
  if (!ctx->cmdline_tree || !json_is_object(doc)) return;
  json_object_foreach(ctx->cmdline_tree, k, v) {
    json_t *cur = gost__cfg_get(doc, k);
    if (!cur) {
      json_object_set_new(doc, k, json_deep_copy(v));
      continue;
    }
    if (!json_is_array(cur) || !json_is_array(v)) continue; /* the document's section wins */
    size_t i;
    json_t *it;
    json_array_foreach(v, i, it) if (!has_named(cur, it)) json_array_append_new(cur, json_deep_copy(it));
  }
}

/* JSON is chosen when the first significant character opens an object. */
static int looks_like_json(const char *s, size_t len) {
  size_t i = 0;
  if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) i = 3;
  while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) i++;
  return i < len && s[i] == '{';
}

int gost__config_parse(const char *text, size_t len, int yaml, json_t **out) {
  *out = NULL;
  if (!yaml || looks_like_json(text, len)) {
    json_error_t err;
    *out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (!*out)
      return gost__error(GOST_ECONFIG, "json: line %d column %d: %s", err.line, err.column, err.text);
    return GOST_OK;
  }
#ifdef GOST_WITH_YAML
  *out = gost__yaml_to_json(text, len);
  return *out ? GOST_OK : GOST_ECONFIG;
#else
  return gost__error(GOST_EUNSUPPORTED, "built without YAML support");
#endif
}

int gost__config_read_file(const char *path, json_t **out) {
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (!f) return gost__error_sys(GOST_EIO, errno, "%s: %s", path, strerror(errno));
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  while (buf) {
    len += fread(buf + len, 1, cap - len, f);
    if (len < cap) break;
    char *nb = cap < (64u << 20) ? realloc(buf, cap *= 2) : NULL; /* configs are small */
    if (!nb) free(buf);
    buf = nb;
  }
  int err = ferror(f);
  fclose(f);
  if (!buf) return gost__error(GOST_ENOMEM, "%s: too large or out of memory", path);
  int rc;
  if (err) rc = gost__error(GOST_EIO, "%s: read error", path);
  else {
    size_t n = strlen(path);
    rc = gost__config_parse(buf, len, !(n > 5 && !strcmp(path + n - 5, ".json")), out);
  }
  free(buf);
  return rc;
}

int gost_ctx_config_json(gost_ctx_t *ctx, char *buf, size_t *len) {
  if (!ctx || !len) return gost__error(GOST_EINVAL, "ctx or len is NULL");
  json_t *empty = json_object();
  char *s = json_dumps(ctx->config_tree ? ctx->config_tree : empty, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(empty);
  if (!s) return gost__error(GOST_ENOMEM, "out of memory");
  size_t n = strlen(s);
  if (buf && *len) snprintf(buf, *len, "%s", s);
  int rc = buf && *len > n ? GOST_OK : gost__error(GOST_EINVAL, "buffer too small: %zu bytes needed", n + 1);
  *len = n + 1;
  free(s);
  return rc;
}
