/* Lifetime of the API and metrics servers: from the config tree at gost_ctx_start (and after
 * each apply), or from gost_ctx_serve_api / gost_ctx_serve_metrics; events fan out to SSE. */
#include "admin/admin.h"

#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "config/config_int.h"
#include "core/error.h"
#include "core/event.h"
#include "core/log.h"

static void child_destroy(struct gost_ctx_child *c);
static void child_stop(struct gost_ctx_child *c);

/* Created on first use and owned by the ctx as a child of rank ADMIN: destroyed before every
 * other object (it reads them), stopped by gost_ctx_stop on a borrowed loop. */
struct gost_admin *gost__admin_get(gost_ctx_t *ctx) {
  if (!ctx->admin) {
    struct gost_admin *a = gost__calloc(ctx, 1, sizeof *a);
    if (!a) return NULL;
    a->ctx = ctx;
    a->started = ev_time();
    gost__ctx_child_init(&a->child, child_destroy, child_stop);
    gost__ctx_adopt(ctx, &a->child, GOST__RANK_ADMIN);
    ctx->admin = a;
  }
  return ctx->admin;
}

static void server_stop(struct gost_admin_server *s) {
  if (s->on) gost__httpd_stop(&s->http);
  s->on = 0;
  json_decref(s->cfg);
  s->cfg = NULL;
}

/* gost_ctx_stop on a borrowed loop: the listeners go so that the caller's ev_run can return;
 * a later gost_ctx_start starts them again from the config. */
static void child_stop(struct gost_ctx_child *c) {
  struct gost_admin *a = gost_container_of(c, struct gost_admin, child);
  server_stop(&a->api);
  server_stop(&a->metrics);
}

static void child_destroy(struct gost_ctx_child *c) {
  struct gost_admin *a = gost_container_of(c, struct gost_admin, child);
  gost_ctx_t *ctx = a->ctx;
  gost__ctx_disown(c);
  ctx->event_tap = NULL;
  ctx->log_tap = NULL;
  for (size_t i = 0; i < GOST_ADMIN_RECENT; i++) gost__free(ctx, a->recent[i]);
  server_stop(&a->api);
  server_stop(&a->metrics);
  gost__free(ctx, a);
  ctx->admin = NULL;
}

/* ---- events -> SSE ---- */

static void tap(gost_ctx_t *ctx, const gost_event_t *ev) {
  struct gost_admin *a = ctx->admin;
  if (!a || !a->api.on) return;
  json_t *o = json_object();
  const char *name = gost_event_type_name(ev->type);
  json_object_set_new(o, "type", json_string(name ? name : "unknown"));
  json_object_set_new(o, "time", json_real(ev_time()));
  const struct {
    const char *k, *v;
  } strs[] = {{"service", ev->service},     {"tunnel_id", ev->tunnel_id}, {"connector_id", ev->connector_id},
              {"client", ev->client},       {"network", ev->network},     {"detail", ev->detail}};
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
    if (strs[i].v) json_object_set_new(o, strs[i].k, json_string(strs[i].v));
  if (ev->type == GOST_EVENT_CONNECTOR_UP || ev->type == GOST_EVENT_CONNECTOR_DOWN)
    json_object_set_new(o, "weight", json_integer(ev->weight));
  if (ev->bytes_in || ev->bytes_out || ev->type == GOST_EVENT_STREAM_CLOSE) {
    json_object_set_new(o, "bytes_in", json_integer((json_int_t)ev->bytes_in));
    json_object_set_new(o, "bytes_out", json_integer((json_int_t)ev->bytes_out));
  }
  char *data = json_dumps(o, JSON_COMPACT);
  if (data) gost__httpd_sse_broadcast(&a->api.http, name ? name : "unknown", data);
  free(data);
  json_decref(o);
}

/* Warnings and errors: kept for GET /api/errors and sent as SSE "log" events. */
static void log_tap(gost_ctx_t *ctx, int level, const char *rec) {
  struct gost_admin *a = ctx->admin;
  if (!a) return;
  char **slot = &a->recent[a->nrecent++ % GOST_ADMIN_RECENT];
  gost__free(ctx, *slot);
  *slot = gost__strdup(ctx, rec);
  if (a->api.on) gost__httpd_sse_broadcast(&a->api.http, "log", rec);
}

