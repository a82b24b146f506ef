/* libgost umbrella header. */
#ifndef GOST_GOST_H
#define GOST_GOST_H

#include <gost/common.h>
#include <gost/version.h>
#include <gost/error.h>
#include <gost/log.h>
#include <gost/ctx.h>
#include <gost/service.h>
#include <gost/chain.h>
#include <gost/ingress.h>
#include <gost/config.h>
#include <gost/tunnel.h>
#include <gost/cluster.h>
#include <gost/control.h>
#include <gost/limiter.h>

#endif /* GOST_GOST_H */
