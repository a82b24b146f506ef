/* The web API router: stock GOST's /config endpoints (same paths, bodies and {"code","msg"}
 * errors) and libgost's /api/... views and actions. Every change edits a copy of the effective
 * config tree and goes through gost__admin_apply_tree, so the API, reload and the C API share
 * one validated, all-or-nothing path. docs/api.md documents each endpoint. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin/admin.h"
#include "admin/dashboard.h"
#include "config/config_int.h"
#include "core/error.h"
#include "core/log.h"
#include "gost/gost.h"

/* Stock GOST's error codes (api/error.go). */
#define E_INVALID 40001
#define E_DUP 40002
#define E_CREATE 40003
#define E_NOTFOUND 40004
#define E_SAVE 40005

/* Object kinds the config loader supports, as /config/<kind>. */
static const char *const kinds[] = {"services", "chains",    "authers",   "ingresses", "bypasses",
                                    "limiters", "climiters", "rlimiters", NULL};
/* Stock kinds libgost does not implement (yet): answered with a clear refusal. */
static const char *const other_kinds[] = {"hops", "admissions", "resolvers", "hosts",
                                          "routers", "observers", "recorders", "sds", NULL};

static int in_list(const char *const *l, const char *s) {
  for (; *l; l++)
    if (!strcmp(*l, s)) return 1;
  return 0;
}

static void ok(struct gost_httpd_conn *c) { gost__admin_json(c, 200, json_pack("{s:s}", "msg", "OK")); }

static json_t *tree_copy(gost_ctx_t *ctx) {
  return ctx->config_tree ? json_deep_copy(ctx->config_tree) : json_object();
}

/* Applies tree (stolen); answers OK or fail_status/fail_code with the reason. */
static void apply_and_answer(struct gost_httpd_conn *c, gost_ctx_t *ctx, json_t *tree, int fail_status,
                             int fail_code, const char *what) {
  int rc = tree ? gost__admin_apply_tree(ctx, tree, NULL, 0) : gost__error(GOST_ENOMEM, "out of memory");
  json_decref(tree);
  if (rc == GOST_OK) return ok(c);
  char msg[700];
  snprintf(msg, sizeof msg, "%s: %s", what, gost_last_error());
  gost__admin_error(c, fail_status, fail_code, msg);
}

static json_t *body_object(struct gost_httpd_conn *c, const struct gost_httpd_request *r) {
  json_error_t err;
  json_t *o = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &err);
  if (!json_is_object(o)) {
    char msg[300];
    snprintf(msg, sizeof msg, "object invalid: %s", o ? "expected a JSON object" : err.text);
    json_decref(o);
    gost__admin_error(c, 400, E_INVALID, msg);
    return NULL;
  }
  return o;
}

static json_t *section_of(json_t *tree, const char *kind) {
  json_t *a = gost__cfg_get(tree, kind);
  if (!json_is_array(a)) {
    a = json_array();
    json_object_set_new(tree, kind, a);
  }
  return a;
}

static ssize_t index_of(json_t *arr, const char *name) {
  size_t i;
  json_t *it;
  json_array_foreach(arr, i, it) {
    const char *n = json_string_value(json_object_get(it, "name"));
    if (n && !strcmp(n, name)) return (ssize_t)i;
  }
  return -1;
}

