/* Per connection: admission by the conn and rate limiters, and the stream limits the pipe
 * charges (traffic buckets: `$` shared by the service, `$$` the connection's own, the host's or
 * the tunnel's entry), which follow live changes of the limiter through its generation. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "limit/limiter.h"

struct conn_limits {
  struct gost_stream_limit base;
  gost_ctx_t *ctx;
  struct gost_limiter *traffic; /* referenced; NULL: no shaping */
  unsigned gen;                 /* traffic->gen the buckets below were resolved for */
  uint8_t key[17];              /* host (v4-mapped/IPv6) or tunnel ID + 1 */
  int keyed;                    /* 0: client address unknown (host rules cannot match) */
  struct gost_limit_entry *ent; /* the host's or tunnel's traffic entry (referenced) or NULL */
  struct gost_bucket own[2];    /* `$$`: this connection's own, in and out */
  struct gost_limiter *conn;    /* referenced: the connection slot to give back */
  struct gost_limit_entry *cent;
};

static int key_of(const struct sockaddr *ss, uint8_t key[17]) {
  memset(key, 0, 17);
  if (!ss) return 0;
  if (ss->sa_family == AF_INET) {
    key[10] = key[11] = 0xff;
    memcpy(key + 12, &((const struct sockaddr_in *)ss)->sin_addr, 4);
    return 1;
  }
  if (ss->sa_family == AF_INET6) {
    memcpy(key, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
    return 1;
  }
  return 0;
}

static void key_str(const uint8_t key[17], int keyed, char *out, size_t cap) {
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!keyed) snprintf(out, cap, "an unknown address");
  else if (!memcmp(key, mapped, 12)) inet_ntop(AF_INET, key + 12, out, (socklen_t)cap);
  else inet_ntop(AF_INET6, key, out, (socklen_t)cap);
}

/* ---- traffic ---- */

static void put_entry(struct gost_limiter *lim, struct gost_limit_entry **e) {
  if (!*e) return;
  (*e)->refs--;
  gost__limit_entry_drop(lim, *e);
  *e = NULL;
}

static void resolve(struct conn_limits *c) {
  struct gost_limiter *lim = c->traffic;
  put_entry(lim, &c->ent);
  int tunnel = c->key[16];
  if (c->keyed && (gost__limit_match(lim, c->key) || (tunnel && (lim->each[0] > 0 || lim->each[1] > 0)))) {
    c->ent = gost__limit_entry(lim, c->key, 1); /* on ENOMEM the connection goes without it */
    if (c->ent) c->ent->refs++;
  }
  double now = gost__now(lim->ctx);
  for (int d = 0; d < 2; d++) {
    double r = tunnel ? 0 : lim->each[d];
    gost__bucket_set(&c->own[d], r, gost__limit_burst(lim->kind, r), now);
  }
  c->gen = lim->gen;
}

static double worst(double w, struct gost_bucket *b, size_t n, double now) {
  double x = gost__bucket_charge(b, (double)n, now);
  return x > w ? x : w;
}

static double charge(struct gost_stream_limit *l, int out, size_t n, double now) {
  struct conn_limits *c = (struct conn_limits *)l;
  struct gost_limiter *lim = c->traffic;
  if (!lim) return 0;
  if (c->gen != lim->gen) resolve(c);
  int d = out ? 1 : 0;
  double w = worst(0, &lim->svc_b[d], n, now);
  w = worst(w, &c->own[d], n, now);
  if (c->ent) {
    w = worst(w, &c->ent->b[0][d], n, now);
    w = worst(w, &c->ent->b[1][d], n, now);
  }
  if (w > 0) lim->hits++;
  return w;
}

static void give_back_slot(struct gost_limiter *lim, struct gost_limit_entry *e) {
  if (lim->conns) lim->conns--;
  if (e) {
    e->conns--;
    gost__limit_entry_drop(lim, e);
  }
}

static void release(struct gost_stream_limit *l) {
  struct conn_limits *c = (struct conn_limits *)l;
  if (c->traffic) {
    put_entry(c->traffic, &c->ent);
    gost__limiter_unref(c->traffic);
  }
  if (c->conn) {
    give_back_slot(c->conn, c->cent);
    gost__limiter_unref(c->conn);
  }
  gost__free(c->ctx, c);
}

static struct conn_limits *limits_new(gost_ctx_t *ctx, struct gost_limiter *traffic, const uint8_t key[17], int keyed) {
  struct conn_limits *c = gost__calloc(ctx, 1, sizeof *c);
  if (!c) return NULL;
  c->base.charge = charge;
  c->base.release = release;
  c->ctx = ctx;
  memcpy(c->key, key, 17);
  c->keyed = keyed;
  if (traffic) {
    c->traffic = traffic;
    gost__limiter_ref(traffic);
    double now = gost__now(ctx);
    for (int d = 0; d < 2; d++) gost__bucket_init(&c->own[d], 0, 0, now);
    resolve(c);
  }
  return c;
}

