/* Prometheus text exposition (format 0.0.4): stock GOST's service metrics with its names and
 * labels, plus tunnel, entrypoint and handshake metrics. Everything is read at scrape time
 * from counters the hot path only increments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin/admin.h"
#include "admin/strbuf.h"
#include "gost/gost.h"
#include "limit/limiter.h"

#define put gost__sb_printf

/* Label values escape backslash, quote and newline. */
static const char *esc(const char *s, char *buf, size_t cap) {
  size_t o = 0;
  for (; s && *s && o + 3 < cap; s++) {
    if (*s == '\\' || *s == '"') buf[o++] = '\\';
    if (*s == '\n') {
      buf[o++] = '\\';
      buf[o++] = 'n';
      continue;
    }
    buf[o++] = *s;
  }
  buf[o] = '\0';
  return buf;
}

static void family(struct gost_sb *o, const char *name, const char *type, const char *help) {
  put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

struct tunnel_acc {
  struct gost_sb *o;
  const char *host, *service;
  int pass; /* 0 connectors, 1 streams, 2 bytes */
};

static void per_connector(gost_service_t *svc, const gost_connector_info_t *c, void *user) {
  struct tunnel_acc *a = user;
  char h[256], s[512];
  esc(a->host, h, sizeof h);
  esc(a->service, s, sizeof s);
  const char *l = "host=\"%s\",service=\"%s\",tunnel=\"%s\",connector=\"%s\"";
  char labels[1024];
  snprintf(labels, sizeof labels, l, h, s, c->tunnel_id, c->connector_id);
  if (a->pass == 0) put(a->o, "gost_tunnel_connector_up{%s,network=\"%s\"} 1\n", labels, c->udp ? "udp" : "tcp");
  else if (a->pass == 1) put(a->o, "gost_tunnel_streams_total{%s} %llu\n", labels, (unsigned long long)c->streams);
  else {
    put(a->o, "gost_tunnel_transfer_bytes_total{%s,direction=\"in\"} %llu\n", labels,
        (unsigned long long)c->bytes_in);
    put(a->o, "gost_tunnel_transfer_bytes_total{%s,direction=\"out\"} %llu\n", labels,
        (unsigned long long)c->bytes_out);
  }
}

/* Connectors per tunnel, also 0 for a tunnel an ingress names that has no client now. */
static void tunnel_counts(struct gost_sb *o, gost_ctx_t *ctx, const char *h) {
  family(o, "gost_tunnel_connectors", "gauge", "Live connectors per tunnel");
  json_t *all = gost__admin_tunnels_json(ctx), *t;
  size_t i;
  json_array_foreach(json_object_get(all, "tunnels"), i, t) {
    char s[512];
    put(o, "gost_tunnel_connectors{host=\"%s\",service=\"%s\",tunnel=\"%s\"} %zu\n", h,
        esc(json_string_value(json_object_get(t, "service")), s, sizeof s),
        json_string_value(json_object_get(t, "tunnelId")), json_array_size(json_object_get(t, "connectors")));
  }
  json_decref(all);
}

/* Per-tunnel totals: counters that survive connectors leaving and rejoining. */
struct tunnel_totals_acc {
  struct gost_sb *o;
  const char *host, *service;
  int pass; /* 0 streams, 1 bytes */
};

static void per_tunnel(gost_service_t *svc, const gost_tunnel_stats_t *st, void *user) {
  struct tunnel_totals_acc *a = user;
  char h[256], s[512];
  esc(a->host, h, sizeof h);
  esc(a->service, s, sizeof s);
  if (a->pass == 0) {
    put(a->o, "gost_tunnel_streams_opened_total{host=\"%s\",service=\"%s\",tunnel=\"%s\"} %llu\n", h, s,
        st->tunnel_id, (unsigned long long)st->streams);
    return;
  }
  put(a->o, "gost_tunnel_bytes_total{host=\"%s\",service=\"%s\",tunnel=\"%s\",direction=\"in\"} %llu\n", h, s,
      st->tunnel_id, (unsigned long long)st->bytes_in);
  put(a->o, "gost_tunnel_bytes_total{host=\"%s\",service=\"%s\",tunnel=\"%s\",direction=\"out\"} %llu\n", h, s,
      st->tunnel_id, (unsigned long long)st->bytes_out);
}

static void tunnel_totals(struct gost_sb *o, gost_ctx_t *ctx, const char *host) {
  static const char *const names[2][2] = {
      {"gost_tunnel_streams_opened_total", "Streams opened through a tunnel, all its connectors past and present"},
      {"gost_tunnel_bytes_total", "Bytes carried by a tunnel, all its connectors past and present; direction in = "
                                  "from the tunnel clients"}};
  for (int pass = 0; pass < 2; pass++) {
    family(o, names[pass][0], "counter", names[pass][1]);
    struct gost_list *pos;
    gost_list_foreach(pos, &ctx->services) {
      gost_service_t *svc = gost_container_of(pos, gost_service_t, link);
      struct tunnel_totals_acc a = {o, host, svc->name, pass};
      if (svc->running) gost_service_tunnel_stats(svc, per_tunnel, &a);
    }
  }
}

static void service_family(struct gost_sb *o, gost_ctx_t *ctx, const char *host, const char *name,
                           const char *type, const char *help, int which) {
  family(o, name, type, help);
  struct gost_list *pos;
  char h[256], s[512];
  gost_list_foreach(pos, &ctx->services) {
    gost_service_t *svc = gost_container_of(pos, gost_service_t, link);
    put(o, "%s{host=\"%s\",service=\"%s\"} %llu\n", name, esc(host, h, sizeof h), esc(svc->name, s, sizeof s),
        (unsigned long long)gost_service_stat(svc, which));
  }
}

char *gost__admin_metrics_text(gost_ctx_t *ctx, size_t *len) {
  struct gost_sb o = {0};
  char host[256] = "", h[256];
  gethostname(host, sizeof host - 1);
  esc(host, h, sizeof h);
  size_t running = 0;
  struct gost_list *pos;
  gost_list_foreach(pos, &ctx->services) running += gost_container_of(pos, gost_service_t, link)->running != 0;

  family(&o, "gost_services", "gauge", "Current number of services");
  put(&o, "gost_services{host=\"%s\"} %zu\n", h, running);
  service_family(&o, ctx, host, "gost_service_requests_total", "counter", "Total number of requests",
                 GOST_STAT_CONNECTIONS);
  service_family(&o, ctx, host, "gost_service_requests_in_flight", "gauge", "Current in-flight requests",
                 GOST_STAT_ACTIVE);
  service_family(&o, ctx, host, "gost_service_transfer_input_bytes_total", "counter",
                 "Total service input data transfer size in bytes", GOST_STAT_BYTES_IN);
  service_family(&o, ctx, host, "gost_service_transfer_output_bytes_total", "counter",
                 "Total service output data transfer size in bytes", GOST_STAT_BYTES_OUT);
  service_family(&o, ctx, host, "gost_service_visitor_sessions", "gauge",
                 "Multiplexed visitor sessions open (tunnel servers, tunnel.mux)", GOST_STAT_VISITOR_SESSIONS);

  family(&o, "gost_service_handler_errors_total", "counter", "Total service handler errors");
  gost_list_foreach(pos, &ctx->services) {
    gost_service_t *svc = gost_container_of(pos, gost_service_t, link);
    char s[512];
    put(&o, "gost_service_handler_errors_total{host=\"%s\",service=\"%s\"} %llu\n", h, esc(svc->name, s, sizeof s),
        (unsigned long long)svc->errors);
  }
  family(&o, "gost_chain_errors_total", "counter", "Total chain errors");
  gost_list_foreach(pos, &ctx->chains) {
    gost_chain_t *ch = gost_container_of(pos, gost_chain_t, link);
    char c[512];
    put(&o, "gost_chain_errors_total{host=\"%s\",chain=\"%s\"} %llu\n", h, esc(ch->name, c, sizeof c),
        (unsigned long long)ch->errors);
  }

  static const struct {
    const char *name, *type, *help;
  } tf[] = {{"gost_tunnel_connector_up", "gauge", "Live tunnel connectors (1 per connector)"},
            {"gost_tunnel_streams_total", "counter", "Streams opened through a tunnel connector"},
            {"gost_tunnel_transfer_bytes_total", "counter",
             "Bytes carried by a tunnel connector; direction in = from the tunnel client"}};
  tunnel_counts(&o, ctx, h);
  for (int pass = 0; pass < 3; pass++) {
    family(&o, tf[pass].name, tf[pass].type, tf[pass].help);
    gost_list_foreach(pos, &ctx->services) {
      gost_service_t *svc = gost_container_of(pos, gost_service_t, link);
      struct tunnel_acc a = {&o, host, svc->name, pass};
      if (svc->running) gost_service_connectors(svc, per_connector, &a);
    }
  }

  tunnel_totals(&o, ctx, host);

  family(&o, "gost_entrypoint_responses_total", "counter", "HTTP responses sent by tunnel entrypoints, by status");
  for (int i = 0; i <= GOST_STATUS_MAX - GOST_STATUS_MIN; i++)
    if (ctx->ctr.entry_status[i])
      put(&o, "gost_entrypoint_responses_total{host=\"%s\",code=\"%d\"} %llu\n", h, i + GOST_STATUS_MIN,
          (unsigned long long)ctx->ctr.entry_status[i]);
  family(&o, "gost_tunnel_handshake_refusals_total", "counter", "Tunnel handshakes refused, by reason");
  for (int i = 0; i < GOST_REFUSE__COUNT; i++)
    put(&o, "gost_tunnel_handshake_refusals_total{host=\"%s\",reason=\"%s\"} %llu\n", h, gost__refusal_name(i),
        (unsigned long long)ctx->ctr.refused[i]);
  family(&o, "gost_budget_limits_total", "counter", "Times a resource budget limit was hit, by limit");
  for (const struct gost_admin_limit *l = gost__admin_limits; l->name; l++)
    put(&o, "gost_budget_limits_total{host=\"%s\",limit=\"%s\"} %llu\n", h, l->name,
        (unsigned long long)gost__admin_limit_hits(ctx, l));
  family(&o, "gost_limiter_hits_total", "counter",
         "Times a limiter acted: connections refused (conn, rate) or reads paused (traffic)");
  struct gost_list *lp;
  gost_list_foreach(lp, &ctx->limiters) {
    const struct gost_limiter *l = gost_container_of(lp, struct gost_limiter, link);
    static const char *const kinds[] = {"traffic", "conn", "rate"};
    char n[512];
    put(&o, "gost_limiter_hits_total{host=\"%s\",limiter=\"%s\",kind=\"%s\"} %llu\n", h,
        esc(l->name ? l->name : "", n, sizeof n), kinds[l->kind], (unsigned long long)l->hits);
  }
  family(&o, "gost_uptime_seconds", "gauge", "Seconds since the context was created");
  put(&o, "gost_uptime_seconds{host=\"%s\"} %.3f\n", h, ev_time() - ctx->started_at);
  if (o.oom) {
    free(o.p);
    return NULL;
  }
  *len = o.len;
  return o.p;
}

void gost__admin_metrics(struct gost_httpd_conn *c, const struct gost_httpd_request *r, void *user) {
  struct gost_admin *a = user;
  if (strcmp(r->path, a->metrics.prefix)) return gost__admin_error(c, 404, 404, "not found");
  if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD"))
    return gost__admin_error(c, 405, 405, "method not allowed");
  if (!gost__admin_authorized(a, &a->metrics, r)) {
    gost__httpd_respond(c, 401, "text/plain", "WWW-Authenticate: Basic realm=\"metrics\"\r\n", "", 0);
    return;
  }
  size_t n = 0;
  char *text = gost__admin_metrics_text(a->ctx, &n);
  if (!text) return gost__admin_error(c, 500, 500, "out of memory");
  gost__httpd_respond(c, 200, "text/plain; version=0.0.4; charset=utf-8", NULL, text, n);
  free(text);
}
