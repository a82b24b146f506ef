/* Per-service counters kept by handlers. */
#ifndef GOST_MODEL_STATS_H
#define GOST_MODEL_STATS_H

#include "model/service.h"

/* A connection counted by gost__service_accept ended after relaying in / out bytes
 * (in: from the client, out: to the client). */
void gost__service_conn_done(gost_service_t *svc, uint64_t in, uint64_t out);

#endif
