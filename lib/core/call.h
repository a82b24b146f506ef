/* The gost_ctx_call queue's lifetime, tied to the context's. */
#ifndef GOST_CORE_CALL_H
#define GOST_CORE_CALL_H

#include <ev.h>
#include <pthread.h>

#include "gost/control.h"

struct gost_call;

/* The queue, embedded in the ctx (core/ctx_int.h). */
struct gost_calls {
  pthread_mutex_t lock;
  struct gost_call *head, *tail;
  ev_async async;
  gost_ctx_t *ctx;
  int ready;
};

int gost__calls_init(gost_ctx_t *ctx);
void gost__calls_free(gost_ctx_t *ctx);

#endif
