/* A local copy of one Redis hash (or set), kept fresh as stock GOST's loaders do (read at
 * start and every reload period) plus at once on change: a second connection subscribes to
 * "<key>:changed" and to keyspace notifications of <key> (when the server emits them). */
#ifndef GOST_CLUSTER_MIRROR_H
#define GOST_CLUSTER_MIRROR_H

#include "cluster/redis.h"

#define GOST_MIRROR_DEBOUNCE_S 0.02 /* changes within this window cause one reload */

enum gost_mirror_type { GOST_MIRROR_HASH, GOST_MIRROR_SET };

struct gost_redis_mirror;

/* One complete read: n (field, value) pairs for a hash; for a set each member is split at its
 * first space/tab into field and value ("host endpoint", as stock's set loader). */
typedef void (*gost_mirror_cb)(void *user, const char *const *fields, const char *const *values, size_t n);

int gost__mirror_new(struct gost_redis_mirror **out, gost_ctx_t *ctx, const struct gost_redis_conf *conf,
                     const char *key, enum gost_mirror_type type, int64_t reload_ms, const char *label,
                     gost_mirror_cb cb, void *user);
void gost__mirror_free(struct gost_redis_mirror *m);

#endif
