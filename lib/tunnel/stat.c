/* A tunnel server's connections are its tunnel clients plus the public entrypoint ones; its
 * bytes are those carried to and from the tunnel clients (live sessions and ended ones). */
#include "tunnel/stat.h"

#include <string.h>

#include "tunnel/server.h"

/* the handler's state is a tunnel server exactly when its ops are "tunnel" or "relay" */
static const struct gost_tunnel_server *server_of(const gost_service_t *svc) {
  if (!svc->running || !svc->handler || !svc->handler_state ||
      (strcmp(svc->handler->name, "tunnel") && strcmp(svc->handler->name, "relay")))
    return NULL;
  return svc->handler_state;
}

int gost__tunnel_use(const gost_service_t *svc, struct gost_tunnel_use *out) {
  const struct gost_tunnel_server *srv = server_of(svc);
  if (!srv) return 0;
  /* 0 in the config means the session default, 16384 (mux/smux.h) */
  *out = (struct gost_tunnel_use){0, 0, srv->mux.max_streams ? srv->mux.max_streams : 16384, 0, 0, 0};
  gost__tunnel_registry_streams_live(srv->reg, &out->total, &out->busiest);
  for (size_t i = 0; i < srv->neps; i++) {
    const struct gost_budget_gauge *g = gost__entrypoint_conns(srv->eps[i]);
    if (!g->open) continue;
    out->entry_open += *g->open;
    out->entry_max = g->max;
    out->entry_listeners++;
  }
  return 1;
}

int gost__tunnel_service_stat(const gost_service_t *svc, int which, uint64_t *out) {
  const struct gost_tunnel_server *srv = server_of(svc);
  if (!srv) return 0;
  struct gost_tunnel_totals t;
  gost__tunnel_registry_totals(srv->reg, &t);
  uint64_t n = svc->stats[GOST_STAT_CONNECTIONS];
  switch (which) {
  case GOST_STAT_CONNECTIONS:
    for (size_t i = 0; i < srv->neps; i++) n += gost__entrypoint_connections(srv->eps[i]);
    *out = n;
    break;
  case GOST_STAT_ACTIVE:
    *out = (uint64_t)gost__tunnel_registry_foreach(srv->reg, NULL, NULL, NULL);
    break;
  case GOST_STAT_BYTES_IN:
    *out = t.bytes_in;
    break;
  case GOST_STAT_VISITOR_SESSIONS:
    *out = srv->nvmux;
    break;
  default:
    *out = t.bytes_out;
  }
  return 1;
}