/* POST /config/<kind>, PUT|DELETE /config/<kind>/<name> */
static void object_op(struct gost_httpd_conn *c, const struct gost_httpd_request *r, gost_ctx_t *ctx,
                      const char *kind, const char *name) {
  if (!in_list(kinds, kind)) {
    if (in_list(other_kinds, kind)) {
      char msg[128];
      snprintf(msg, sizeof msg, "object invalid: %s are not supported by libgost", kind);
      return gost__admin_error(c, 400, E_INVALID, msg);
    }
    return gost__admin_error(c, 404, 404, "not found");
  }
  int post = !strcmp(r->method, "POST"), put = !strcmp(r->method, "PUT"), del = !strcmp(r->method, "DELETE");
  if ((post && name) || ((put || del) && !name) || !(post || put || del))
    return gost__admin_error(c, 405, 405, "method not allowed");
  json_t *obj = NULL;
  if (!del && !(obj = body_object(c, r))) return;
  json_t *tree = tree_copy(ctx), *arr = section_of(tree, kind);
  if (post) {
    const char *n = json_string_value(json_object_get(obj, "name"));
    if (!n || !*n) {
      json_decref(obj);
      json_decref(tree);
      return gost__admin_error(c, 400, E_INVALID, "object invalid: name is required");
    }
    if (index_of(arr, n) >= 0) {
      json_decref(obj);
      json_decref(tree);
      return gost__admin_error(c, 400, E_DUP, "object duplicated");
    }
    json_array_append_new(arr, obj);
    return apply_and_answer(c, ctx, tree, 409, E_CREATE, "object creation failed");
  }
  ssize_t i = index_of(arr, name);
  if (i < 0) {
    json_decref(obj);
    json_decref(tree);
    return gost__admin_error(c, 400, E_NOTFOUND, "object not found");
  }
  if (put) {
    json_object_set_new(obj, "name", json_string(name)); /* the path names the object, as stock */
    json_array_set_new(arr, (size_t)i, obj);
    return apply_and_answer(c, ctx, tree, 409, E_CREATE, "object update failed");
  }
  json_array_remove(arr, (size_t)i);
  apply_and_answer(c, ctx, tree, 409, E_CREATE, "object deletion failed");
}

/* GET /config[?format=json|yaml]: the running config plus stock's read-only per-service
 * `status` (createTime, state, events, stats); POST /config saves it without. */
