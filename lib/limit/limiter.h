/* The limiters behind gost_limiter_t (stock GOST's traffic, connection and request-rate limiters):
 * rules parsed from stock's limit lines, shared token buckets and counters per host or tunnel,
 * and what services and tunnels call per connection. Single-threaded: the ctx loop. */
#ifndef GOST_LIMIT_LIMITER_H
#define GOST_LIMIT_LIMITER_H

#include <stdint.h>
#include <sys/socket.h>

#include "core/ctx_int.h"
#include "core/hmap.h"
#include "gost/limiter.h"
#include "io/stream.h"
#include "limit/bucket.h"

/* Rule keys: `$` the whole service, `$$` each connection (traffic) or each host (conn, rate),
 * an IP or CIDR (each host in it), a tunnel ID (traffic, tunnel servers). */
enum gost_limit_key { GOST_LK_SERVICE, GOST_LK_EACH, GOST_LK_HOST, GOST_LK_TUNNEL };

struct gost_limit_rule {
  enum gost_limit_key key;
  uint8_t addr[16]; /* host: IPv6 or v4-mapped network; tunnel: the ID */
  int prefix;       /* host: bits of addr that match (128 for one address) */
  double v[2];      /* traffic: bytes/s in, out; conn: max connections; rate: per second (0: none) */
};

struct gost_limit_entry; /* per host or tunnel state (limiter.c) */

struct gost_limiter {
  void *data;
  struct gost_list link; /* ctx->limiters */
  struct gost_ctx_child child;
  gost_ctx_t *ctx;
  char *name;
  gost_limiter_kind_t kind;
  int refs;      /* the caller's plus one per service and open connection using it */
  unsigned gen;  /* bumped by every change of limits: connections re-resolve their buckets */
  char **lines;  /* as set, normalised */
  size_t nlines;
  struct gost_limit_rule *rules; /* host and tunnel rules, most specific host first */
  size_t nrules;
  double svc[2], each[2];        /* the `$` and `$$` values (0: none) */
  struct gost_bucket svc_b[2];   /* `$` buckets (traffic in/out; rate: [0]) */
  long conns;                    /* connections counted by a conn limiter's `$` */
  struct gost_hmap ents;         /* gost_limit_entry by host or tunnel */
  size_t sweep_at;               /* rate limiter: forget idle hosts when the table reaches this */
  uint64_t hits;
  /* refusals are logged once per episode: the first at once, the rest as one count */
  ev_timer quiet;
  uint64_t quiet_count;
  int quiet_on;
};

/* 0 or GOST_EINVAL with the reason written to err: one stock limit line. */
int gost__limit_parse(gost_limiter_kind_t kind, const char *line, struct gost_limit_rule *out,
                      char *err, size_t cap);
/* A byte size as stock writes it ("100MB", "1.5KiB", "512"): base 2 units. -1 if invalid. */
double gost__limit_size(const char *s);

void gost__limiter_ref(struct gost_limiter *lim);
void gost__limiter_unref(struct gost_limiter *lim);

/* A connection from client (NULL or family 0: unknown) at the service named who: the conn and
 * rate limiters admit it (GOST_OK) or refuse it (GOST_ECONNREFUSED, after a rate-limited log
 * line naming the limiter and the cause). Admitted: *out holds the stream's limits (traffic
 * shaping and the connection's slot), NULL when nothing applies. Any limiter may be NULL. */
int gost__limits_admit(struct gost_limiter *traffic, struct gost_limiter *conn,
                       struct gost_limiter *rate, const struct sockaddr *client,
                       const char *who, struct gost_stream_limit **out);
/* The limits of one stream of tunnel id under a tunnel server's handler limiter, or NULL. */
struct gost_stream_limit *gost__limits_tunnel(struct gost_limiter *traffic, const uint8_t id[16]);

/* limiter.c internals shared with traffic.c and admit.c */
struct gost_limit_entry {
  struct gost_hnode node;
  uint8_t key[17]; /* 16 address or ID bytes, then 1 for a tunnel */
  int refs;        /* open connections holding it (traffic) */
  long conns;      /* connections counted (conn limiter) */
  struct gost_bucket b[2][2]; /* [rule, each-tunnel][in, out]; rate limiter: b[0][0] */
};
/* The most specific rule for a host or tunnel key, or NULL. */
const struct gost_limit_rule *gost__limit_match(const struct gost_limiter *lim, const uint8_t key[17]);
/* The entry for key, created (empty, with its buckets set from the rules) when create != 0. */
struct gost_limit_entry *gost__limit_entry(struct gost_limiter *lim, const uint8_t key[17], int create);
void gost__limit_entry_drop(struct gost_limiter *lim, struct gost_limit_entry *e);
/* Sets the entry's buckets from the current rules (at creation and on every change). */
void gost__limit_entry_tune(struct gost_limiter *lim, struct gost_limit_entry *e);
/* Records a refusal: counts it, logs the first of an episode, then one line with the count. */
void gost__limit_refused(struct gost_limiter *lim, const char *who, const char *client, const char *cause);
/* Burst of a traffic bucket for rate r (bytes/s). */
double gost__limit_burst(gost_limiter_kind_t kind, double r);

#endif
