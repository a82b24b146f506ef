/* Redis client: hiredis async on the ctx's libev loop. States: resolving -> connecting ->
 * handshake (AUTH, SELECT, PING pipelined) -> up; any failure -> down, retry after a back-off
 * that doubles from 100 ms to 5 s (jittered). A watchdog ends a connection whose oldest
 * command has waited more than 2 s, so callers always get an answer. */
#include <hiredis/async.h>
#include <hiredis/adapters/libev.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/redis.h"
#include <arpa/inet.h>
#include "codec/relay.h"
#include "core/error.h"
#include "core/log.h"
#include "core/resolver.h"

enum { ST_IDLE, ST_RESOLVING, ST_CONNECTING, ST_UP, ST_DEAD };

struct gost_redis_req {
  struct gost_list link; /* r->inflight */
  gost_ctx_t *ctx;
  struct gost_redis *r; /* NULL once detached: the hiredis callback only frees it */
  gost_redis_reply_cb cb;
  void *user;
  double deadline;
  int handshake; /* AUTH/SELECT/PING of the connection itself */
};

struct gost_redis {
  gost_ctx_t *ctx;
  struct gost_redis_conf conf;
  char label[64];
  char host[256];
  uint16_t port;
  int state;
  redisAsyncContext *ac;
  struct gost_resolve *res;
  ev_timer retry;    /* reconnect back-off */
  ev_timer watchdog; /* command deadlines, connect deadline */
  ev_timer reaper;   /* deferred free when freed from inside a hiredis callback */
  double connect_deadline;
  unsigned backoff_ms;
  struct gost_list inflight;
  size_t ninflight;
  int in_hiredis; /* inside a hiredis callback: redisAsyncFree must be deferred */
  int freeing;
  int logged_down;
  gost_redis_state_cb state_cb;
  void *state_user;
  /* subscriber mode */
  char **channels;
  size_t nchannels;
  gost_redis_message_cb msg_cb;
  void *msg_user;
};

int gost__redis_conf_addr(struct gost_redis_conf *conf, const char *addr) {
  const char *h, *p;
  size_t hl, pl;
  if (!addr || strlen(addr) >= sizeof conf->addr || gost__hostport_split(addr, strlen(addr), &h, &hl, &p, &pl) != GOST_OK ||
      !hl || !pl)
    return gost__error(GOST_EINVAL, "redis: address \"%s\" is not host:port", addr ? addr : "");
  snprintf(conf->addr, sizeof conf->addr, "%s", addr);
  return GOST_OK;
}

int gost__redis_conf_fill(struct gost_redis_conf *conf, const char *addr, int db, const char *password) {
  memset(conf, 0, sizeof *conf);
  int rc = gost__redis_conf_addr(conf, addr);
  if (rc != GOST_OK) return rc;
  if (db < 0 || db > 65535) return gost__error(GOST_EINVAL, "redis: bad db %d", db);
  conf->db = db;
  if (password && strlen(password) >= sizeof conf->password) return gost__error(GOST_EINVAL, "redis: password too long");
  if (password) snprintf(conf->password, sizeof conf->password, "%s", password);
  return GOST_OK;
}

static void start_connect(struct gost_redis *r);

static void schedule_retry(struct gost_redis *r) {
  if (r->freeing) return;
  r->state = ST_IDLE;
  uint32_t j = 0;
  RAND_bytes((unsigned char *)&j, sizeof j);
  double d = r->backoff_ms / 1000.0 * (0.8 + 0.4 * (j / 4294967296.0));
  r->backoff_ms = r->backoff_ms * 2 > GOST_REDIS_BACKOFF_MAX_MS ? GOST_REDIS_BACKOFF_MAX_MS : r->backoff_ms * 2;
  ev_timer_stop(r->ctx->loop, &r->retry);
  ev_timer_set(&r->retry, d, 0.);
  ev_timer_start(r->ctx->loop, &r->retry);
}

/* Fails every request still waiting (their hiredis callbacks will find them detached). */
static void fail_inflight(struct gost_redis *r) {
  while (!gost_list_empty(&r->inflight)) {
    struct gost_redis_req *q = gost_container_of(r->inflight.next, struct gost_redis_req, link);
    gost_list_remove(&q->link);
    gost_list_init(&q->link);
    r->ninflight--;
    gost_redis_reply_cb cb = q->cb;
    q->cb = NULL; /* the hiredis callback frees it later */
    q->r = NULL;
    if (cb && !r->freeing) cb(r, NULL, q->user);
  }
}

