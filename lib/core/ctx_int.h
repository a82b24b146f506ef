/* The context's private layout, shared by the core and the api layer. */
#ifndef GOST_CORE_CTX_INT_H
#define GOST_CORE_CTX_INT_H

#include <ev.h>

#include "core/budget.h"
#include "core/buf.h"
#include "core/list.h"
#include "core/mem.h"
#include "gost/ctx.h"

#if !EV_MULTIPLICITY
#error "libgost needs libev built with EV_MULTIPLICITY"
#endif

struct gost_resolver;

struct gost_ctx {
  struct ev_loop *loop;
  int owns_loop;
  ev_async stop_async; /* gost_ctx_stop from any thread */
  struct gost_mem mem;
  struct gost_buf_pool bufs;
  struct gost_resolver *resolver; /* created on first use */

  int log_level;
  gost_log_cb log_cb;
  void *log_user;

  /* Named objects, in creation order. */
  struct gost_list services;
  struct gost_list chains;
  struct gost_list ingresses;
  struct gost_list authers;
  struct gost_list tunnels;
  struct gost_list pipes; /* live relay pipes (io/pipe.c) */

  /* Resource budget (docs/limits.md): defaults for streams and the counters of limits hit. */
  int64_t write_timeout_ms; /* sockets that cannot drain for this long are reset (0: never) */
  struct gost_budget_counters budget;
};

/* The context's allocator, for internals: gost__malloc(ctx, n). */
#define gost__malloc(ctx, n) gost__mem_malloc(&(ctx)->mem, (n))
#define gost__calloc(ctx, c, n) gost__mem_calloc(&(ctx)->mem, (c), (n))
#define gost__realloc(ctx, p, n) gost__mem_realloc(&(ctx)->mem, (p), (n))
#define gost__free(ctx, p) gost__mem_free(&(ctx)->mem, (p))
#define gost__strdup(ctx, s) gost__mem_strdup(&(ctx)->mem, (s))

static inline ev_tstamp gost__now(const gost_ctx_t *ctx) { return ev_now(ctx->loop); }
/* Monotonic milliseconds of the loop clock, for pure state machines. */
static inline uint64_t gost__now_ms(const gost_ctx_t *ctx) {
  return (uint64_t)(ev_now(ctx->loop) * 1000.0);
}

#endif
