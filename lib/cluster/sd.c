/* sd in Redis (docs/cluster.md): per tunnel a sorted set of "cid node network weight addr"
 * members scored by their expiry (Unix ms); renewed every ttl/3; re-registered in full each
 * time the Redis connection comes (back) up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/sd.h"
#include "codec/uuid.h"
#include "core/error.h"
#include "core/log.h"

struct gost_sd_reg {
  struct gost_list link; /* sd->regs */
  struct gost_sd *sd;
  char zkey[200];
  char member[GOST__UUID_STR_LEN + GOST_SD_NODE_MAX + GOST_SD_ADDR_MAX + 16];
  char nkey[200];
  char node_addr[GOST_SD_ADDR_MAX];
};

/* Recent non-empty answers, so that a busy cross-node tunnel does not cost a Redis round trip
 * per request. A forward that fails drops its answer (gost__sd_forget). */
struct gost_sd_cached {
  uint8_t tunnel[16];
  double until; /* loop time */
  int refreshing; /* a background refresh is in flight (gost__sd_peek) */
  size_t n;
  struct gost_sd_entry e[];
};

static unsigned slot_of(const uint8_t tunnel[16]) { return (unsigned)(tunnel[15] ^ tunnel[7] ^ tunnel[3]) % GOST_SD_CACHE_SLOTS; }

static void cache_put(struct gost_sd *sd, const uint8_t tunnel[16], const struct gost_sd_entry *e, size_t n) {
  unsigned k = slot_of(tunnel);
  gost__free(sd->ctx, sd->cache[k]);
  sd->cache[k] = NULL;
  struct gost_sd_cached *c = gost__malloc(sd->ctx, sizeof *c + (n ? n : 1) * sizeof *e);
  if (!c) return;
  memcpy(c->tunnel, tunnel, 16);
  c->refreshing = 0;
  double ms = sd->ttl_ms / 3 < GOST_SD_CACHE_MS ? (double)sd->ttl_ms / 3 : GOST_SD_CACHE_MS;
  c->until = gost__now(sd->ctx) + ms / 1000.0;
  c->n = n;
  if (n) memcpy(c->e, e, n * sizeof *e); /* e may be NULL for an empty answer */
  sd->cache[k] = c;
}

/* A fresh answer; lookups (no local connector) use non-empty ones only, so that a client that
 * just registered elsewhere is found at once. */
static const struct gost_sd_cached *cache_get(struct gost_sd *sd, const uint8_t tunnel[16], int empty_ok) {
  const struct gost_sd_cached *c = sd->cache[slot_of(tunnel)];
  return c && !memcmp(c->tunnel, tunnel, 16) && c->until > gost__now(sd->ctx) && (c->n || empty_ok) ? c : NULL;
}


void gost__sd_forget(struct gost_sd *sd, const uint8_t tunnel[16]) {
  unsigned k = slot_of(tunnel);
  if (sd->cache[k] && !memcmp(sd->cache[k]->tunnel, tunnel, 16)) {
    gost__free(sd->ctx, sd->cache[k]);
    sd->cache[k] = NULL;
  }
}

struct gost_sd_lookup {
  struct gost_list link; /* sd->refreshes (background refreshes only) */
  struct gost_sd *sd;
  uint8_t tunnel[16];
  struct gost_redis_req *req;
  ev_timer later; /* delivers a fast failure outside the caller's stack */
  gost_sd_lookup_cb cb;
  void *user;
};

static long long wall_ms(void) { return (long long)(ev_time() * 1000.0); }

static void tunnel_key(const struct gost_sd *sd, const uint8_t tunnel[16], char *out, size_t cap) {
  char tid[GOST__UUID_STR_LEN + 1];
  gost__uuid_format(tunnel, tid);
  snprintf(out, cap, "%s:tunnel:%s", sd->key, tid);
}