/* The connection is gone (or must go): every waiter fails now, then back-off. */
static void went_down(struct gost_redis *r, const char *why) {
  int was_up = r->state == ST_UP;
  r->ac = NULL;
  ev_timer_stop(r->ctx->loop, &r->watchdog);
  if (!r->logged_down || was_up)
    GOST_WARN(r->ctx, "redis %s (%s): down: %s", r->label, r->conf.addr, why);
  r->logged_down = 1;
  fail_inflight(r);
  schedule_retry(r);
  if (was_up && r->state_cb && !r->freeing) r->state_cb(r, 0, r->state_user);
}

static void on_reply(redisAsyncContext *ac, void *reply, void *privdata) {
  struct gost_redis_req *q = privdata;
  struct gost_redis *r = q->r;
  if (!r) { /* detached by fail_inflight or free */
    gost__free(q->ctx, q);
    return;
  }
  gost_list_remove(&q->link);
  r->ninflight--;
  gost_redis_reply_cb cb = q->cb;
  void *user = q->user;
  gost__free(r->ctx, q);
  r->in_hiredis++;
  if (cb && !r->freeing) cb(r, reply, user);
  r->in_hiredis--;
}

static void on_connect(const redisAsyncContext *ac, int status) {
  struct gost_redis *r = ac->data;
  if (!r || r->freeing || status == REDIS_OK) return;
  r->in_hiredis++;
  went_down(r, ac->errstr[0] ? ac->errstr : "connect failed"); /* hiredis frees ac */
  r->in_hiredis--;
}

static void on_disconnect(const redisAsyncContext *ac, int status) {
  struct gost_redis *r = ac->data;
  if (!r || r->freeing || r->ac != ac) return;
  r->in_hiredis++;
  went_down(r, status == REDIS_OK ? "disconnected" : (ac->errstr[0] ? ac->errstr : "connection lost"));
  r->in_hiredis--;
}

static void on_message(redisAsyncContext *ac, void *reply, void *privdata) {
  struct gost_redis *r = ac->data;
  redisReply *m = reply;
  if (!r || r->freeing || !m || m->type != REDIS_REPLY_ARRAY || m->elements != 3) return;
  if (m->element[0]->type != REDIS_REPLY_STRING || strcmp(m->element[0]->str, "message")) return;
  if (m->element[1]->type != REDIS_REPLY_STRING || m->element[2]->type != REDIS_REPLY_STRING) return;
  r->in_hiredis++;
  if (r->msg_cb) r->msg_cb(r, m->element[1]->str, m->element[2]->str, m->element[2]->len, r->msg_user);
  r->in_hiredis--;
}

static void handshake_done(struct gost_redis *r, const redisReply *reply, void *user) {
  if (!reply || reply->type == REDIS_REPLY_ERROR) {
    const char *why = reply ? reply->str : "no answer to the handshake";
    if (r->ac) {
      GOST_WARN(r->ctx, "redis %s (%s): %s", r->label, r->conf.addr, why);
      redisAsyncDisconnect(r->ac); /* on_disconnect -> went_down */
    }
    return;
  }
  if (user) return; /* AUTH / SELECT: the PING decides */
  r->state = ST_UP;
  r->backoff_ms = GOST_REDIS_BACKOFF_MIN_MS;
  r->logged_down = 0;
  GOST_INFO(r->ctx, "redis %s (%s): connected", r->label, r->conf.addr);
  if (r->nchannels && r->ac) { /* subscriber: the connection now only carries messages */
    const char *argv[1 + 64];
    size_t n = r->nchannels > 64 ? 64 : r->nchannels;
    argv[0] = "SUBSCRIBE";
    for (size_t i = 0; i < n; i++) argv[1 + i] = r->channels[i];
    redisAsyncCommandArgv(r->ac, on_message, NULL, (int)(1 + n), argv, NULL);
  }
  if (r->state_cb) r->state_cb(r, 1, r->state_user);
}

static struct gost_redis_req *send_argv(struct gost_redis *r, gost_redis_reply_cb cb, void *user,
                                        int handshake, int argc, const char **argv, const size_t *lens) {
  struct gost_redis_req *q = gost__calloc(r->ctx, 1, sizeof *q);
  if (!q) {
    gost__error(GOST_ENOMEM, "redis request");
    return NULL;
  }
  q->ctx = r->ctx;
  q->r = r;
  q->cb = cb;
  q->user = user;
  q->handshake = handshake;
  q->deadline = gost__now(r->ctx) + GOST_REDIS_CMD_TIMEOUT_MS / 1000.0;
  if (redisAsyncCommandArgv(r->ac, on_reply, q, argc, argv, lens) != REDIS_OK) {
    gost__free(r->ctx, q);
    gost__error(GOST_EIO, "redis: cannot send");
    return NULL;
  }
  gost_list_insert_tail(&r->inflight, &q->link);
  r->ninflight++;
  if (!ev_is_active(&r->watchdog)) ev_timer_again(r->ctx->loop, &r->watchdog);
  return q;
}

