/* Scale-out (docs/cluster.md): gost_sd_t, a tunnel registry shared through Redis by several
 * tunnel servers. A tunnel service uses one through its handler metadata `sd` (its name). */
#ifndef GOST_CLUSTER_H
#define GOST_CLUSTER_H

#include <gost/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gost_sd gost_sd_t;

/* A named sd on Redis at redis_addr ("host:port"). Nothing connects until a service using it
 * starts. */
GOST_EXTERN int gost_sd_new(gost_sd_t **out, gost_ctx_t *ctx, const char *name, const char *redis_addr);
/* Options: "db" (index), "password", "key" (prefix, default "gost:sd"), "ttl" (duration,
 * default "10s", at least 1s). GOST_ESTATE once in use by a running service. */
GOST_EXTERN int gost_sd_set(gost_sd_t *sd, const char *option, const char *value);
GOST_EXTERN gost_sd_t *gost_ctx_sd(gost_ctx_t *ctx, const char *name);
/* 1 while its Redis connection is up. */
GOST_EXTERN int gost_sd_is_connected(const gost_sd_t *sd);
/* GOST_ESTATE while a running service uses it. */
GOST_EXTERN int gost_sd_free(gost_sd_t *sd);

#ifdef __cplusplus
}
#endif
#endif /* GOST_CLUSTER_H */