static void reg_send(struct gost_sd_reg *g) {
  struct gost_sd *sd = g->sd;
  char score[32], ttl[32], now[32];
  snprintf(score, sizeof score, "%lld", wall_ms() + (long long)sd->ttl_ms);
  snprintf(ttl, sizeof ttl, "%lld", (long long)sd->ttl_ms);
  snprintf(now, sizeof now, "(%lld", wall_ms());
  /* Fire and forget: a failure means Redis is down, and reconnecting re-registers everything. */
  gost__redis_cmdv(sd->client, NULL, NULL, "ZREMRANGEBYSCORE", g->zkey, "-inf", now, NULL);
  gost__redis_cmdv(sd->client, NULL, NULL, "ZADD", g->zkey, score, g->member, NULL);
  gost__redis_cmdv(sd->client, NULL, NULL, "PEXPIRE", g->zkey, ttl, NULL);
  gost__redis_cmdv(sd->client, NULL, NULL, "SET", g->nkey, g->node_addr, "PX", ttl, NULL);
}

static void register_all(struct gost_sd *sd) {
  struct gost_list *pos;
  if (!gost__redis_is_up(sd->client)) return;
  gost_list_foreach(pos, &sd->regs) reg_send(gost_container_of(pos, struct gost_sd_reg, link));
}

static void on_renew(struct ev_loop *loop, ev_timer *w, int revents) { register_all(w->data); }

static void on_state(struct gost_redis *r, int up, void *user) {
  struct gost_sd *sd = user;
  if (up) register_all(sd); /* after a restart of Redis or of the link */
}

int gost__sd_use(struct gost_sd *sd) {
  if (sd->users++) return GOST_OK;
  char label[300];
  snprintf(label, sizeof label, "sd %s", sd->name);
  int rc = gost__redis_new(&sd->client, sd->ctx, &sd->redis, label, on_state, sd);
  if (rc != GOST_OK) {
    sd->users--;
    return rc;
  }
  double every = (double)sd->ttl_ms / 3000.0;
  ev_timer_init(&sd->renew, on_renew, every, every);
  sd->renew.data = sd;
  ev_timer_start(sd->ctx->loop, &sd->renew);
  return GOST_OK;
}

void gost__sd_unuse(struct gost_sd *sd) {
  if (!sd || sd->users <= 0 || --sd->users) return;
  ev_timer_stop(sd->ctx->loop, &sd->renew);
  while (!gost_list_empty(&sd->refreshes)) { /* their replies are dropped with the client */
    struct gost_sd_lookup *l = gost_container_of(sd->refreshes.next, struct gost_sd_lookup, link);
    gost_list_remove(&l->link);
    gost__free(sd->ctx, l);
  }
  gost__redis_free(sd->client);
  sd->client = NULL;
}

struct gost_sd_reg *gost__sd_register(struct gost_sd *sd, const uint8_t tunnel[16],
                                      const uint8_t connector[16], int udp, uint8_t weight,
                                      const char *node_id, const char *node_addr) {
  struct gost_sd_reg *g = gost__calloc(sd->ctx, 1, sizeof *g);
  if (!g) {
    gost__error(GOST_ENOMEM, "sd registration");
    return NULL;
  }
  char cid[GOST__UUID_STR_LEN + 1];
  gost__uuid_format(connector, cid);
  g->sd = sd;
  tunnel_key(sd, tunnel, g->zkey, sizeof g->zkey);
  snprintf(g->member, sizeof g->member, "%s %s %s %u %s", cid, node_id, udp ? "udp" : "tcp",
           (unsigned)weight, node_addr);
  snprintf(g->nkey, sizeof g->nkey, "%s:node:%s", sd->key, node_id);
  snprintf(g->node_addr, sizeof g->node_addr, "%s", node_addr);
  gost_list_insert_tail(&sd->regs, &g->link);
  if (gost__redis_is_up(sd->client)) reg_send(g);
  return g;
}

void gost__sd_deregister(struct gost_sd_reg *g) {
  if (!g) return;
  struct gost_sd *sd = g->sd;
  gost_list_remove(&g->link);
  if (gost__redis_is_up(sd->client)) gost__redis_cmdv(sd->client, NULL, NULL, "ZREM", g->zkey, g->member, NULL);
  gost__free(sd->ctx, g);
}