json_t *gost__admin_errors_json(const struct gost_admin *a) {
  json_t *arr = json_array();
  size_t n = a->nrecent < GOST_ADMIN_RECENT ? a->nrecent : GOST_ADMIN_RECENT;
  for (size_t i = a->nrecent - n; i < a->nrecent; i++) {
    const char *r = a->recent[i % GOST_ADMIN_RECENT];
    json_t *o = r ? json_loads(r, 0, NULL) : NULL;
    if (o) json_array_append_new(arr, o);
  }
  return json_pack("{s:o}", "errors", arr);
}

/* ---- auth ---- */

int gost__admin_authorized(const struct gost_admin *a, const struct gost_admin_server *s,
                           const struct gost_httpd_request *r) {
  if (!s->user[0] && !s->auther[0]) return 1;
  char u[256], p[256];
  if (!gost__httpd_basic_auth(r, u, sizeof u, p, sizeof p)) return 0;
  if (s->user[0]) {
    struct gost_auth one = {.user = (char *)s->user, .pass = (char *)s->pass};
    if (gost__auths_match(&one, 1, u, p)) return 1;
  }
  if (!s->auther[0]) return 0;
  /* the auther is looked up on each request, so a reload changes the accepted pairs */
  json_t *arr = gost__cfg_get(a->ctx->config_tree, "authers"), *item, *pair;
  size_t i, j;
  json_array_foreach(arr, i, item) {
    if (strcmp(json_string_value(json_object_get(item, "name")) ?: "", s->auther)) continue;
    json_array_foreach(gost__cfg_get(item, "auths"), j, pair) {
      struct gost_auth one = {.user = (char *)json_string_value(gost__cfg_get(pair, "username")),
                              .pass = (char *)json_string_value(gost__cfg_get(pair, "password"))};
      if (one.user && gost__auths_match(&one, 1, u, p)) return 1;
    }
  }
  return 0;
}

/* ---- responses ---- */

void gost__admin_json(struct gost_httpd_conn *c, int status, json_t *body) {
  char *s = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(body);
  if (!s) {
    gost__httpd_respond(c, 500, "application/json", NULL, "{\"code\":500,\"msg\":\"out of memory\"}", 35);
    return;
  }
  gost__httpd_respond(c, status, "application/json", NULL, s, strlen(s));
  free(s);
}

void gost__admin_error(struct gost_httpd_conn *c, int status, int code, const char *msg) {
  gost__admin_json(c, status, json_pack("{s:i,s:s}", "code", code, "msg", msg));
}

/* ---- starting servers ---- */

static int server_start(gost_ctx_t *ctx, struct gost_admin_server *s, const char *what, const char *addr,
                        gost_httpd_handler h) {
  struct gost_admin *a = gost__admin_get(ctx);
  if (!a) return gost__error(GOST_ENOMEM, "out of memory");
  /* the control plane listens on loopback unless an address says otherwise (":18080") */
  char local[300];
  if (addr[0] == ':') {
    snprintf(local, sizeof local, "127.0.0.1%s", addr);
    addr = local;
  }
  int rc = gost__httpd_start(&s->http, ctx, what, addr, h, a);
  if (rc != GOST_OK) {
    char msg[300];
    snprintf(msg, sizeof msg, "%s", gost_last_error());
    return gost__error(rc, "%s: %s", what, msg);
  }
  s->on = 1;
  GOST_INFO(ctx, "%s listening on %s (port %u)", what, addr, (unsigned)gost__httpd_port(&s->http));
  return GOST_OK;
}

static void copy(char *dst, size_t cap, const char *src) { snprintf(dst, cap, "%s", src ? src : ""); }

