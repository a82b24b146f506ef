/* lib/admin: the control plane on top of everything else: the web API (stock GOST's paths plus
 * /api/...), Prometheus metrics, config diff-and-apply (reload) and the event stream. */
#ifndef GOST_ADMIN_ADMIN_H
#define GOST_ADMIN_ADMIN_H

#include <jansson.h>

#include "admin/http.h"

struct gost_admin_server {
  struct gost_httpd http;
  int on;
  json_t *cfg;      /* the section it was started from (NULL: started through the C API) */
  char user[256], pass[256];
  char auther[256]; /* name of an auther of the config tree */
  char prefix[256]; /* api: pathPrefix; metrics: path */
};

#define GOST_ADMIN_RECENT 50

struct gost_admin {
  struct gost_ctx_child child; /* owned by the ctx (rank ADMIN) */
  gost_ctx_t *ctx;
  struct gost_admin_server api, metrics;
  double started;
  char *recent[GOST_ADMIN_RECENT]; /* last warn/error log records (JSON), ring */
  size_t nrecent;                  /* records ever kept: the next slot is nrecent % N */
};

struct gost_admin *gost__admin_get(gost_ctx_t *ctx);
/* 1 if the request carries credentials the server accepts (or none are configured). */
int gost__admin_authorized(const struct gost_admin *a, const struct gost_admin_server *s,
                           const struct gost_httpd_request *r);

/* Responses: JSON body (reference stolen), or stock's {"code","msg"} error. */
void gost__admin_json(struct gost_httpd_conn *c, int status, json_t *body);
void gost__admin_error(struct gost_httpd_conn *c, int status, int code, const char *msg);

/* api.c: the web API request handler (user = struct gost_admin). */
void gost__admin_api(struct gost_httpd_conn *c, const struct gost_httpd_request *r, void *user);
/* metrics.c: Prometheus text of the context into a malloc'd string. */
char *gost__admin_metrics_text(gost_ctx_t *ctx, size_t *len);
void gost__admin_metrics(struct gost_httpd_conn *c, const struct gost_httpd_request *r, void *user);
/* yaml.c: JSON tree -> YAML text (malloc'd). */
char *gost__admin_yaml(const json_t *v);
/* apply.c: makes tree (normalised, not stolen) the running config. On error nothing changed
 * and gost_last_error() says why. summary (may be NULL) gets "2 added, 1 changed, ...". */
int gost__admin_apply_tree(gost_ctx_t *ctx, json_t *tree, char *summary, size_t cap);
/* Starts/stops api and metrics servers to match ctx->config_tree. */
int gost__admin_sync_servers(gost_ctx_t *ctx);

/* api_objects.c: read-only views for /api/.... */
json_t *gost__admin_services_json(gost_ctx_t *ctx);
json_t *gost__admin_service_json(gost_service_t *svc);
/* Stock's ServiceStatus: {createTime, state, events:[{time,msg}], stats:{totalConns, ...}}. */
json_t *gost__admin_service_status(gost_service_t *svc);
json_t *gost__admin_tunnels_json(gost_ctx_t *ctx);
json_t *gost__admin_status_json(gost_ctx_t *ctx);
/* budget.c: budgets in use against their limits, per service, plus the limits-hit counters. */
struct gost_admin_limit {
  const char *name; /* gost_budget_limits_total{limit=...} */
  size_t offset;    /* in struct gost_budget_counters */
};
extern const struct gost_admin_limit gost__admin_limits[]; /* ends with {NULL, 0} */
uint64_t gost__admin_limit_hits(const gost_ctx_t *ctx, const struct gost_admin_limit *l);
json_t *gost__admin_budgets_json(gost_ctx_t *ctx);
/* {"errors":[record, ...]}: the last warn/error log records, oldest first. */
json_t *gost__admin_errors_json(const struct gost_admin *a);

#endif