/* "cid node network weight addr" -> entry; 0 on a malformed member (ignored). */
static int parse_member(const char *s, size_t len, struct gost_sd_entry *e) {
  char buf[GOST__UUID_STR_LEN + GOST_SD_NODE_MAX + GOST_SD_ADDR_MAX + 16];
  char *f[5], *save = NULL;
  if (len >= sizeof buf) return 0;
  memcpy(buf, s, len);
  buf[len] = '\0';
  int n = 0;
  for (char *t = strtok_r(buf, " ", &save); t && n < 5; t = strtok_r(NULL, " ", &save)) f[n++] = t;
  if (n != 5 || gost__uuid_parse(f[0], strlen(f[0]), e->connector) != GOST_OK) return 0;
  if (strlen(f[1]) >= sizeof e->node || strlen(f[4]) >= sizeof e->addr) return 0;
  if (strcmp(f[2], "tcp") && strcmp(f[2], "udp")) return 0;
  long w = strtol(f[3], NULL, 10);
  if (w < 0 || w > 255) return 0;
  snprintf(e->node, sizeof e->node, "%s", f[1]);
  snprintf(e->addr, sizeof e->addr, "%s", f[4]);
  e->udp = !strcmp(f[2], "udp");
  e->weight = (uint8_t)w;
  return 1;
}

static void lookup_free(struct gost_sd_lookup *l) {
  ev_timer_stop(l->sd->ctx->loop, &l->later);
  gost__free(l->sd->ctx, l);
}

/* ZRANGEBYSCORE reply -> entries (malformed members skipped). */
static int parse_reply(const redisReply *reply, struct gost_sd_entry *e, size_t *n) {
  *n = 0;
  if (!reply || reply->type != REDIS_REPLY_ARRAY)
    return gost__error(GOST_EUNREACH, "sd: %s", reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "no answer from redis");
  for (size_t i = 0; i < reply->elements && *n < GOST_SD_LOOKUP_MAX; i++) {
    const redisReply *m = reply->element[i];
    if (m->type == REDIS_REPLY_STRING && parse_member(m->str, m->len, &e[*n])) (*n)++;
  }
  return GOST_OK;
}

static void on_refreshed(struct gost_redis *r, const redisReply *reply, void *user) {
  struct gost_sd_lookup *l = user;
  struct gost_sd_entry e[GOST_SD_LOOKUP_MAX];
  size_t n;
  if (parse_reply(reply, e, &n) == GOST_OK) {
    cache_put(l->sd, l->tunnel, e, n);
  } else { /* keep the old answer a while longer; the next peek tries again */
    struct gost_sd_cached *c = l->sd->cache[slot_of(l->tunnel)];
    if (c && !memcmp(c->tunnel, l->tunnel, 16)) c->refreshing = 0;
  }
  gost_list_remove(&l->link);
  gost__free(l->sd->ctx, l);
}

static void on_members(struct gost_redis *r, const redisReply *reply, void *user) {
  struct gost_sd_lookup *l = user;
  l->req = NULL;
  struct gost_sd_entry e[GOST_SD_LOOKUP_MAX];
  size_t n;
  int status = parse_reply(reply, e, &n);
  if (status == GOST_OK) cache_put(l->sd, l->tunnel, e, n);
  gost_sd_lookup_cb cb = l->cb;
  void *u = l->user;
  lookup_free(l);
  cb(status, e, n, u);
}

/* Answers that need no Redis: from the cache, or the fast failure while Redis is down. */
static void on_later(struct ev_loop *loop, ev_timer *w, int revents) {
  struct gost_sd_lookup *l = w->data;
  gost_sd_lookup_cb cb = l->cb;
  void *u = l->user;
  const struct gost_sd_cached *c = cache_get(l->sd, l->tunnel, 0);
  struct gost_sd_entry e[GOST_SD_LOOKUP_MAX];
  size_t n = c ? c->n : 0;
  if (c) memcpy(e, c->e, n * sizeof *e); /* the callback may change the cache */
  lookup_free(l);
  if (c) return cb(GOST_OK, e, n, u);
  gost__error(GOST_EUNREACH, "sd: redis is down");
  cb(GOST_EUNREACH, NULL, 0, u);
}

