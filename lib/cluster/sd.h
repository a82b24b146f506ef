/* The shared tunnel registry (sd) in Redis: registrations of local connectors with a TTL and
 * their renewal, removal, and the asynchronous lookup of the nodes serving a tunnel. Data
 * model: docs/cluster.md. */
#ifndef GOST_CLUSTER_SD_H
#define GOST_CLUSTER_SD_H

#include <stdint.h>

#include "cluster/redis.h"
#include "core/list.h"
#include "gost/cluster.h"

#define GOST_SD_NODE_MAX 64
#define GOST_SD_ADDR_MAX 256
#define GOST_SD_LOOKUP_MAX 64 /* members read per lookup */
#define GOST_SD_CACHE_SLOTS 256   /* lookup cache: direct-mapped by tunnel ID */
#define GOST_SD_CACHE_MS 1000     /* at most this long (and ttl/3), non-empty answers only */

struct gost_sd_cached; /* one cached answer (sd.c) */

struct gost_sd {
  struct gost_ctx_child child; /* rank GOST__RANK_SD; also the name index (api/sd.c) */
  gost_ctx_t *ctx;
  char *name;
  struct gost_redis_conf redis;
  char key[128];
  int64_t ttl_ms;
  int users;                  /* running services */
  struct gost_redis *client;  /* while users > 0 */
  struct gost_list regs;      /* local registrations */
  struct gost_list refreshes; /* background lookups in flight (gost__sd_peek) */
  ev_timer renew;
  struct gost_sd_cached *cache[GOST_SD_CACHE_SLOTS];
};

/* One registered connector of another (or this) node. */
struct gost_sd_entry {
  uint8_t connector[16];
  char node[GOST_SD_NODE_MAX];
  int udp;
  uint8_t weight;
  char addr[GOST_SD_ADDR_MAX];
};

struct gost_sd_reg;
struct gost_sd_lookup;

/* A running service starts/stops using the sd (the Redis client lives while it is used). */
int gost__sd_use(struct gost_sd *sd);
void gost__sd_unuse(struct gost_sd *sd);

/* Registers a local connector now and on every renewal/reconnect until deregistered. NULL on
 * out-of-memory only (Redis being down is not an error: it is registered on reconnect). */
struct gost_sd_reg *gost__sd_register(struct gost_sd *sd, const uint8_t tunnel[16],
                                      const uint8_t connector[16], int udp, uint8_t weight,
                                      const char *node_id, const char *node_addr);
void gost__sd_deregister(struct gost_sd_reg *reg);

/* status GOST_OK with the live entries (maybe none); GOST_EUNREACH when Redis is down (fast).
 * Fires later, never inside the call, unless cancelled. NULL + last error: cb never fires. */
typedef void (*gost_sd_lookup_cb)(int status, const struct gost_sd_entry *e, size_t n, void *user);
struct gost_sd_lookup *gost__sd_lookup(struct gost_sd *sd, const uint8_t tunnel[16],
                                       gost_sd_lookup_cb cb, void *user);
void gost__sd_lookup_cancel(struct gost_sd_lookup *l);
/* Never waits: GOST_OK with the cached answer (maybe empty, valid during this call), or
 * GOST_ENOTFOUND after starting a background refresh (used to weigh local connectors against
 * remote ones without delaying local requests). */
int gost__sd_peek(struct gost_sd *sd, const uint8_t tunnel[16], const struct gost_sd_entry **e, size_t *n);
/* Drops the cached answer for tunnel (a forward based on it failed). */
void gost__sd_forget(struct gost_sd *sd, const uint8_t tunnel[16]);

/* ctx teardown. */
void gost__sd_destroy(struct gost_sd *sd);

#endif
