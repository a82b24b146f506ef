/* gost_ctx_t: one configuration on one libev loop, owned or borrowed. */
#ifndef GOST_CTX_H
#define GOST_CTX_H

#include <gost/common.h>
#include <gost/log.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { GOST_RUN_DEFAULT = 0, GOST_RUN_ONCE = 1, GOST_RUN_NOWAIT = 2 } gost_run_mode_t;

/* New context that owns a fresh libev loop (ev_loop_new). */
GOST_EXTERN int gost_ctx_new(gost_ctx_t **out);
/* New context on the caller's loop; the caller runs it. The loop must come from the libev that
 * libgost links. Housekeeping watchers are unref'd so the caller's ev_run can return. */
GOST_EXTERN int gost_ctx_new_with_loop(gost_ctx_t **out, struct ev_loop *loop);
/* Stops and frees every service, chain, ingress and tunnel of the context. NULL-safe. */
GOST_EXTERN void gost_ctx_free(gost_ctx_t *ctx);
/* Runs an owned loop (GOST_ESTATE on a borrowed one) until gost_ctx_stop or no work is left. */
GOST_EXTERN int gost_ctx_run(gost_ctx_t *ctx, gost_run_mode_t mode);
/* Asks the loop to return from gost_ctx_run. Safe from any thread and from signal context. */
GOST_EXTERN int gost_ctx_stop(gost_ctx_t *ctx);
GOST_EXTERN struct ev_loop *gost_ctx_loop(const gost_ctx_t *ctx);
/* The caller's pointer, carried by the context. NULL-safe. */
GOST_EXTERN void gost_ctx_set_data(gost_ctx_t *ctx, void *data);
GOST_EXTERN void *gost_ctx_get_data(const gost_ctx_t *ctx);

/* Records below min_level are dropped. cb == NULL restores the JSON-lines stderr writer. */
GOST_EXTERN void gost_ctx_set_log_cb(gost_ctx_t *ctx, int min_level, gost_log_cb cb, void *user);
GOST_EXTERN void gost_ctx_set_log_level(gost_ctx_t *ctx, int min_level);

/* Starts every service created from the context that is not running yet. All or nothing:
 * if one fails to start, those started by this call are stopped again. */
GOST_EXTERN int gost_ctx_start(gost_ctx_t *ctx);

/* Lookup by name, borrowed from the context; NULL if absent. */
GOST_EXTERN gost_service_t *gost_ctx_service(gost_ctx_t *ctx, const char *name);
GOST_EXTERN gost_chain_t *gost_ctx_chain(gost_ctx_t *ctx, const char *name);
GOST_EXTERN gost_ingress_t *gost_ctx_ingress(gost_ctx_t *ctx, const char *name);
/* Number of services and the i-th one (creation order). */
GOST_EXTERN size_t gost_ctx_service_count(const gost_ctx_t *ctx);
GOST_EXTERN gost_service_t *gost_ctx_service_at(gost_ctx_t *ctx, size_t i);

#ifdef __cplusplus
}
#endif
#endif /* GOST_CTX_H */
