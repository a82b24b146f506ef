/* Context-wide counters exported as Prometheus metrics (lib/admin/metrics.c). Each event on
 * the hot path costs one increment of a plain integer: the loop is single-threaded. */
#ifndef GOST_CORE_COUNTERS_H
#define GOST_CORE_COUNTERS_H

#include <stdint.h>

/* Why a tunnel handshake (relay request on the tunnel port or entrypoint) was refused. */
enum gost_refusal {
  GOST_REFUSE_AUTH,        /* bad or missing credentials */
  GOST_REFUSE_BAD_REQUEST, /* malformed relay request, bad version, bad command */
  GOST_REFUSE_TUNNEL,      /* missing, zero or unroutable tunnel ID */
  GOST_REFUSE_NO_CONNECTOR,/* no live tunnel client for the tunnel */
  GOST_REFUSE_TIMEOUT,     /* no complete request within readTimeout */
  GOST_REFUSE_OTHER,
  GOST_REFUSE__COUNT
};

#define GOST_STATUS_MIN 100
#define GOST_STATUS_MAX 599

struct gost_counters {
  uint64_t entry_status[GOST_STATUS_MAX - GOST_STATUS_MIN + 1]; /* entrypoint HTTP responses */
  uint64_t refused[GOST_REFUSE__COUNT];
  uint64_t budget_hits;    /* resource budgets (hardening) that refused something */
};

static inline void gost__count_status(struct gost_counters *c, int status) {
  if (status >= GOST_STATUS_MIN && status <= GOST_STATUS_MAX) c->entry_status[status - GOST_STATUS_MIN]++;
}

/* Label value of a refusal reason ("auth", ...). */
const char *gost__refusal_name(int reason);

#endif
