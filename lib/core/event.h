/* Internal event emission (gost/control.h has the public types). */
#ifndef GOST_CORE_EVENT_H
#define GOST_CORE_EVENT_H

#include "gost/control.h"

/* 1 when someone listens: callers skip building an event otherwise (hot paths). */
#define gost__event_wanted(ctx) ((ctx)->event_cb || (ctx)->event_tap)
void gost__event_emit(gost_ctx_t *ctx, const gost_event_t *ev);

#endif
