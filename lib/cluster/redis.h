/* A Redis client on the context's loop: hiredis async with its libev adapter, one connection,
 * reconnect with back-off, a bound on commands in flight, and fail-fast while down (no queue
 * of commands waiting for Redis to come back). */
#ifndef GOST_CLUSTER_REDIS_H
#define GOST_CLUSTER_REDIS_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#include "core/ctx_int.h"

#define GOST_REDIS_MAX_INFLIGHT 4096
#define GOST_REDIS_CMD_TIMEOUT_MS 2000   /* a Redis that answers nothing this long is down */
#define GOST_REDIS_BACKOFF_MIN_MS 100
#define GOST_REDIS_BACKOFF_MAX_MS 5000

struct gost_redis_conf {
  char addr[256]; /* host:port */
  int db;
  char password[256];
};

struct gost_redis;
struct gost_redis_req;

/* reply is NULL when the command failed (connection lost, timeout, client freed); a Redis
 * error reply arrives as REDIS_REPLY_ERROR. Never fires for a cancelled request. */
typedef void (*gost_redis_reply_cb)(struct gost_redis *r, const redisReply *reply, void *user);
/* up = 1 once connected, authenticated and on the right db; 0 when the connection is lost. */
typedef void (*gost_redis_state_cb)(struct gost_redis *r, int up, void *user);
/* Subscriber mode: one call per "message" on a subscribed channel. */
typedef void (*gost_redis_message_cb)(struct gost_redis *r, const char *channel, const char *payload,
                                      size_t len, void *user);

/* Parses "host:port" (port required); GOST_EINVAL otherwise. */
int gost__redis_conf_addr(struct gost_redis_conf *conf, const char *addr);
/* The whole conf from the public API's arguments (password may be NULL), checked. */
int gost__redis_conf_fill(struct gost_redis_conf *conf, const char *addr, int db, const char *password);

/* Starts connecting at once. label names the client in logs. */
int gost__redis_new(struct gost_redis **out, gost_ctx_t *ctx, const struct gost_redis_conf *conf,
                    const char *label, gost_redis_state_cb state, void *user);
/* Pending requests are dropped without their callbacks. Safe from inside any callback. */
void gost__redis_free(struct gost_redis *r);
int gost__redis_is_up(const struct gost_redis *r);

/* Sends one command. Returns a handle usable with gost__redis_cancel until cb fires, or NULL
 * with the last error set (GOST_EUNREACH while down, GOST_EAGAIN when too many are in flight):
 * then cb never fires. user_cb may be NULL (fire and forget). */
struct gost_redis_req *gost__redis_cmd(struct gost_redis *r, gost_redis_reply_cb cb, void *user,
                                       int argc, const char **argv, const size_t *argvlen);
/* printf-free convenience: NULL-terminated list of C strings. */
struct gost_redis_req *gost__redis_cmdv(struct gost_redis *r, gost_redis_reply_cb cb, void *user, ...);
void gost__redis_cancel(struct gost_redis_req *q);

/* Turns this client into a subscriber of the given channels (re-subscribed after every
 * reconnect). Call once, before the first connection is up or at any time after. */
int gost__redis_subscribe(struct gost_redis *r, const char *const *channels, size_t n,
                          gost_redis_message_cb cb, void *user);

#endif