struct gost_sd_lookup *gost__sd_lookup(struct gost_sd *sd, const uint8_t tunnel[16],
                                       gost_sd_lookup_cb cb, void *user) {
  struct gost_sd_lookup *l = gost__calloc(sd->ctx, 1, sizeof *l);
  if (!l) {
    gost__error(GOST_ENOMEM, "sd lookup");
    return NULL;
  }
  l->sd = sd;
  memcpy(l->tunnel, tunnel, 16);
  l->cb = cb;
  l->user = user;
  ev_timer_init(&l->later, on_later, 0., 0.);
  l->later.data = l;
  if (cache_get(sd, tunnel, 0)) {
    ev_timer_start(sd->ctx->loop, &l->later);
    return l;
  }
  char key[200], now[32], lim[16];
  tunnel_key(sd, tunnel, key, sizeof key);
  snprintf(now, sizeof now, "%lld", wall_ms());
  snprintf(lim, sizeof lim, "%d", GOST_SD_LOOKUP_MAX);
  l->req = gost__redis_cmdv(sd->client, on_members, l, "ZRANGEBYSCORE", key, now, "+inf", "LIMIT", "0", lim, NULL);
  if (!l->req) ev_timer_start(sd->ctx->loop, &l->later); /* down or saturated: fail fast */
  return l;
}

/* Stale-while-refresh: an expired answer is still used for up to one ttl while a single
 * background query replaces it, so the cache never lets requests fall back in between. */
int gost__sd_peek(struct gost_sd *sd, const uint8_t tunnel[16], const struct gost_sd_entry **e, size_t *n) {
  struct gost_sd_cached *c = sd->cache[slot_of(tunnel)];
  double t = gost__now(sd->ctx);
  if (c && (memcmp(c->tunnel, tunnel, 16) || c->until + (double)sd->ttl_ms / 1000.0 < t)) c = NULL;
  if (c && (c->until > t || c->refreshing)) {
    *e = c->e;
    *n = c->n;
    return GOST_OK;
  }
  if (!c) { /* an empty placeholder: one query per period, not one per request */
    cache_put(sd, tunnel, NULL, 0);
    c = sd->cache[slot_of(tunnel)];
  }
  if (c) c->refreshing = 1;
  int have = c && c->n;
  if (have) {
    *e = c->e;
    *n = c->n;
  }
  struct gost_sd_lookup *l = gost__calloc(sd->ctx, 1, sizeof *l);
  if (l) {
    l->sd = sd;
    memcpy(l->tunnel, tunnel, 16);
    char key[200], now[32], lim[16];
    tunnel_key(sd, tunnel, key, sizeof key);
    snprintf(now, sizeof now, "%lld", wall_ms());
    snprintf(lim, sizeof lim, "%d", GOST_SD_LOOKUP_MAX);
    if (gost__redis_cmdv(sd->client, on_refreshed, l, "ZRANGEBYSCORE", key, now, "+inf", "LIMIT", "0", lim, NULL))
      gost_list_insert_tail(&sd->refreshes, &l->link);
    else
      gost__free(sd->ctx, l);
  }
  return have ? GOST_OK : GOST_ENOTFOUND;
}

void gost__sd_lookup_cancel(struct gost_sd_lookup *l) {
  if (!l) return;
  gost__redis_cancel(l->req);
  lookup_free(l);
}

void gost__sd_destroy(struct gost_sd *sd) {
  if (!sd) return;
  while (!gost_list_empty(&sd->regs))
    gost__sd_deregister(gost_container_of(sd->regs.next, struct gost_sd_reg, link));
  if (sd->users) {
    sd->users = 1;
    gost__sd_unuse(sd);
  }
  for (unsigned k = 0; k < GOST_SD_CACHE_SLOTS; k++) gost__free(sd->ctx, sd->cache[k]);
  gost__ctx_disown(&sd->child);
  gost__free(sd->ctx, sd->name);
  gost__free(sd->ctx, sd);
}
