#include <assert.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/call.h"
#include "core/ctx_int.h"
#include "core/error.h"
#include "core/log.h"
#include "core/logsink.h"
#include "core/resolver.h"
#include "gost/sys/alloc.h"
#include "gost/version.h"


unsigned gost_version(void) { return GOST_VERSION_HEX; }
const char *gost_version_string(void) { return GOST_VERSION_STRING; }

void gost__ctx_adopt(gost_ctx_t *ctx, struct gost_ctx_child *c, enum gost_ctx_rank rank) {
  assert(rank < GOST__RANK_COUNT && c->destroy && gost_list_empty(&c->link));
  /* At the head: newest first within the rank. */
  struct gost_list *head = &ctx->children[rank];
  c->link.next = head->next;
  c->link.prev = head;
  head->next->prev = &c->link;
  head->next = &c->link;
}

void gost__ctx_disown(struct gost_ctx_child *c) { gost_list_remove(&c->link); }

static void stop_children(gost_ctx_t *ctx) {
  struct gost_list *pos, *tmp;
  for (int r = 0; r < GOST__RANK_COUNT; r++)
    gost_list_foreach_safe(pos, tmp, &ctx->children[r]) {
      struct gost_ctx_child *c = gost_container_of(pos, struct gost_ctx_child, link);
      if (c->stop) c->stop(c);
    }
}

static void destroy_children(gost_ctx_t *ctx) {
  for (int r = 0; r < GOST__RANK_COUNT; r++)
    while (!gost_list_empty(&ctx->children[r])) {
      struct gost_ctx_child *c = gost_container_of(ctx->children[r].next, struct gost_ctx_child, link);
      c->destroy(c);
      assert(ctx->children[r].next != &c->link); /* destroy must disown */
    }
}

static void on_stop(struct ev_loop *loop, ev_async *w, int revents) {
  (void)revents;
  gost_ctx_t *ctx = w->data;
  /* A borrowed loop is never broken out of: stopping our services lets the caller's ev_run end. */
  if (ctx->owns_loop) ev_break(loop, EVBREAK_ALL);
  else stop_children(ctx);
}

static int ctx_init(gost_ctx_t **out, struct ev_loop *loop, int owns, const struct gost_mem *mem) {
  if (!out) return gost__error(GOST_EINVAL, "out is NULL");
  *out = NULL;
  if (ev_version_major() != EV_VERSION_MAJOR)
    return gost__error(GOST_EUNSUPPORTED, "libev major version %d, built against %d",
                       ev_version_major(), EV_VERSION_MAJOR);
  /* The ctx itself comes from the caller's allocator too. */
  const struct gost_mem m = mem ? *mem : gost__mem_libc;
  gost_ctx_t *ctx = gost__mem_calloc(&m, 1, sizeof *ctx);
  if (!ctx) return gost__error(GOST_ENOMEM, "out of memory creating context");
  ctx->mem = m;
  if (!loop) loop = ev_loop_new(EVFLAG_AUTO);
  if (!loop) {
    gost__mem_free(&m, ctx);
    return gost__error(GOST_EIO, "cannot create event loop");
  }
  ctx->loop = loop;
  ctx->owns_loop = owns;
  ctx->log_level = GOST_LOG_INFO;
  gost__buf_pool_init(&ctx->bufs, &ctx->mem, 256);
  gost_list_init(&ctx->services);
  gost_list_init(&ctx->chains);
  gost_list_init(&ctx->ingresses);
  gost_list_init(&ctx->limiters);
  for (int r = 0; r < GOST__RANK_COUNT; r++) gost_list_init(&ctx->children[r]);
  ctx->write_timeout_ms = GOST_WRITE_TIMEOUT_DEFAULT_MS;
  ev_async_init(&ctx->stop_async, on_stop);
  ctx->stop_async.data = ctx;
  ev_async_start(loop, &ctx->stop_async);
  ev_unref(loop); /* the stop watcher must not keep a borrowed loop alive */
  ctx->started_at = ev_time();
  if (gost__calls_init(ctx) != GOST_OK) {
    gost_ctx_free(ctx);
    return gost__error(GOST_ENOMEM, "out of memory creating context");
  }
  *out = ctx;
  return GOST_OK;
}

int gost_ctx_new(gost_ctx_t **out) { return ctx_init(out, NULL, 1, NULL); }

int gost_ctx_new_with_loop(gost_ctx_t **out, struct ev_loop *loop) {
  if (!loop) return gost__error(GOST_EINVAL, "loop is NULL");
  return ctx_init(out, loop, 0, NULL);
}

int gost_ctx_new_with_allocator(gost_ctx_t **out, struct ev_loop *loop, gost_malloc_fn malloc_fn,
                                gost_realloc_fn realloc_fn, gost_free_fn free_fn, void *user) {
  if (!malloc_fn || !realloc_fn || !free_fn) return gost__error(GOST_EINVAL, "allocator functions missing");
  const struct gost_mem mem = {malloc_fn, realloc_fn, free_fn, user};
  return ctx_init(out, loop, loop == NULL, &mem);
}

void gost_ctx_free(gost_ctx_t *ctx) {
  if (!ctx) return;
  destroy_children(ctx); /* the admin child (API, metrics) first: it reads the others */
  gost__calls_free(ctx);
  gost__log_sink_free(ctx);
  json_decref(ctx->config_tree);
  json_decref(ctx->cmdline_tree);
  free(ctx->config_path);
  if (ctx->resolver) gost__resolver_free(ctx->resolver);
  ev_ref(ctx->loop);
  ev_async_stop(ctx->loop, &ctx->stop_async);
  gost__buf_pool_cleanup(&ctx->bufs);
  gost__free(ctx, ctx->dgram_rx);
  if (ctx->owns_loop) ev_loop_destroy(ctx->loop);
  const struct gost_mem m = ctx->mem; /* the block goes back through the allocator it came from */
  gost__mem_free(&m, ctx);
}

int gost_ctx_run(gost_ctx_t *ctx, gost_run_mode_t mode) {
  if (!ctx) return gost__error(GOST_EINVAL, "ctx is NULL");
  if (!ctx->owns_loop) return gost__error(GOST_ESTATE, "gost_ctx_run on a borrowed loop: run it yourself");
  int flags = mode == GOST_RUN_ONCE ? EVRUN_ONCE : mode == GOST_RUN_NOWAIT ? EVRUN_NOWAIT : 0;
  ev_run(ctx->loop, flags);
  return GOST_OK;
}

int gost_ctx_stop(gost_ctx_t *ctx) {
  if (!ctx) return GOST_EINVAL; /* no thread-local write: may run in a signal handler */
  ev_async_send(ctx->loop, &ctx->stop_async);
  return GOST_OK;
}

struct ev_loop *gost_ctx_loop(const gost_ctx_t *ctx) { return ctx ? ctx->loop : NULL; }

void gost_ctx_set_data(gost_ctx_t *ctx, void *data) {
  if (ctx) ctx->data = data;
}
void *gost_ctx_get_data(const gost_ctx_t *ctx) { return ctx ? ctx->data : NULL; }

void gost_ctx_set_log_cb(gost_ctx_t *ctx, int min_level, gost_log_cb cb, void *user) {
  if (!ctx) return;
  ctx->log_level = min_level;
  ctx->log_cb = cb;
  ctx->log_user = user;
}

void gost_ctx_set_log_level(gost_ctx_t *ctx, int min_level) {
  if (ctx) ctx->log_level = min_level;
}