static void get_config(struct gost_httpd_conn *c, const struct gost_httpd_request *r, gost_ctx_t *ctx) {
  char fmt[16] = "json";
  gost__httpd_query(r, "format", fmt, sizeof fmt);
  json_t *t = tree_copy(ctx), *item;
  size_t i;
  json_array_foreach(gost__cfg_get(t, "services"), i, item) {
    gost_service_t *svc = gost_ctx_service(ctx, json_string_value(json_object_get(item, "name")) ?: "");
    if (svc && json_is_object(item)) json_object_set_new(item, "status", gost__admin_service_status(svc));
  }
  char *text = !strcmp(fmt, "yaml") ? gost__admin_yaml(t) : json_dumps(t, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(t);
  if (!text) return gost__admin_error(c, 500, 500, "out of memory");
  gost__httpd_respond(c, 200, !strcmp(fmt, "yaml") ? "text/x-yaml" : "application/json", NULL, text, strlen(text));
  free(text);
}

/* POST /config[?format=json|yaml][&path=file]: writes the running config, by default over the
 * file it was loaded from (atomically: a temporary file renamed over it). */
static void save_config(struct gost_httpd_conn *c, const struct gost_httpd_request *r, gost_ctx_t *ctx) {
  char fmt[16] = "", path[1024] = "";
  gost__httpd_query(r, "format", fmt, sizeof fmt);
  gost__httpd_query(r, "path", path, sizeof path);
  if (!path[0]) snprintf(path, sizeof path, "%s", ctx->config_path ? ctx->config_path : !strcmp(fmt, "json") ? "gost.json" : "gost.yaml");
  size_t n = strlen(path);
  if (!fmt[0]) snprintf(fmt, sizeof fmt, "%s", n > 5 && !strcmp(path + n - 5, ".json") ? "json" : "yaml");
  json_t *empty = json_object();
  const json_t *t = ctx->config_tree ? ctx->config_tree : empty;
  char *text = !strcmp(fmt, "json") ? json_dumps(t, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : gost__admin_yaml(t);
  json_decref(empty);
  if (!text) return gost__admin_error(c, 500, E_SAVE, "save config failed: out of memory");
  char tmp[1100];
  snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "w");
  int err = 0;
  if (!f || fputs(text, f) < 0) err = errno;
  if (f && fclose(f) != 0 && !err) err = errno;
  if (!err && rename(tmp, path) != 0) err = errno;
  free(text);
  if (err) {
    unlink(tmp);
    char msg[1200];
    snprintf(msg, sizeof msg, "save config failed: %s: %s", path, strerror(err));
    GOST_ERROR(ctx, "api: %s", msg);
    return gost__admin_error(c, 500, E_SAVE, msg);
  }
  GOST_INFO(ctx, "api: config saved to %s", path);
  ok(c);
}

/* ---- /api/... ---- */

static void ingress_rule(struct gost_httpd_conn *c, const struct gost_httpd_request *r, gost_ctx_t *ctx,
                         const char *ing, const char *host) {
  int put = !strcmp(r->method, "PUT"), del = !strcmp(r->method, "DELETE");
  if (!put && !del) return gost__admin_error(c, 405, 405, "method not allowed");
  const char *ep = NULL;
  json_t *obj = NULL;
  if (put) {
    if (!(obj = body_object(c, r))) return;
    ep = json_string_value(json_object_get(obj, "endpoint"));
    if (!ep || !*ep) {
      json_decref(obj);
      return gost__admin_error(c, 400, E_INVALID, "object invalid: endpoint (a tunnel ID) is required");
    }
  }
  json_t *tree = tree_copy(ctx), *arr = section_of(tree, "ingresses");
  ssize_t i = index_of(arr, ing);
  if (i < 0) {
    json_decref(obj);
    json_decref(tree);
    return gost__admin_error(c, 400, E_NOTFOUND, "object not found: no such ingress");
  }
  json_t *item = json_array_get(arr, (size_t)i), *rules = gost__cfg_get(item, "rules"), *rule;
  if (!json_is_array(rules)) {
    rules = json_array();
    json_object_set_new(item, "rules", rules);
  }
  size_t j, found = (size_t)-1;
  json_array_foreach(rules, j, rule) {
    const char *h = json_string_value(gost__cfg_get(rule, "hostname"));
    if (h && !strcasecmp(h, host)) found = j;
  }
  if (del) {
    if (found == (size_t)-1) {
      json_decref(tree);
      return gost__admin_error(c, 400, E_NOTFOUND, "object not found: no such rule");
    }
    json_array_remove(rules, found);
  } else {
    json_t *nr = json_pack("{s:s,s:s}", "hostname", host, "endpoint", ep);
    if (found != (size_t)-1) json_array_set_new(rules, found, nr);
    else json_array_append_new(rules, nr);
  }
  json_decref(obj);
  apply_and_answer(c, ctx, tree, 400, E_INVALID, "ingress rule not applied");
}

static void disconnect(struct gost_httpd_conn *c, gost_ctx_t *ctx, const char *svc_name, const char *cid) {
  gost_service_t *svc = gost_ctx_service(ctx, svc_name);
  if (!svc) return gost__admin_error(c, 404, E_NOTFOUND, "object not found: no such service");
  int rc = gost_service_disconnect(svc, cid);
  if (rc == GOST_OK) return ok(c);
  char msg[400];
  snprintf(msg, sizeof msg, "%s: %s", rc == GOST_ENOTFOUND ? "object not found" : "object invalid", gost_last_error());
  gost__admin_error(c, rc == GOST_ENOTFOUND ? 404 : 400, rc == GOST_ENOTFOUND ? E_NOTFOUND : E_INVALID, msg);
}

/* Splits path into at most 6 '/'-separated segments (in place). Returns the count. */
static int segments(char *path, char *seg[6]) {
  int n = 0;
  for (char *save = NULL, *t = strtok_r(path, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
    if (n == 6) return 7;
    seg[n++] = t;
  }
  return n;
}

static void api_routes(struct gost_httpd_conn *c, const struct gost_httpd_request *r, gost_ctx_t *ctx, char **s,
                       int n) {
  int get = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD"); /* HEAD: same head, no body */
  if (n == 2 && !strcmp(s[1], "events") && get) return gost__httpd_sse_start(c);
  if (n == 2 && !strcmp(s[1], "status") && get) return gost__admin_json(c, 200, gost__admin_status_json(ctx));
  if (n == 2 && !strcmp(s[1], "tunnels") && get) return gost__admin_json(c, 200, gost__admin_tunnels_json(ctx));
  if (n == 2 && !strcmp(s[1], "errors") && get) return gost__admin_json(c, 200, gost__admin_errors_json(ctx->admin));
  if (n == 2 && !strcmp(s[1], "services") && get) return gost__admin_json(c, 200, gost__admin_services_json(ctx));
  if (n >= 3 && !strcmp(s[1], "services")) {
    gost_service_t *svc = gost_ctx_service(ctx, s[2]);
    if (n == 3 && get) {
      if (!svc) return gost__admin_error(c, 404, E_NOTFOUND, "object not found");
      return gost__admin_json(c, 200, gost__admin_service_json(svc));
    }
    if (n == 4 && !strcmp(s[3], "stats") && get) {
      if (!svc) return gost__admin_error(c, 404, E_NOTFOUND, "object not found");
      json_t *o = gost__admin_service_json(svc), *st = json_incref(json_object_get(o, "stats"));
      json_object_set_new(st, "name", json_string(svc->name));
      json_decref(o);
      return gost__admin_json(c, 200, st);
    }
    if (n == 6 && !strcmp(s[3], "connectors") && !strcmp(s[5], "disconnect") && !strcmp(r->method, "POST"))
      return disconnect(c, ctx, s[2], s[4]);
  }
  if (n == 5 && !strcmp(s[1], "ingresses") && !strcmp(s[3], "rules")) return ingress_rule(c, r, ctx, s[2], s[4]);
  if (n == 2 && !strcmp(s[1], "reload") && !strcmp(r->method, "POST")) {
    int rc = gost_ctx_reload(ctx);
    if (rc == GOST_OK) return ok(c);
    return gost__admin_error(c, 400, E_INVALID, gost_last_error());
  }
  gost__admin_error(c, 404, 404, "not found");
}

void gost__admin_api(struct gost_httpd_conn *c, const struct gost_httpd_request *r, void *user) {
  struct gost_admin *a = user;
  gost_ctx_t *ctx = a->ctx;
  size_t pl = strlen(a->api.prefix);
  if (strncmp(r->path, a->api.prefix, pl) || (r->path[pl] != '/' && r->path[pl] != '\0'))
    return gost__admin_error(c, 404, 404, "not found");
  if (!strcmp(r->method, "OPTIONS")) /* CORS preflight, as stock's allow-all policy */
    return gost__httpd_respond(c, 204, "text/plain",
                               "Access-Control-Allow-Methods: GET, POST, PUT, DELETE, OPTIONS\r\n"
                               "Access-Control-Allow-Headers: *\r\n",
                               "", 0);
  if (!gost__admin_authorized(a, &a->api, r))
    return gost__httpd_respond(c, 401, "application/json", "WWW-Authenticate: Basic realm=\"gost\"\r\n",
                               "{\"code\":401,\"msg\":\"unauthorized\"}", 32);
  if (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD")) {
    /* the dashboard's relative URLs need the prefix with its slash */
    if (pl && !r->path[pl]) {
      char loc[1100];
      snprintf(loc, sizeof loc, "Location: %s/\r\n", a->api.prefix);
      return gost__httpd_respond(c, 301, "text/plain", loc, "", 0);
    }
    const struct gost_web_asset *page = gost__dashboard_find(r->path + pl);
    if (page) return gost__dashboard_serve(c, page);
  }
  char path[1024], *s[6];
  snprintf(path, sizeof path, "%s", r->path + pl);
  int n = segments(path, s);
  if (n >= 1 && !strcmp(s[0], "api")) return api_routes(c, r, ctx, s, n);
  if (n < 1 || strcmp(s[0], "config") || n > 3) return gost__admin_error(c, 404, 404, "not found");
  if (n == 1 && (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD"))) return get_config(c, r, ctx);
  if (n == 1 && !strcmp(r->method, "POST")) return save_config(c, r, ctx);
  if (n == 1) return gost__admin_error(c, 405, 405, "method not allowed");
  if (n == 2 && !strcmp(s[1], "reload") && !strcmp(r->method, "POST")) {
    int rc = gost_ctx_reload(ctx);
    if (rc == GOST_OK) return ok(c);
    return gost__admin_error(c, 400, E_INVALID, gost_last_error());
  }
  object_op(c, r, ctx, s[1], n == 3 ? s[2] : NULL);
}
