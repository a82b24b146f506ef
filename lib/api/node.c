/* Forwarder and chain nodes: allocation, metadata scopes, host filter normalisation. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "api/api_int.h"
#include "core/error.h"
#include "core/meta.h"

int gost__name_valid(const char *name) {
  if (!name || !*name || strlen(name) > 255) return 0;
  for (const char *p = name; *p; p++)
    if (iscntrl((unsigned char)*p)) return 0;
  return 1;
}

struct gost_node *gost__node_new(gost_ctx_t *ctx, const char *name, const char *addr) {
  struct gost_node *n = gost__calloc(ctx, 1, sizeof *n);
  if (!n) return NULL;
  n->name = gost__strdup(ctx, name);
  n->addr = gost__strdup(ctx, addr);
  n->meta = json_object();
  n->connector_meta = json_object();
  n->dialer_meta = json_object();
  if (!n->name || !n->addr || !n->meta || !n->connector_meta || !n->dialer_meta) {
    gost__node_free(ctx, n);
    return NULL;
  }
  return n;
}

void gost__node_free(gost_ctx_t *ctx, struct gost_node *n) {
  if (!n) return;
  if (n->conn_state_free) n->conn_state_free(n->conn_state);
  gost__free(ctx, n->name);
  gost__free(ctx, n->addr);
  gost__free(ctx, n->filter_host);
  gost__free(ctx, n->filter_protocol);
  gost__free(ctx, n->filter_path);
  gost__free(ctx, n->connector);
  gost__free(ctx, n->dialer);
  gost__free(ctx, n->user);
  gost__free(ctx, n->pass);
  json_decref(n->meta);
  json_decref(n->connector_meta);
  json_decref(n->dialer_meta);
  gost__bypass_free_all(&ctx->mem, &n->bypass);
  gost__free(ctx, n);
}

char *gost__filter_host_norm(gost_ctx_t *ctx, const char *f) {
  if (!f || !*f) return gost__strdup(ctx, "");
  /* GOST turns both "*.a.com" and "*a.com" into the suffix form ".a.com". */
  if (f[0] == '*') {
    f++;
    if (*f == '.') f++;
    size_t len = strlen(f);
    char *out = gost__malloc(ctx, len + 2);
    if (!out) return NULL;
    out[0] = '.';
    for (size_t i = 0; i <= len; i++) out[i + 1] = (char)tolower((unsigned char)f[i]);
    return out;
  }
  char *out = gost__strdup(ctx, f);
  for (char *p = out; p && *p; p++) *p = (char)tolower((unsigned char)*p);
  return out;
}

json_t *gost__meta_json_parse(const char *json) {
  json_error_t err;
  json_t *v = json ? json_loads(json, JSON_DECODE_ANY, &err) : NULL;
  if (!v) gost__error(GOST_EINVAL, "metadata value is not JSON: %s", json ? err.text : "NULL");
  return v;
}

int gost__node_set_meta(struct gost_node *n, const char *scope, const char *key, json_t *value) {
  json_t *targets[3];
  size_t nt = 0;
  if (!value) return gost__error(GOST_ENOMEM, "out of memory");
  if (!scope) {
    targets[nt++] = n->connector_meta;
    targets[nt++] = n->dialer_meta;
    targets[nt++] = n->meta;
  } else if (!strcasecmp(scope, "connector")) targets[nt++] = n->connector_meta;
  else if (!strcasecmp(scope, "dialer")) targets[nt++] = n->dialer_meta;
  else if (!strcasecmp(scope, "node")) targets[nt++] = n->meta;
  else {
    json_decref(value);
    return gost__error(GOST_EINVAL, "unknown node metadata scope \"%s\"", scope);
  }
  for (size_t i = 0; i < nt; i++)
    if (gost__meta_set_json(targets[i], key, json_incref(value)) != GOST_OK) {
      json_decref(value);
      return gost__error(GOST_ENOMEM, "out of memory");
    }
  json_decref(value);
  return GOST_OK;
}

int gost__node_set_auth(gost_ctx_t *ctx, struct gost_node *n, const char *user, const char *pass) {
  char *u = NULL, *p = NULL;
  if (user) {
    u = gost__strdup(ctx, user);
    p = gost__strdup(ctx, pass ? pass : "");
    if (!u || !p) {
      gost__free(ctx, u);
      gost__free(ctx, p);
      return gost__error(GOST_ENOMEM, "out of memory");
    }
  }
  gost__free(ctx, n->user);
  gost__free(ctx, n->pass);
  n->user = u;
  n->pass = p;
  return GOST_OK;
}
