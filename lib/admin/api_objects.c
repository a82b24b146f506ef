/* Read-only JSON views of the running context for /api/...: services, tunnels, status. */
#include <string.h>

#include "admin/admin.h"
#include "codec/uuid.h"
#include "gost/gost.h"
#include "ingress/ingress.h"

static json_t *stats_json(gost_service_t *svc) {
  return json_pack("{s:I,s:I,s:I,s:I}", "totalConns", (json_int_t)gost_service_stat(svc, GOST_STAT_CONNECTIONS),
                   "currentConns", (json_int_t)gost_service_stat(svc, GOST_STAT_ACTIVE), "inputBytes",
                   (json_int_t)gost_service_stat(svc, GOST_STAT_BYTES_IN), "outputBytes",
                   (json_int_t)gost_service_stat(svc, GOST_STAT_BYTES_OUT));
}

json_t *gost__admin_service_json(gost_service_t *svc) {
  json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", svc->name, "addr", svc->addr ? svc->addr : "",
                        "handler", svc->handler_type ? svc->handler_type : "", "listener",
                        svc->listener_type ? svc->listener_type : "", "state",
                        svc->running ? "running" : "stopped");
  if (!o) return NULL;
  json_object_set_new(o, "port", json_integer(gost_service_port(svc)));
  if (gost_service_entrypoint_port(svc))
    json_object_set_new(o, "entrypointPort", json_integer(gost_service_entrypoint_port(svc)));
  json_object_set_new(o, "stats", stats_json(svc));
  return o;
}

json_t *gost__admin_service_status(gost_service_t *svc) {
  static const char *const states[] = {"ready", "running", "failed", "closed"};
  json_t *events = json_array(), *st = stats_json(svc);
  unsigned n = svc->nevents < GOST_SVC_EVENTS ? svc->nevents : GOST_SVC_EVENTS;
  for (unsigned i = svc->nevents - n; i < svc->nevents; i++) {
    const struct gost_svc_event *e = &svc->events[i % GOST_SVC_EVENTS];
    json_array_append_new(events, json_pack("{s:I,s:s}", "time", (json_int_t)e->time, "msg", e->msg));
  }
  json_object_set_new(st, "totalErrs", json_integer((json_int_t)svc->errors));
  return json_pack("{s:I,s:s,s:o,s:o}", "createTime", (json_int_t)svc->created_at, "state",
                   states[svc->state], "events", events, "stats", st);
}

json_t *gost__admin_services_json(gost_ctx_t *ctx) {
  json_t *arr = json_array();
  struct gost_list *pos;
  gost_list_foreach(pos, &ctx->services) {
    json_array_append_new(arr, gost__admin_service_json(gost_container_of(pos, gost_service_t, link)));
  }
  return json_pack("{s:o}", "services", arr);
}

/* ---- tunnels ---- */

struct tunnels_acc {
  json_t *by_id; /* tunnel ID -> tunnel object */
  json_t *list;
  const char *service;
};

static json_t *tunnel_obj(struct tunnels_acc *acc, const char *tid) {
  json_t *t = json_object_get(acc->by_id, tid);
  if (t) return t;
  char ep[17] = "";
  gost_tunnel_endpoint_name(tid, ep, sizeof ep);
  t = json_pack("{s:s,s:s,s:s,s:[],s:[],s:I,s:I,s:I,s:I}", "service", acc->service, "tunnelId", tid, "endpoint",
                ep, "hostnames", "connectors", "streams", (json_int_t)0, "bytesIn", (json_int_t)0,
                "bytesOut", (json_int_t)0, "connections", (json_int_t)0);
  json_object_set_new(acc->by_id, tid, t);
  json_array_append(acc->list, t);
  return t;
}

static void on_connector(gost_service_t *svc, const gost_connector_info_t *c, void *user) {
  struct tunnels_acc *acc = user;
  json_t *t = tunnel_obj(acc, c->tunnel_id);
  json_array_append_new(json_object_get(t, "connectors"),
                        json_pack("{s:s,s:s,s:s,s:i,s:f,s:I,s:I,s:I}", "id", c->connector_id, "client",
                                  c->client, "network", c->udp ? "udp" : "tcp", "weight", c->weight,
                                  "uptime", c->uptime_s, "streams", (json_int_t)c->streams, "bytesIn",
                                  (json_int_t)c->bytes_in, "bytesOut", (json_int_t)c->bytes_out));
}

/* The tunnel's totals over all its connectors, past and present (they survive a rejoin). */
static void on_tunnel(gost_service_t *svc, const gost_tunnel_stats_t *st, void *user) {
  json_t *t = tunnel_obj(user, st->tunnel_id);
  json_object_set_new(t, "streams", json_integer((json_int_t)st->streams));
  json_object_set_new(t, "bytesIn", json_integer((json_int_t)st->bytes_in));
  json_object_set_new(t, "bytesOut", json_integer((json_int_t)st->bytes_out));
  json_object_set_new(t, "connections", json_integer((json_int_t)st->connections));
  json_object_set_new(t, "idleSeconds", json_real(st->idle_s));
}

static void ingress_hostnames(struct tunnels_acc *acc, const struct gost_ingress *ing) {
  const struct gost_ingress_rule *r;
  for (size_t i = 0; (r = gost__ingress_rule_at(ing, i)) != NULL; i++) {
    char tid[37];
    gost__uuid_format(r->id, tid);
    json_t *t = tunnel_obj(acc, tid);
    json_array_append_new(json_object_get(t, "hostnames"),
                          json_pack("{s:s,s:b,s:s?}", "hostname", r->host, "private", r->priv, "ingress",
                                    ing->name));
  }
}

json_t *gost__admin_tunnels_json(gost_ctx_t *ctx) {
  struct tunnels_acc acc = {json_object(), json_array(), NULL};
  struct gost_list *pos;
  gost_list_foreach(pos, &ctx->services) {
    gost_service_t *svc = gost_container_of(pos, gost_service_t, link);
    if (!svc->running) continue;
    acc.service = svc->name;
    json_object_clear(acc.by_id); /* one entry per (service, tunnel) */
    if (gost_service_tunnel_stats(svc, on_tunnel, &acc) < 0) continue; /* not a tunnel server */
    gost_service_connectors(svc, on_connector, &acc);
    ingress_hostnames(&acc, svc->ingress);
  }
  json_decref(acc.by_id);
  return json_pack("{s:o}", "tunnels", acc.list);
}

json_t *gost__admin_status_json(gost_ctx_t *ctx) {
  size_t nsvc = 0, running = 0;
  int connectors = 0;
  uint64_t conns = 0;
  struct gost_list *pos;
  gost_list_foreach(pos, &ctx->services) {
    gost_service_t *svc = gost_container_of(pos, gost_service_t, link);
    nsvc++;
    running += svc->running != 0;
    conns += gost_service_stat(svc, GOST_STAT_ACTIVE);
    int n = svc->running ? gost_service_connectors(svc, NULL, NULL) : -1;
    if (n > 0) connectors += n;
  }
  return json_pack("{s:s,s:f,s:I,s:I,s:i,s:I,s:s?,s:o}", "version", gost_version_string(), "uptime",
                   ev_time() - ctx->started_at, "services", (json_int_t)nsvc, "running",
                   (json_int_t)running, "connectors", connectors, "activeConns", (json_int_t)conns,
                   "configFile", ctx->config_path, "budgets", gost__admin_budgets_json(ctx));
}
