/* gost_service_stat of a running tunnel server, which counts beyond svc->stats. */
#ifndef GOST_TUNNEL_STAT_H
#define GOST_TUNNEL_STAT_H

#include <stdint.h>

#include "gost/service.h"

/* 1 and *out set when svc is a running tunnel/relay server, else 0. */
int gost__tunnel_service_stat(const gost_service_t *svc, int which, uint64_t *out);

#endif
