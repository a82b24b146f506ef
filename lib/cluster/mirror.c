/* Redis hash/set mirror: two clients (commands, subscriber), a reload timer and a debounce
 * timer. Every read replaces the whole copy, so a missed notification costs at most one
 * reload period. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/mirror.h"
#include "core/error.h"
#include "core/log.h"

#define MIRROR_MAX_ITEMS 65536

struct gost_redis_mirror {
  gost_ctx_t *ctx;
  char key[256];
  char label[128];
  enum gost_mirror_type type;
  struct gost_redis *cmd, *sub;
  struct gost_redis_req *req;
  ev_timer reload, soon;
  gost_mirror_cb cb;
  void *user;
};

static void deliver(struct gost_redis_mirror *m, const redisReply *r) {
  size_t n = m->type == GOST_MIRROR_HASH ? r->elements / 2 : r->elements;
  if (n > MIRROR_MAX_ITEMS) {
    GOST_WARN(m->ctx, "%s: %zu entries in %s, only the first %d are used", m->label, n, m->key, MIRROR_MAX_ITEMS);
    n = MIRROR_MAX_ITEMS;
  }
  const char **f = gost__calloc(m->ctx, n ? n : 1, sizeof *f), **v = gost__calloc(m->ctx, n ? n : 1, sizeof *v);
  char **split = m->type == GOST_MIRROR_SET ? gost__calloc(m->ctx, n ? n : 1, sizeof *split) : NULL;
  size_t k = 0;
  if (!f || !v || (m->type == GOST_MIRROR_SET && !split)) goto out;
  for (size_t i = 0; i < n; i++) {
    if (m->type == GOST_MIRROR_HASH) {
      const redisReply *a = r->element[2 * i], *b = r->element[2 * i + 1];
      if (a->type != REDIS_REPLY_STRING || b->type != REDIS_REPLY_STRING) continue;
      f[k] = a->str;
      v[k++] = b->str;
    } else {
      const redisReply *a = r->element[i];
      if (a->type != REDIS_REPLY_STRING || !(split[i] = gost__strdup(m->ctx, a->str))) continue;
      char *sp = strpbrk(split[i], " \t");
      if (!sp) continue;
      *sp++ = '\0';
      while (*sp == ' ' || *sp == '\t') sp++;
      f[k] = split[i];
      v[k++] = sp;
    }
  }
  m->cb(m->user, f, v, k);
out:
  if (split)
    for (size_t i = 0; i < n; i++) gost__free(m->ctx, split[i]);
  gost__free(m->ctx, split);
  gost__free(m->ctx, f);
  gost__free(m->ctx, v);
}

static void on_read(struct gost_redis *r, const redisReply *reply, void *user) {
  struct gost_redis_mirror *m = user;
  m->req = NULL;
  if (!reply || reply->type != REDIS_REPLY_ARRAY) {
    GOST_WARN(m->ctx, "%s: reading %s failed: %s", m->label, m->key,
              reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "no answer");
    return; /* the copy stays as it was */
  }
  deliver(m, reply);
}

static void fetch(struct gost_redis_mirror *m) {
  if (m->req || !gost__redis_is_up(m->cmd)) return; /* one read at a time; reconnect refetches */
  m->req = gost__redis_cmdv(m->cmd, on_read, m, m->type == GOST_MIRROR_HASH ? "HGETALL" : "SMEMBERS", m->key, NULL);
}

static void on_reload(struct ev_loop *loop, ev_timer *w, int revents) { fetch(w->data); }

static void on_soon(struct ev_loop *loop, ev_timer *w, int revents) { fetch(w->data); }

static void changed_soon(struct gost_redis_mirror *m) {
  if (!ev_is_active(&m->soon)) ev_timer_start(m->ctx->loop, &m->soon);
}

static void on_cmd_state(struct gost_redis *r, int up, void *user) {
  if (up) fetch(user);
}

static void on_sub_state(struct gost_redis *r, int up, void *user) {
  if (up) changed_soon(user); /* changes may have been missed while the subscriber was down */
}

static void on_message(struct gost_redis *r, const char *channel, const char *payload, size_t len, void *user) {
  changed_soon(user);
}

int gost__mirror_new(struct gost_redis_mirror **out, gost_ctx_t *ctx, const struct gost_redis_conf *conf,
                     const char *key, enum gost_mirror_type type, int64_t reload_ms, const char *label,
                     gost_mirror_cb cb, void *user) {
  *out = NULL;
  if (!key || !*key || strlen(key) >= 200) return gost__error(GOST_EINVAL, "redis: bad key");
  struct gost_redis_mirror *m = gost__calloc(ctx, 1, sizeof *m);
  if (!m) return gost__error(GOST_ENOMEM, "redis mirror");
  m->ctx = ctx;
  snprintf(m->key, sizeof m->key, "%s", key);
  snprintf(m->label, sizeof m->label, "%s", label);
  m->type = type;
  m->cb = cb;
  m->user = user;
  ev_timer_init(&m->soon, on_soon, GOST_MIRROR_DEBOUNCE_S, 0.);
  m->soon.data = m;
  double every = reload_ms > 0 ? (double)reload_ms / 1000.0 : 0.;
  ev_timer_init(&m->reload, on_reload, every, every);
  m->reload.data = m;
  char chans[2][300];
  snprintf(chans[0], sizeof chans[0], "%s:changed", key);
  snprintf(chans[1], sizeof chans[1], "__keyspace@%d__:%s", conf->db, key);
  const char *ch[2] = {chans[0], chans[1]};
  int rc = gost__redis_new(&m->cmd, ctx, conf, label, on_cmd_state, m);
  if (rc == GOST_OK) rc = gost__redis_new(&m->sub, ctx, conf, label, on_sub_state, m);
  if (rc == GOST_OK) rc = gost__redis_subscribe(m->sub, ch, 2, on_message, m);
  if (rc != GOST_OK) {
    gost__mirror_free(m);
    return rc;
  }
  if (every > 0) ev_timer_start(ctx->loop, &m->reload);
  *out = m;
  return GOST_OK;
}

void gost__mirror_free(struct gost_redis_mirror *m) {
  if (!m) return;
  ev_timer_stop(m->ctx->loop, &m->reload);
  ev_timer_stop(m->ctx->loop, &m->soon);
  gost__redis_free(m->cmd); /* drops m->req without its callback */
  gost__redis_free(m->sub);
  gost__free(m->ctx, m);
}
