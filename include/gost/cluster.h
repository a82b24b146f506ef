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

/* Keeps ing's rules in step with a Redis hash (field hostname, value endpoint) or, with type
 * "set", a set of "hostname endpoint" members, as stock GOST's redis ingress: read at once,
 * every reload_ms (0: never) and within a second of a change announced on "<key>:changed" or
 * by Redis keyspace notifications. key NULL: "gost:ingress"; type NULL: "hash". */
GOST_EXTERN int gost_ingress_load_redis(gost_ingress_t *ing, const char *redis_addr, int db, const char *password,
                                        const char *key, const char *type, int64_t reload_ms);

/* The service's credentials follow a Redis hash (field username, value password), as stock
 * GOST's redis auther, kept fresh like gost_ingress_load_redis (key NULL: "gost:authers"). Each
 * read replaces all of the service's credentials; until the first read and while the hash is
 * empty nobody can authenticate (the service never falls open). */
GOST_EXTERN int gost_service_load_auth_redis(gost_service_t *svc, const char *redis_addr, int db,
                                             const char *password, const char *key, int64_t reload_ms);

#ifdef __cplusplus
}
#endif
#endif /* GOST_CLUSTER_H */