struct gost_stream_limit *gost__limits_tunnel(struct gost_limiter *traffic, const uint8_t id[16]) {
  if (!traffic) return NULL;
  uint8_t key[17];
  memcpy(key, id, 16);
  key[16] = 1;
  struct conn_limits *c = limits_new(traffic->ctx, traffic, key, 1);
  return c ? &c->base : NULL;
}

/* ---- admission ---- */

/* Connection limiter: `$` caps the service, then the host's own rule, else `$$`, caps each host.
 * Every keyed connection is counted per host, so a limit added later counts those already open. */
static int conn_admit(struct gost_limiter *lim, const uint8_t key[17], int keyed, const char *who,
                      const char *ip, struct gost_limit_entry **out) {
  char cause[160];
  struct gost_limit_entry *e = keyed ? gost__limit_entry(lim, key, 0) : NULL;
  const struct gost_limit_rule *r = keyed ? gost__limit_match(lim, key) : NULL;
  double host_max = r ? r->v[0] : keyed ? lim->each[0] : 0;
  if (lim->svc[0] > 0 && (double)lim->conns >= lim->svc[0]) {
    snprintf(cause, sizeof cause, "%ld connections open on the service (limit \"$ %.0f\")", lim->conns, lim->svc[0]);
  } else if (host_max > 0 && e && (double)e->conns >= host_max) {
    snprintf(cause, sizeof cause, "%ld connections open from this host (limit %.0f)", e->conns, host_max);
  } else {
    if (keyed && !e && !(e = gost__limit_entry(lim, key, 1))) return gost__error(GOST_ENOMEM, "out of memory");
    if (e) e->conns++;
    lim->conns++;
    *out = e;
    return GOST_OK;
  }
  gost__limit_refused(lim, who, ip, cause);
  return gost__error(GOST_ECONNREFUSED, "climiter %s: %s", lim->name ? lim->name : "", cause);
}

/* Request-rate limiter: the host's rule, else `$$`, per host; `$` for the whole service. */
static int rate_admit(struct gost_limiter *lim, const uint8_t key[17], int keyed, const char *who, const char *ip) {
  char cause[160];
  double now = gost__now(lim->ctx);
  const struct gost_limit_rule *r = keyed ? gost__limit_match(lim, key) : NULL;
  double host_rate = r ? r->v[0] : keyed ? lim->each[0] : 0;
  if (host_rate > 0) {
    struct gost_limit_entry *e = gost__limit_entry(lim, key, 1);
    if (e && !gost__bucket_take(&e->b[0][0], 1, now)) {
      snprintf(cause, sizeof cause, "over %g new connections per second from this host", host_rate);
      gost__limit_refused(lim, who, ip, cause);
      return gost__error(GOST_ECONNREFUSED, "rlimiter %s: %s", lim->name ? lim->name : "", cause);
    }
  }
  if (!gost__bucket_take(&lim->svc_b[0], 1, now)) {
    snprintf(cause, sizeof cause, "over %g new connections per second on the service (\"$\")", lim->svc[0]);
    gost__limit_refused(lim, who, ip, cause);
    return gost__error(GOST_ECONNREFUSED, "rlimiter %s: %s", lim->name ? lim->name : "", cause);
  }
  return GOST_OK;
}

int gost__limits_admit(struct gost_limiter *traffic, struct gost_limiter *conn, struct gost_limiter *rate,
                       const struct sockaddr *client, const char *who, struct gost_stream_limit **out) {
  uint8_t key[17];
  int keyed = key_of(client, key);
  char ip[INET6_ADDRSTRLEN + 1];
  struct gost_limit_entry *cent = NULL;
  int rc;
  *out = NULL;
  key_str(key, keyed, ip, sizeof ip);
  if (conn && (rc = conn_admit(conn, key, keyed, who, ip, &cent)) != GOST_OK) return rc;
  if (rate && (rc = rate_admit(rate, key, keyed, who, ip)) != GOST_OK) {
    if (conn) give_back_slot(conn, cent);
    return rc;
  }
  if (!traffic && !conn) return GOST_OK;
  struct conn_limits *c = limits_new(traffic ? traffic->ctx : conn->ctx, traffic, key, keyed);
  if (!c) {
    if (conn) give_back_slot(conn, cent);
    return gost__error(GOST_ENOMEM, "out of memory");
  }
  if (conn) {
    c->conn = conn;
    c->cent = cent;
    gost__limiter_ref(conn);
  }
  *out = &c->base;
  return GOST_OK;
}
