/* Public loaders: JSON text, YAML text (or JSON, by content) and files. */
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"
#include "core/ctx_int.h"
#include "core/error.h"
#include "gost/config.h"

static int load_tree(gost_ctx_t *ctx, int rc, json_t *root) {
  if (rc != GOST_OK) return rc;
  rc = gost__config_load(ctx, root);
  json_decref(root);
  return rc;
}

int gost_ctx_load_json(gost_ctx_t *ctx, const char *json, size_t len) {
  if (!ctx || !json) return gost__error(GOST_EINVAL, "ctx or text is NULL");
  json_t *root;
  int rc = gost__config_parse(json, len, 0, &root);
  return load_tree(ctx, rc, root);
}

int gost_ctx_load_yaml(gost_ctx_t *ctx, const char *text, size_t len) {
  if (!ctx || !text) return gost__error(GOST_EINVAL, "ctx or text is NULL");
  json_t *root;
  int rc = gost__config_parse(text, len, 1, &root);
  return load_tree(ctx, rc, root);
}

int gost_ctx_load_file(gost_ctx_t *ctx, const char *path) {
  if (!ctx || !path) return gost__error(GOST_EINVAL, "ctx or path is NULL");
  json_t *root;
  int rc = gost__config_read_file(path, &root);
  rc = load_tree(ctx, rc, root);
  if (rc == GOST_OK && !ctx->config_path) ctx->config_path = strdup(path); /* reload reads it again */
  return rc;
}
