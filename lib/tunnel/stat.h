/* gost_service_stat of a running tunnel server, which counts beyond svc->stats. */
#ifndef GOST_TUNNEL_STAT_H
#define GOST_TUNNEL_STAT_H

#include <stdint.h>

#include "gost/service.h"

/* 1 and *out set when svc is a running tunnel/relay server, else 0. */
int gost__tunnel_service_stat(const gost_service_t *svc, int which, uint64_t *out);

/* Budgets in use by a running tunnel server: live smux streams (mux.maxStreams is per session:
 * total, the busiest session's count, the limit) and the connections open on its HTTP
 * entrypoints (each listener has its own conns.max). 1 when svc is one, else 0. */
struct gost_tunnel_use {
  uint64_t total, busiest, max_per_session;
  uint64_t entry_open, entry_max, entry_listeners;
};
int gost__tunnel_use(const gost_service_t *svc, struct gost_tunnel_use *out);

#endif
