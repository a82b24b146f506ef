/* The context's private layout, shared by the core and the api layer. */
#ifndef GOST_CORE_CTX_INT_H
#define GOST_CORE_CTX_INT_H

#include <ev.h>

#include "core/budget.h"
#include "core/buf.h"
#include "core/call.h"
#include "core/counters.h"
#include "core/list.h"
#include "core/mem.h"
#include "gost/control.h"
#include "gost/ctx.h"

#if !EV_MULTIPLICITY
#error "libgost needs libev built with EV_MULTIPLICITY"
#endif

struct gost_resolver;
struct gost_admin;
struct gost_log_sink;
struct json_t;

/* Objects the ctx owns, as libuv's handle queue: every module embeds a gost_ctx_child in its
 * long-lived objects, so the core walks them without knowing (or declaring) any module.
 * gost_ctx_free destroys children rank by rank, lowest first, newest first within a rank;
 * gost_ctx_stop on a borrowed loop calls every child's stop. */
enum gost_ctx_rank {
  GOST__RANK_ADMIN,   /* the API/metrics servers read every other object: they go first */
  GOST__RANK_PIPE,    /* relays first: their done callbacks may touch their owners */
  GOST__RANK_TUNNEL,  /* client tunnels own a service and a chain */
  GOST__RANK_SERVICE, /* services hold references on chains and ingresses */
  GOST__RANK_SD,      /* scale-out sd: after the services that register through it */
  GOST__RANK_CHAIN,
  GOST__RANK_LOADER,  /* scale-out: Redis ingress loaders hold ingress references */
  GOST__RANK_INGRESS,
  GOST__RANK_LIMITER, /* limiters: services and connections hold references on them */
  GOST__RANK_COUNT
};

struct gost_ctx_child;
typedef void (*gost_ctx_child_fn)(struct gost_ctx_child *c);

struct gost_ctx_child {
  struct gost_list link;     /* ctx->children[rank], or self-linked when not adopted */
  gost_ctx_child_fn destroy; /* frees the object; must gost__ctx_disown first or inside */
  gost_ctx_child_fn stop;    /* stops serving (gost_ctx_stop, borrowed loop); may be NULL */
};

struct gost_ctx {
  void *data; /* the caller's (gost_ctx_set_data) */
  struct ev_loop *loop;
  int owns_loop;
  ev_async stop_async; /* gost_ctx_stop from any thread */
  struct gost_mem mem;
  struct gost_buf_pool bufs;
  struct gost_resolver *resolver; /* created on first use */

  int log_level;
  gost_log_cb log_cb;
  void *log_user;

  struct gost_list children[GOST__RANK_COUNT];
  /* Lookup indexes of the api layer (gost_ctx_service, ...), in creation order. */
  struct gost_list services;
  struct gost_list chains;
  struct gost_list ingresses;
  struct gost_list limiters; /* lib/limit: traffic, conn and rate limiters */

  /* Control plane: core/event.c, core/call.c, core/counters.h, lib/admin. */
  struct json_t *config_tree; /* effective config (names filled in), NULL before a load */
  char *config_path;          /* file given to gost_ctx_load_file: reload and POST /config */
  struct json_t *cmdline_tree; /* gost_ctx_load_urls (-L/-F): merged into every reload, as stock */
  struct gost_admin *admin;   /* API/metrics servers and SSE clients (lib/admin), a ctx child */
  struct gost_calls calls;    /* gost_ctx_call queue (core/call.c) */
  struct gost_log_sink *log_sink; /* log: {format, output, rotation}; NULL = stderr JSON */
  int log_text;               /* log.format: text */
  gost_event_cb event_cb;
  void *event_user;
  void (*event_tap)(gost_ctx_t *ctx, const gost_event_t *ev); /* lib/admin: SSE fan-out */
  void (*log_tap)(gost_ctx_t *ctx, int level, const char *rec); /* lib/admin: warn+ records */
  struct gost_counters ctr;   /* counters for metrics: an increment on the hot path */
  double started_at;          /* wall clock at creation, for uptime */

  /* Resource budget (docs/limits.md): defaults for streams and the counters of limits hit. */
  int64_t write_timeout_ms; /* sockets that cannot drain for this long are reset (0: never) */
  struct gost_budget_counters budget;
  void *dgram_rx; /* io/dgramrx.c: the recvmmsg arena of every UDP socket, one block (lazy) */
};

/* Makes c a child of ctx (c->destroy and c->stop set by the caller). */
void gost__ctx_adopt(gost_ctx_t *ctx, struct gost_ctx_child *c, enum gost_ctx_rank rank);
/* Removes c from its ctx; a no-op on a child never adopted (its link initialised). */
void gost__ctx_disown(struct gost_ctx_child *c);
/* A child initialised as not adopted, with its functions. */
static inline void gost__ctx_child_init(struct gost_ctx_child *c, gost_ctx_child_fn destroy,
                                        gost_ctx_child_fn stop) {
  gost_list_init(&c->link);
  c->destroy = destroy;
  c->stop = stop;
}

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
