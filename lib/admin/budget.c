/* The resource budget as the control plane shows it (docs/limits.md): each limit's current use
 * against its configured value, per service, for /api/status and the dashboard; and the
 * counters of limits hit, shared by /api/status and the metrics. */
#include "admin/admin.h"
#include "gost/gost.h"
#include "tunnel/stat.h"

const struct gost_admin_limit gost__admin_limits[] = {
    {"accept_paused", offsetof(struct gost_budget_counters, accept_paused)},
    {"write_stalls", offsetof(struct gost_budget_counters, write_stalls)},
    {"write_errors", offsetof(struct gost_budget_counters, write_errors)},
    {"mux_streams_shed", offsetof(struct gost_budget_counters, mux_streams_shed)},
    {"mux_streams_refused", offsetof(struct gost_budget_counters, mux_streams_refused)},
    {"handshakes_refused", offsetof(struct gost_budget_counters, handshakes_refused)},
    {"conns_refused", offsetof(struct gost_budget_counters, conns_refused)},
    {"udp_flows_refused", offsetof(struct gost_budget_counters, udp_flows_refused)},
    {"udp_dgrams_dropped", offsetof(struct gost_budget_counters, udp_dgrams_dropped)},
    {NULL, 0}};

uint64_t gost__admin_limit_hits(const gost_ctx_t *ctx, const struct gost_admin_limit *l) {
  return *(const uint64_t *)((const char *)&ctx->budget + l->offset);
}

static void gauge(json_t *o, const char *key, const struct gost_budget_gauge *g) {
  if (g->open)
    json_object_set_new(o, key, json_pack("{s:I,s:I}", "open", (json_int_t)*g->open, "max", (json_int_t)g->max));
}

/* {"services":[{service, conns, udpFlows, handshakes, muxStreams}], "limitsHit":{...}} */
json_t *gost__admin_budgets_json(gost_ctx_t *ctx) {
  json_t *list = json_array(), *hits = json_object();
  struct gost_list *pos;
  gost_list_foreach(pos, &ctx->services) {
    gost_service_t *svc = gost_container_of(pos, gost_service_t, link);
    if (!svc->running) continue;
    json_t *o = json_pack("{s:s}", "service", svc->name);
    gauge(o, "conns", &svc->conns);
    gauge(o, "udpFlows", &svc->flows);
    gauge(o, "handshakes", &svc->handshakes);
    struct gost_tunnel_use u;
    if (gost__tunnel_use(svc, &u)) {
      json_object_set_new(o, "muxStreams", json_pack("{s:I,s:I,s:I}", "open", (json_int_t)u.total, "busiestSession",
                                                     (json_int_t)u.busiest, "maxPerSession",
                                                     (json_int_t)u.max_per_session));
      if (u.entry_listeners) /* each entrypoint listener has its own conns.max */
        json_object_set_new(o, "entrypointConns", json_pack("{s:I,s:I,s:I}", "open", (json_int_t)u.entry_open,
                                                            "max", (json_int_t)u.entry_max, "listeners",
                                                            (json_int_t)u.entry_listeners));
    }
    json_array_append_new(list, o);
  }
  for (const struct gost_admin_limit *l = gost__admin_limits; l->name; l++)
    json_object_set_new(hits, l->name, json_integer((json_int_t)gost__admin_limit_hits(ctx, l)));
  return json_pack("{s:o,s:o}", "services", list, "limitsHit", hits);
}