static void start_handshake(struct gost_redis *r) {
  char db[16];
  snprintf(db, sizeof db, "%d", r->conf.db);
  const char *auth[2] = {"AUTH", r->conf.password}, *sel[2] = {"SELECT", db}, *ping[1] = {"PING"};
  static int tag;
  if (r->conf.password[0]) send_argv(r, handshake_done, &tag, 1, 2, auth, NULL);
  if (r->conf.db) send_argv(r, handshake_done, &tag, 1, 2, sel, NULL);
  send_argv(r, handshake_done, NULL, 1, 1, ping, NULL);
}

static void on_resolved(gost_ctx_t *ctx, int status, const struct sockaddr_storage *addrs, size_t n,
                        void *user) {
  struct gost_redis *r = user;
  r->res = NULL;
  if (status != GOST_OK || !n) return went_down(r, "cannot resolve the address");
  char ip[INET6_ADDRSTRLEN];
  const void *a = addrs[0].ss_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)&addrs[0])->sin6_addr
                                                 : (const void *)&((const struct sockaddr_in *)&addrs[0])->sin_addr;
  if (!inet_ntop(addrs[0].ss_family, a, ip, sizeof ip)) return went_down(r, "bad address");
  redisAsyncContext *ac = redisAsyncConnect(ip, r->port);
  if (!ac || ac->err) {
    char why[128];
    snprintf(why, sizeof why, "%s", ac ? ac->errstr : "out of memory");
    if (ac) redisAsyncFree(ac);
    return went_down(r, why);
  }
  ac->data = r;
  r->ac = ac;
  r->state = ST_CONNECTING;
  redisLibevAttach(ctx->loop, ac);
  redisAsyncSetConnectCallback(ac, on_connect);
  redisAsyncSetDisconnectCallback(ac, on_disconnect);
  r->connect_deadline = gost__now(ctx) + GOST_REDIS_CMD_TIMEOUT_MS / 1000.0;
  start_handshake(r); /* queued until the socket connects */
}

static void start_connect(struct gost_redis *r) {
  r->state = ST_RESOLVING;
  r->res = gost__resolve(r->ctx, r->host, r->port, on_resolved, r);
  if (!r->res) went_down(r, gost_last_error());
}

static void on_retry(struct ev_loop *loop, ev_timer *w, int revents) { start_connect(w->data); }

/* Oldest request past its deadline (or a connect that hangs): the connection is dropped, which
 * fails everything in flight at once. */
static void on_watchdog(struct ev_loop *loop, ev_timer *w, int revents) {
  struct gost_redis *r = w->data;
  double now = ev_now(loop);
  int late = !gost_list_empty(&r->inflight) &&
             gost_container_of(r->inflight.next, struct gost_redis_req, link)->deadline <= now;
  if (r->state == ST_CONNECTING && r->connect_deadline <= now) late = 1;
  if (late && r->ac) {
    redisAsyncContext *ac = r->ac;
    went_down(r, "timed out");
    ac->data = NULL;
    redisAsyncFree(ac); /* hiredis calls every on_reply with NULL: they are detached */
    return;
  }
  if (gost_list_empty(&r->inflight) && r->state != ST_CONNECTING) ev_timer_stop(loop, w);
}

static void reap(struct ev_loop *loop, ev_timer *w, int revents) {
  struct gost_redis *r = w->data;
  ev_timer_stop(loop, w);
  r->in_hiredis = 0;
  gost__redis_free(r);
}

