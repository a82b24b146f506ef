/* gost_limiter_t: stock GOST's limiters (`limiters`, `climiters`, `rlimiters`), named objects of
 * the context that services use by reference; changing a limiter's limits takes effect at once
 * on every service (and every open connection) that uses it. docs/limiters.md. */
#ifndef GOST_LIMITER_H
#define GOST_LIMITER_H

#include <gost/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gost_limiter gost_limiter_t;

typedef enum {
  GOST_LIMITER_TRAFFIC = 0, /* bytes per second in/out: "$ 100MB 100MB", "$$ 1MB", "10.0.0.0/8 512KB" */
  GOST_LIMITER_CONN = 1,    /* concurrent connections: "$ 1000", "$$ 10", "192.168.1.1 50" */
  GOST_LIMITER_RATE = 2     /* new connections per second: "$ 100", "$$ 5", "10.0.0.0/8 20.5" */
} gost_limiter_kind_t;

/* A limiter with no limits yet; names are unique per kind within a context. */
GOST_EXTERN int gost_limiter_new(gost_limiter_t **out, gost_ctx_t *ctx, gost_limiter_kind_t kind,
                                 const char *name);
/* Replaces every limit with the n lines given, stock syntax ("KEY IN [OUT]" for traffic, "KEY N"
 * otherwise; KEY is `$`, `$$`, an IP, a CIDR, or for traffic a tunnel ID). All or nothing: on a
 * bad line nothing changes and the error names it. Applies to open connections too. */
GOST_EXTERN int gost_limiter_set_limits(gost_limiter_t *lim, const char *const *limits, size_t n);
/* Number of limit lines, and the i-th as given (normalised spacing); NULL past the end. */
GOST_EXTERN size_t gost_limiter_limit_count(const gost_limiter_t *lim);
GOST_EXTERN const char *gost_limiter_limit_at(const gost_limiter_t *lim, size_t i);
/* Times the limiter acted: connections refused (conn, rate) or reads paused (traffic). */
GOST_EXTERN uint64_t gost_limiter_hits(const gost_limiter_t *lim);
GOST_EXTERN const char *gost_limiter_name(const gost_limiter_t *lim);
GOST_EXTERN gost_limiter_kind_t gost_limiter_kind(const gost_limiter_t *lim);
/* The limiter of that kind and name, or NULL. */
GOST_EXTERN gost_limiter_t *gost_ctx_limiter(gost_ctx_t *ctx, gost_limiter_kind_t kind, const char *name);
/* Drops the caller's reference: services using it keep it alive (and limited) until they go. */
GOST_EXTERN void gost_limiter_free(gost_limiter_t *lim);

/* Attaches lim (of that kind; NULL detaches) to svc, before or while running: a service's
 * `limiter:`, `climiter:` or `rlimiter:`. New connections use it at once. */
GOST_EXTERN int gost_service_set_limiter(gost_service_t *svc, gost_limiter_kind_t kind, gost_limiter_t *lim);
/* The handler's traffic limiter (`handler.limiter:`): on a tunnel server, rows keyed by tunnel ID
 * limit that tunnel, `$$` each tunnel, `$` all tunnels together. */
GOST_EXTERN int gost_service_set_handler_limiter(gost_service_t *svc, gost_limiter_t *lim);

#ifdef __cplusplus
}
#endif
#endif /* GOST_LIMITER_H */