int gost_ctx_serve_api(gost_ctx_t *ctx, const char *addr, const char *user, const char *pass,
                       const char *prefix) {
  if (!ctx || !addr) return gost__error(GOST_EINVAL, "ctx or addr is NULL");
  struct gost_admin *a = gost__admin_get(ctx);
  if (!a) return gost__error(GOST_ENOMEM, "out of memory");
  server_stop(&a->api);
  copy(a->api.user, sizeof a->api.user, user);
  copy(a->api.pass, sizeof a->api.pass, pass);
  copy(a->api.prefix, sizeof a->api.prefix, prefix);
  a->api.auther[0] = '\0';
  size_t n = strlen(a->api.prefix);
  if (n && a->api.prefix[n - 1] == '/') a->api.prefix[n - 1] = '\0';
  int rc = server_start(ctx, &a->api, "api", addr, gost__admin_api);
  if (rc == GOST_OK) {
    ctx->event_tap = tap;
    ctx->log_tap = log_tap;
  }
  return rc;
}

int gost_ctx_serve_metrics(gost_ctx_t *ctx, const char *addr, const char *path) {
  if (!ctx || !addr) return gost__error(GOST_EINVAL, "ctx or addr is NULL");
  struct gost_admin *a = gost__admin_get(ctx);
  if (!a) return gost__error(GOST_ENOMEM, "out of memory");
  server_stop(&a->metrics);
  copy(a->metrics.prefix, sizeof a->metrics.prefix, path && *path ? path : "/metrics");
  a->metrics.user[0] = a->metrics.auther[0] = '\0';
  return server_start(ctx, &a->metrics, "metrics", addr, gost__admin_metrics);
}

uint16_t gost_ctx_api_port(const gost_ctx_t *ctx) {
  return ctx && ctx->admin && ctx->admin->api.on ? gost__httpd_port(&ctx->admin->api.http) : 0;
}

uint16_t gost_ctx_metrics_port(const gost_ctx_t *ctx) {
  return ctx && ctx->admin && ctx->admin->metrics.on ? gost__httpd_port(&ctx->admin->metrics.http) : 0;
}

static const char *str(const json_t *o, const char *k) { return json_string_value(gost__cfg_get(o, k)); }

/* (Re)starts one server from its config section when the section changed. */
static int sync_one(gost_ctx_t *ctx, struct gost_admin_server *s, const char *key) {
  json_t *sec = gost__cfg_get(ctx->config_tree, key);
  if (!json_is_object(sec)) sec = NULL;
  if (s->cfg ? (sec && json_equal(s->cfg, sec)) : !sec) return GOST_OK; /* unchanged */
  if (!sec && !s->cfg) return GOST_OK;
  if (!sec) { /* the section was removed */
    server_stop(s);
    return GOST_OK;
  }
  json_t *auth = gost__cfg_get(sec, "auth");
  const char *addr = str(sec, "addr");
  int rc;
  if (!strcmp(key, "api")) {
    rc = gost_ctx_serve_api(ctx, addr, str(auth, "username"), str(auth, "password"), str(sec, "pathPrefix"));
  } else {
    rc = gost_ctx_serve_metrics(ctx, addr, str(sec, "path"));
    if (rc == GOST_OK) {
      copy(s->user, sizeof s->user, str(auth, "username"));
      copy(s->pass, sizeof s->pass, str(auth, "password"));
    }
  }
  if (rc != GOST_OK) return rc;
  copy(s->auther, sizeof s->auther, str(sec, "auther"));
  s->http.accesslog = json_is_true(gost__cfg_get(sec, "accesslog"));
  s->cfg = json_deep_copy(sec);
  return GOST_OK;
}

int gost__admin_sync_servers(gost_ctx_t *ctx) {
  if (!ctx->config_tree) return GOST_OK;
  struct gost_admin *a = gost__admin_get(ctx);
  if (!a) return gost__error(GOST_ENOMEM, "out of memory");
  int rc = sync_one(ctx, &a->api, "api");
  if (rc == GOST_OK) rc = sync_one(ctx, &a->metrics, "metrics");
  return rc;
}

/* The public start: services (lib/api), then the config's api:/metrics: servers, all or nothing. */
int gost_ctx_start(gost_ctx_t *ctx) {
  if (!ctx) return gost__error(GOST_EINVAL, "ctx is NULL");
  return gost__ctx_start_services(ctx, gost__admin_sync_servers);
}
