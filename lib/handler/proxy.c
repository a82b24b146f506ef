/* Shared plumbing of the proxy handlers (see proxy.h). */
#include "handler/proxy.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "core/meta.h"
#include "model/stats.h"

#define DEFAULT_READ_MS 15000

static const char *svc_name(const gost_service_t *svc) { return svc->name ? svc->name : ""; }

int gost__proxy_start(gost_service_t *svc) {
  struct gost_proxy_state *st = gost__calloc(svc->ctx, 1, sizeof *st);
  if (!st) return gost__error(GOST_ENOMEM, "out of memory");
  gost_list_init(&st->conns);
  const char *v = gost__service_meta(svc, "idleTimeout", NULL);
  int64_t ms = v ? gost__duration_ms(v) : 0;
  st->idle_ms = ms > 0 ? (uint64_t)ms : 0;
  v = gost__service_meta(svc, "readTimeout", NULL);
  ms = v ? gost__duration_ms(v) : 0;
  st->read_ms = ms > 0 ? (uint64_t)ms : DEFAULT_READ_MS;
  st->realm = gost__service_meta(svc, "realm", "gost");
  svc->handler_state = st;
  return GOST_OK;
}

static void conn_free(struct gost_proxy_conn *pc) {
  gost_list_remove(&pc->link);
  gost__free(pc->svc->ctx, pc->head);
  gost__free(pc->svc->ctx, pc);
}

void gost__proxy_stop(gost_service_t *svc) {
  struct gost_proxy_state *st = svc->handler_state;
  if (!st) return;
  struct gost_list *pos, *tmp;
  gost_list_foreach_safe(pos, tmp, &st->conns) {
    gost__proxy_conn_end(gost_container_of(pos, struct gost_proxy_conn, link));
  }
  gost__free(svc->ctx, st);
  svc->handler_state = NULL;
}

struct gost_proxy_conn *gost__proxy_conn_new(gost_service_t *svc, gost_stream *s) {
  struct gost_proxy_state *st = svc->handler_state;
  struct gost_proxy_conn *pc = gost__calloc(svc->ctx, 1, sizeof *pc);
  if (!pc) {
    gost_stream_close(s);
    gost__service_conn_done(svc, 0, 0);
    return NULL;
  }
  pc->svc = svc;
  pc->client = s;
  gost_list_insert_tail(&st->conns, &pc->link);
  return pc;
}

void gost__proxy_conn_end(struct gost_proxy_conn *pc) {
  if (pc->session) {
    pc->session_free(pc->session);
  } else if (pc->pipe) {
    gost__pipe_abort(pc->pipe);
  } else { /* ended before relaying: a refusal or a failed dial */
    pc->svc->errors++;
    gost__msg_read_cancel(pc->mr);
    gost__auth_cancel(&pc->auth);
    gost__dial_cancel(pc->dial);
    gost_stream_close(pc->client);
  }
  gost__service_conn_done(pc->svc, 0, 0);
  conn_free(pc);
}

static void on_reply_sent(gost_stream *s, int status, void *user) {
  (void)s;
  (void)status;
  gost__proxy_conn_end(user);
}

void gost__proxy_reply_close(struct gost_proxy_conn *pc, const void *p, size_t n) {
  pc->closing = 1;
  gost_stream_read_stop(pc->client);
  if (gost_stream_write_buf(pc->client, p, n, on_reply_sent, pc) != 0) gost__proxy_conn_end(pc);
}

static void on_dialed(gost_ctx_t *ctx, gost_stream *s, int status, void *user) {
  struct gost_proxy_conn *pc = user;
  pc->dial = NULL;
  if (status < 0)
    GOST_WARN(ctx, "%s: dial %s: %s", svc_name(pc->svc), pc->target, gost_strerror(status));
  pc->dialed(pc, status < 0 ? NULL : s, status);
}

void gost__proxy_dial(struct gost_proxy_conn *pc, gost_proxy_dialed_fn dialed) {
  gost_service_t *svc = pc->svc;
  struct gost_conn_info info = {.host = pc->target};
  if (pc->client) info.client = pc->client->peer;
  pc->dialed = dialed;
  if (gost__service_bypassed(svc, pc->target)) {
    dialed(pc, NULL, GOST_EDENIED);
    return;
  }
  GOST_DEBUG(svc->ctx, "%s: %s -> %s", svc_name(svc), svc->handler->name, pc->target);
  pc->dial = gost__chain_dial(svc->ctx, svc->chain, "tcp", pc->target, &info, on_dialed, pc);
  if (!pc->dial) dialed(pc, NULL, GOST_EUNREACH);
}

static void on_pipe_done(struct gost_pipe *p, int status, uint64_t a_to_b, uint64_t b_to_a,
                         void *user) {
  (void)p;
  struct gost_proxy_conn *pc = user;
  GOST_DEBUG(pc->svc->ctx, "%s: %s closed: %s, %llu/%llu bytes", svc_name(pc->svc), pc->target,
             status ? gost_strerror(status) : "ok", (unsigned long long)a_to_b,
             (unsigned long long)b_to_a);
  gost__service_conn_done(pc->svc, a_to_b, b_to_a);
  conn_free(pc);
}

void gost__proxy_pipe(struct gost_proxy_conn *pc, gost_stream *s) {
  struct gost_proxy_state *st = pc->svc->handler_state;
  struct gost_pipe_opts o = {0, 0, st->idle_ms, 0};
  pc->pipe = gost__pipe_start(pc->svc->ctx, pc->client, s, &o, on_pipe_done, pc);
  if (!pc->pipe) {
    gost_stream_close(s);
    gost__proxy_conn_end(pc);
  }
}

int gost__proxy_set_target(struct gost_proxy_conn *pc, const char *host, size_t hlen, uint16_t port) {
  int v6 = memchr(host, ':', hlen) != NULL;
  int n = snprintf(pc->target, sizeof pc->target, v6 ? "[%.*s]:%u" : "%.*s:%u", (int)hlen, host,
                   (unsigned)port);
  return n > 0 && (size_t)n < sizeof pc->target && hlen > 0 ? GOST_OK : GOST_EINVAL;
}
