/* Public loaders: JSON text, YAML text (or JSON, by content) and files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"
#include "core/error.h"
#include "gost/config.h"

int gost_ctx_load_json(gost_ctx_t *ctx, const char *json, size_t len) {
  json_error_t err;
  if (!ctx || !json) return gost__error(GOST_EINVAL, "ctx or text is NULL");
  json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
  if (!root) return gost__error(GOST_ECONFIG, "json: line %d column %d: %s", err.line, err.column, err.text);
  int rc = gost__config_load(ctx, root);
  json_decref(root);
  return rc;
}

/* JSON is chosen when the first significant character opens an object. */
static int looks_like_json(const char *s, size_t len) {
  size_t i = 0;
  if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) i = 3;
  while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) i++;
  return i < len && s[i] == '{';
}

int gost_ctx_load_yaml(gost_ctx_t *ctx, const char *text, size_t len) {
  if (!ctx || !text) return gost__error(GOST_EINVAL, "ctx or text is NULL");
  if (looks_like_json(text, len)) return gost_ctx_load_json(ctx, text, len);
#ifdef GOST_WITH_YAML
  json_t *root = gost__yaml_to_json(text, len);
  if (!root) return GOST_ECONFIG;
  int rc = gost__config_load(ctx, root);
  json_decref(root);
  return rc;
#else
  return gost__error(GOST_EUNSUPPORTED, "built without YAML support");
#endif
}

int gost_ctx_load_file(gost_ctx_t *ctx, const char *path) {
  if (!ctx || !path) return gost__error(GOST_EINVAL, "ctx or path is NULL");
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
  if (err) {
    free(buf);
    return gost__error(GOST_EIO, "%s: read error", path);
  }
  size_t n = strlen(path);
  int rc = n > 5 && !strcmp(path + n - 5, ".json") ? gost_ctx_load_json(ctx, buf, len)
                                                    : gost_ctx_load_yaml(ctx, buf, len);
  free(buf);
  return rc;
}
