/* Per-target datagram streams for SOCKS5 UDP (see udprelay.h). */
#include "handler/udprelay.h"

#include <string.h>

#include "chain/dial.h"
#include "core/error.h"
#include "core/log.h"

#define QUEUE_MAX 16 /* datagrams held while a target is being dialled */

struct qdgram {
  struct qdgram *next;
  size_t n;
  uint8_t data[];
};

struct target {
  struct target *next;
  struct gost_udprelay *r;
  struct gost_relay_addr addr;
  char key[GOST__RELAY_ADDR_STR_MAX];
  struct gost_dial *dial;
  gost_stream *s;
  struct qdgram *qh, *qt;
  size_t qn;
  int active; /* traffic since the last ttl tick */
};

struct gost_udprelay {
  gost_service_t *svc;
  gost_ctx_t *ctx;
  struct target *targets;
  size_t n;
  ev_timer ttl;
  gost_udprelay_answer_fn fn;
  void *user;
};

static void target_free(struct target *t) {
  struct gost_udprelay *r = t->r;
  for (struct target **pp = &r->targets; *pp; pp = &(*pp)->next)
    if (*pp == t) {
      *pp = t->next;
      break;
    }
  r->n--;
  gost__dial_cancel(t->dial);
  gost_stream_close(t->s);
  while (t->qh) {
    struct qdgram *q = t->qh;
    t->qh = q->next;
    gost__free(r->ctx, q);
  }
  gost__free(r->ctx, t);
}

static void on_answer(gost_stream *s, ssize_t n, const char *data, void *user) {
  (void)s;
  struct target *t = user;
  if (n < 0) {
    target_free(t);
    return;
  }
  t->active = 1;
  t->r->fn(t->r->user, &t->addr, (const uint8_t *)data, (size_t)n);
}

static void on_dialed(gost_ctx_t *ctx, gost_stream *s, int status, void *user) {
  struct target *t = user;
  t->dial = NULL;
  if (status != GOST_OK) {
    GOST_DEBUG(ctx, "udp relay: %s: %s", t->key, gost_strerror(status));
    target_free(t);
    return;
  }
  t->s = s;
  while (t->qh) {
    struct qdgram *q = t->qh;
    t->qh = q->next;
    gost_stream_write_buf(s, q->data, q->n, NULL, NULL);
    gost__free(ctx, q);
  }
  t->qt = NULL;
  t->qn = 0;
  gost_stream_set_read_cb(s, on_answer, t);
  gost_stream_read_start(s);
}

static struct target *target_new(struct gost_udprelay *r, const struct gost_relay_addr *a, const char *key) {
  if (r->n >= GOST__UDPRELAY_MAX_TARGETS || gost__service_bypassed(r->svc, key)) return NULL;
  struct target *t = gost__calloc(r->ctx, 1, sizeof *t);
  if (!t) return NULL;
  t->r = r;
  t->addr = *a;
  snprintf(t->key, sizeof t->key, "%s", key);
  t->next = r->targets;
  r->targets = t;
  r->n++;
  struct gost_conn_info info = {.host = t->key, .udp = 1};
  t->dial = gost__chain_dial(r->ctx, r->svc->chain, "udp", t->key, &info, on_dialed, t);
  if (!t->dial) {
    GOST_DEBUG(r->ctx, "udp relay: %s: %s", key, gost_last_error());
    target_free(t);
    return NULL;
  }
  return t;
}

void gost__udprelay_send(struct gost_udprelay *r, const struct gost_relay_addr *a, const uint8_t *p,
                         size_t n) {
  char key[GOST__RELAY_ADDR_STR_MAX];
  if (gost__relay_addr_format(a, key, sizeof key) < 0 || a->port == 0) return;
  struct target *t = r->targets;
  while (t && strcmp(t->key, key)) t = t->next;
  if (!t && !(t = target_new(r, a, key))) return;
  t->active = 1;
  if (t->s) {
    gost_stream_write_buf(t->s, p, n, NULL, NULL); /* a failed datagram is a lost datagram */
    return;
  }
  if (t->qn >= QUEUE_MAX) return;
  struct qdgram *q = gost__malloc(r->ctx, sizeof *q + n);
  if (!q) return;
  q->next = NULL;
  q->n = n;
  memcpy(q->data, p, n);
  if (t->qt) t->qt->next = q;
  else t->qh = q;
  t->qt = q;
  t->qn++;
}

static void on_ttl(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop, (void)revents;
  struct gost_udprelay *r = w->data;
  struct target *t = r->targets;
  while (t) {
    struct target *next = t->next;
    if (!t->active) target_free(t);
    else t->active = 0;
    t = next;
  }
}

struct gost_udprelay *gost__udprelay_new(gost_service_t *svc, uint64_t ttl_ms, gost_udprelay_answer_fn fn,
                                         void *user) {
  struct gost_udprelay *r = gost__calloc(svc->ctx, 1, sizeof *r);
  if (!r) return NULL;
  r->svc = svc;
  r->ctx = svc->ctx;
  r->fn = fn;
  r->user = user;
  double t = (double)(ttl_ms ? ttl_ms : GOST__UDPRELAY_TTL_MS) / 1000.0;
  ev_timer_init(&r->ttl, on_ttl, t, t);
  r->ttl.data = r;
  ev_timer_start(r->ctx->loop, &r->ttl);
  return r;
}

void gost__udprelay_free(struct gost_udprelay *r) {
  if (!r) return;
  ev_timer_stop(r->ctx->loop, &r->ttl);
  while (r->targets) target_free(r->targets);
  gost__free(r->ctx, r);
}