int gost__redis_new(struct gost_redis **out, gost_ctx_t *ctx, const struct gost_redis_conf *conf,
                    const char *label, gost_redis_state_cb state, void *user) {
  const char *h, *p;
  size_t hl, pl;
  *out = NULL;
  if (gost__hostport_split(conf->addr, strlen(conf->addr), &h, &hl, &p, &pl) != GOST_OK || !hl || !pl ||
      hl >= sizeof ((struct gost_redis *)0)->host)
    return gost__error(GOST_EINVAL, "redis: bad address \"%s\"", conf->addr);
  long port = strtol(p, NULL, 10);
  if (port <= 0 || port > 65535) return gost__error(GOST_EINVAL, "redis: bad port in \"%s\"", conf->addr);
  struct gost_redis *r = gost__calloc(ctx, 1, sizeof *r);
  if (!r) return gost__error(GOST_ENOMEM, "redis client");
  r->ctx = ctx;
  r->conf = *conf;
  snprintf(r->label, sizeof r->label, "%s", label ? label : "");
  memcpy(r->host, h, hl);
  r->port = (uint16_t)port;
  r->backoff_ms = GOST_REDIS_BACKOFF_MIN_MS;
  r->state_cb = state;
  r->state_user = user;
  gost_list_init(&r->inflight);
  ev_timer_init(&r->retry, on_retry, 0., 0.);
  r->retry.data = r;
  ev_timer_init(&r->watchdog, on_watchdog, 0., 0.25);
  r->watchdog.data = r;
  ev_timer_init(&r->reaper, reap, 0., 0.);
  r->reaper.data = r;
  start_connect(r);
  *out = r;
  return GOST_OK;
}

void gost__redis_free(struct gost_redis *r) {
  if (!r) return;
  r->freeing = 1;
  r->state_cb = NULL;
  r->msg_cb = NULL;
  if (r->in_hiredis) { /* hiredis is on the stack: finish on the next loop turn */
    ev_timer_start(r->ctx->loop, &r->reaper);
    return;
  }
  struct ev_loop *loop = r->ctx->loop;
  ev_timer_stop(loop, &r->retry);
  ev_timer_stop(loop, &r->watchdog);
  ev_timer_stop(loop, &r->reaper);
  if (r->res) gost__resolve_cancel(r->res);
  fail_inflight(r); /* detaches; no callbacks while freeing */
  if (r->ac) {
    redisAsyncContext *ac = r->ac;
    r->ac = NULL;
    ac->data = NULL;
    ac->onDisconnect = NULL;
    redisAsyncFree(ac);
  }
  for (size_t i = 0; i < r->nchannels; i++) gost__free(r->ctx, r->channels[i]);
  gost__free(r->ctx, r->channels);
  gost__free(r->ctx, r);
}

int gost__redis_is_up(const struct gost_redis *r) { return r && r->state == ST_UP; }

struct gost_redis_req *gost__redis_cmd(struct gost_redis *r, gost_redis_reply_cb cb, void *user,
                                       int argc, const char **argv, const size_t *argvlen) {
  if (!r || r->freeing || r->state != ST_UP || !r->ac || r->nchannels) {
    gost__error(GOST_EUNREACH, "redis %s: not connected", r ? r->label : "");
    return NULL;
  }
  if (r->ninflight >= GOST_REDIS_MAX_INFLIGHT) {
    gost__error(GOST_EAGAIN, "redis %s: too many commands in flight", r->label);
    return NULL;
  }
  return send_argv(r, cb, user, 0, argc, argv, argvlen);
}

struct gost_redis_req *gost__redis_cmdv(struct gost_redis *r, gost_redis_reply_cb cb, void *user, ...) {
  const char *argv[16];
  int argc = 0;
  va_list ap;
  va_start(ap, user);
  for (const char *a; argc < 16 && (a = va_arg(ap, const char *));) argv[argc++] = a;
  va_end(ap);
  return gost__redis_cmd(r, cb, user, argc, argv, NULL);
}

void gost__redis_cancel(struct gost_redis_req *q) {
  if (q) q->cb = NULL;
}

int gost__redis_subscribe(struct gost_redis *r, const char *const *channels, size_t n,
                          gost_redis_message_cb cb, void *user) {
  if (!r || !n || n > 64 || r->nchannels) return gost__error(GOST_EINVAL, "redis: bad subscription");
  r->channels = gost__calloc(r->ctx, n, sizeof *r->channels);
  if (!r->channels) return gost__error(GOST_ENOMEM, "redis subscription");
  for (size_t i = 0; i < n; i++) {
    if (!(r->channels[i] = gost__strdup(r->ctx, channels[i]))) return gost__error(GOST_ENOMEM, "redis subscription");
    r->nchannels = i + 1;
  }
  r->msg_cb = cb;
  r->msg_user = user;
  if (r->state == ST_UP && r->ac) { /* already connected: subscribe now */
    const char *argv[1 + 64];
    argv[0] = "SUBSCRIBE";
    for (size_t i = 0; i < n; i++) argv[1 + i] = r->channels[i];
    redisAsyncCommandArgv(r->ac, on_message, NULL, (int)(1 + n), argv, NULL);
  }
  return GOST_OK;
}
