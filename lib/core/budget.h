/* The resource budget's counters (docs/limits.md): how often each limit of a context was hit.
 * Plain integers bumped on the loop thread, read by whoever exports metrics. One field per
 * limit; the log line that accompanies each is named in docs/limits.md. */
#ifndef GOST_CORE_BUDGET_H
#define GOST_CORE_BUDGET_H

#include <stdint.h>

#define GOST_WRITE_TIMEOUT_DEFAULT_MS 60000 /* writeTimeout: a socket that cannot drain */
#define GOST_CONNS_DEFAULT_MAX 50000         /* conns.max: open connections per TCP listener */

struct gost_budget_counters {
  uint64_t accept_paused;       /* accept() failed for lack of descriptors/memory (each pause) */
  uint64_t write_stalls;        /* sockets reset after writeTimeout without progress */
  uint64_t write_errors;        /* asynchronous write failures reported to the stream's owner */
  uint64_t mux_streams_shed;    /* smux streams reset for holding a full session's receive buffer */
  uint64_t mux_streams_refused; /* smux streams refused above mux.maxStreams */
  uint64_t handshakes_refused;  /* connections refused above handshake.max */
  uint64_t conns_refused;       /* connections refused above a listener's conns.max */
  uint64_t udp_flows_refused;   /* datagrams from new sources dropped above udp.maxFlows */
  uint64_t udp_dgrams_dropped;  /* datagrams dropped: a flow's queue full, or a send buffer full */
};

/* Counts one hit of a budget limit: its own counter and the context's total that the metrics
 * endpoint exports (ctx->ctr.budget_hits, gost_budget_limits_total). ctx: a gost_ctx_t *. */
#define GOST_BUDGET_HIT(ctx, field) ((ctx)->budget.field++, (ctx)->ctr.budget_hits++)

#endif
