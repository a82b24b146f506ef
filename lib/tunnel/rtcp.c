/* rtcp/rudp listener: dial the tunnel server through the service chain, BIND, run the smux
 * session as acceptor, and reconnect with back-off when it is lost (wire-spec §7). */
#include <assert.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/dial.h"
#include "core/addr.h"
#include "core/error.h"
#include "core/log.h"
#include "core/meta.h"
#include "tunnel/rtcp_int.h"

static const char *const state_names[] = {"connecting", "registered", "lost", "retrying", "stopped"};

/* The registration machine's edges; debug builds assert every transition against them. */
static int transition_ok(int from, int to) {
  switch (to) {
  case GOST__RTCP_CONNECTING: return from == GOST__RTCP_CONNECTING || from == GOST__RTCP_RETRYING;
  case GOST__RTCP_REGISTERED: return from == GOST__RTCP_CONNECTING;
  case GOST__RTCP_LOST: return from != GOST__RTCP_STOPPED;
  case GOST__RTCP_RETRYING: return from == GOST__RTCP_LOST;
  case GOST__RTCP_STOPPED: return from != GOST__RTCP_STOPPED;
  default: return 0;
  }
}

static void set_state(struct gost_rtcp *r, int state, const char *detail) {
  assert(transition_ok(r->state, state));
  (void)transition_ok; /* used by assert only */
  r->state = state;
  char f[256], dur[32] = "";
  /* the callback gets milliseconds (API); the log says "retrying in 1.8 s" */
  if (state == GOST__RTCP_RETRYING && detail) snprintf(dur, sizeof dur, "%.1f", atof(detail) / 1000.0);
  GOST_LOGF(r->ctx, state == GOST__RTCP_LOST ? GOST_LOG_WARN : GOST_LOG_INFO,
            gost__log_fields(f, sizeof f, "kind", "listener", "service", r->svc->name ? r->svc->name : "",
                             "listener", r->udp ? "rudp" : "rtcp", NULL),
            "tunnel %s%s%s%s", state_names[state], detail ? (state == GOST__RTCP_RETRYING ? " in " : ": ") : "",
            state == GOST__RTCP_RETRYING && detail ? dur : detail ? detail : "",
            state == GOST__RTCP_RETRYING && detail ? " s" : "");
  if (r->obs) r->obs(r->svc, state, detail, r->obs_user);
}

uint64_t gost__rtcp_backoff_ms(unsigned failures, double rnd) {
  static const uint64_t steps[] = {1000, 2000, 4000, 5000};
  uint64_t base = steps[failures < 3 ? failures : 3];
  /* jitter spreads the reconnects of many clients after a server restart */
  return (uint64_t)((double)base * (0.8 + 0.4 * rnd));
}

static double rnd01(void) {
  uint16_t v = 0;
  if (RAND_bytes((unsigned char *)&v, sizeof v) != 1) v = 32768;
  return (double)v / 65536.0;
}

static void attempt(struct gost_rtcp *r);

/* Tears down whatever the current attempt holds. */
static void reset_attempt(struct gost_rtcp *r) {
  r->seq++;
  ev_timer_stop(r->ctx->loop, &r->deadline);
  if (r->dial) gost__dial_cancel(r->dial);
  r->dial = NULL;
  if (r->op) gost__bind_op_cancel(r->op);
  r->op = NULL;
  gost__rtcp_dgram_stop(r->dgram);
  r->dgram = NULL;
  gost__rtcp_cancel_headers(r);
  if (r->mux) gost__mux_session_close(r->mux);
  r->mux = NULL;
  r->endpoint[0] = '\0';
}

static void schedule_retry(struct gost_rtcp *r, const char *reason) {
  reset_attempt(r);
  set_state(r, GOST__RTCP_LOST, reason);
  uint64_t ms = gost__rtcp_backoff_ms(r->failures, rnd01());
  r->failures++;
  char d[32];
  snprintf(d, sizeof d, "%llu", (unsigned long long)ms);
  set_state(r, GOST__RTCP_RETRYING, d);
  ev_timer_set(&r->retry, (double)ms / 1000.0, 0.);
  ev_timer_start(r->ctx->loop, &r->retry);
}

void gost__rtcp_lost(struct gost_rtcp *r, const char *why) {
  r->failures = 0; /* a lost session starts again at 1 s */
  schedule_retry(r, why);
}

static void on_mux_closed(struct gost_mux_session *m, int status, void *user) {
  (void)m;
  struct gost_rtcp *r = user;
  r->mux = NULL; /* the session frees itself after on_closed */
  char why[128];
  snprintf(why, sizeof why, "session closed: %s", gost_strerror(status));
  gost__rtcp_lost(r, why);
}

static void on_bound(gost_stream *s, int status, const struct gost_tunnel_bind_info *bi, void *user) {
  struct gost_rtcp *r = user;
  r->op = NULL;
  if (status != 0) {
    gost_stream_close(s);
    schedule_retry(r, gost_last_error());
    return;
  }
  r->hdr = bi->hdr;
  if (bi->dgram) {
    if (gost__rtcp_dgram_start(r, s) != GOST_OK) {
      schedule_retry(r, gost_last_error());
      return;
    }
    goto registered;
  }
  struct gost_smux_config cfg;
  int rc = gost__mux_config_from_meta(&cfg, r->node->connector_meta, 0, bi->mux_version);
  if (rc != 0) {
    gost_stream_close(s);
    schedule_retry(r, "bad mux options");
    return;
  }
  static const struct gost_mux_callbacks cbs = {.on_stream_accepted = gost__rtcp_on_stream,
                                                .on_closed = on_mux_closed};
  rc = gost__mux_session_new(&r->mux, r->ctx, s, &cfg, NULL, 0, &cbs, r);
  if (rc != 0) {
    r->mux = NULL;
    schedule_retry(r, "mux session");
    return;
  }
registered:
  r->failures = 0;
  snprintf(r->endpoint, sizeof r->endpoint, "%s", bi->endpoint);
  set_state(r, GOST__RTCP_REGISTERED, r->endpoint);
  /* a full host name (not the address of a plain bind): a public tunnel service */
  if (strchr(r->endpoint, '.') && !gost__addr_is_ip(r->endpoint) && !r->udp)
    GOST_INFO(r->ctx, "public URL: http://%s/", r->endpoint);
}

static void on_connected(struct gost_rtcp *r, gost_stream *s) {
  ev_timer_stop(r->ctx->loop, &r->deadline);
  r->op = gost__connector_bind(r->node, r->ctx, s, r->udp, r->svc->addr ? r->svc->addr : ":0", on_bound, r);
  if (!r->op) {
    gost_stream_close(s);
    schedule_retry(r, gost_last_error());
  }
}

struct wrap_ctx {
  struct gost_rtcp *r;
  uint64_t seq;
};

static void rtcp_free(struct gost_rtcp *r);

static void on_wrapped(gost_ctx_t *ctx, gost_stream *s, int status, void *user) {
  struct wrap_ctx *w = user;
  struct gost_rtcp *r = w->r;
  uint64_t seq = w->seq;
  gost__free(ctx, w);
  r->wrapping = 0;
  if (r->stopped || seq != r->seq) { /* stopped or timed out meanwhile */
    if (s) gost_stream_close(s);
    if (r->stopped) rtcp_free(r);
    return;
  }
  if (status != 0) {
    schedule_retry(r, gost_strerror(status));
    return;
  }
  on_connected(r, s);
}

static void on_dialed(gost_ctx_t *ctx, gost_stream *s, int status, void *user) {
  struct gost_rtcp *r = user;
  r->dial = NULL;
  if (status != 0) {
    char why[160];
    snprintf(why, sizeof why, "dial %s: %s", r->node->addr, gost_strerror(status));
    schedule_retry(r, why);
    return;
  }
  const struct gost_dialer_ops *d = gost__dialer_find(r->node->dialer ? r->node->dialer : "tcp");
  if (!d || !d->wrap) {
    on_connected(r, s);
    return;
  }
  struct wrap_ctx *w = gost__malloc(ctx, sizeof(*w));
  if (!w) {
    gost_stream_close(s);
    schedule_retry(r, "out of memory");
    return;
  }
  w->r = r;
  w->seq = r->seq;
  r->wrapping = 1;
  int rc = d->wrap(r->node, ctx, s, on_wrapped, w);
  if (rc != 0) {
    r->wrapping = 0;
    gost__free(ctx, w);
    gost_stream_close(s);
    schedule_retry(r, gost_strerror(rc));
  }
}

static void on_deadline(struct ev_loop *loop, ev_timer *t, int revents) {
  (void)loop;
  (void)revents;
  schedule_retry(t->data, "connect timeout");
}

static void attempt(struct gost_rtcp *r) {
  gost_chain_t *ch = r->svc->chain;
  struct gost_hop *last = ch->hops[ch->nhops - 1];
  if (last->nnodes == 0) {
    schedule_retry(r, "no tunnel server node");
    return;
  }
  r->node = r->pin >= 0 ? last->nodes[(size_t)r->pin % last->nnodes] : last->nodes[last->rr++ % last->nnodes];
  struct gost_tunnel_opts o;
  if (gost__tunnel_opts(r->node, r->ctx, &o) != 0) {
    schedule_retry(r, gost_last_error());
    return;
  }
  set_state(r, GOST__RTCP_CONNECTING, r->node->addr);
  r->head.hops = ch->hops;
  r->head.nhops = ch->nhops - 1;
  r->dial = gost__chain_dial(r->ctx, r->head.nhops ? &r->head : NULL, "tcp", r->node->addr, NULL,
                             on_dialed, r);
  if (!r->dial) {
    schedule_retry(r, gost_last_error());
    return;
  }
  ev_timer_set(&r->deadline, (double)o.connect_timeout_ms / 1000.0, 0.);
  ev_timer_start(r->ctx->loop, &r->deadline);
}

static void on_retry(struct ev_loop *loop, ev_timer *t, int revents) {
  (void)loop;
  (void)revents;
  attempt(t->data);
}

static void rtcp_free(struct gost_rtcp *r) { gost__free(r->ctx, r); }

static struct gost_rtcp *rtcp_new(gost_service_t *svc, int udp, int pin) {
  gost_chain_t *ch = svc->chain;
  struct gost_rtcp *r = gost__calloc(svc->ctx, 1, sizeof(*r));
  if (!r) return NULL;
  r->svc = svc;
  r->ctx = svc->ctx;
  r->udp = udp;
  r->pin = pin;
  r->head.ctx = ch->ctx;
  r->head.name = ch->name;
  gost_list_init(&r->head.link);
  gost_list_init(&r->hdr_reads);
  r->header_timeout_ms = (uint64_t)gost__meta_duration_ms(svc->listener_meta, "header.timeout", 15000);
  ev_timer_init(&r->retry, on_retry, 0., 0.);
  r->retry.data = r;
  ev_timer_init(&r->deadline, on_deadline, 0., 0.);
  r->deadline.data = r;
  /* first attempt on the next iteration: no callback fires from inside start() */
  ev_timer_start(r->ctx->loop, &r->retry);
  return r;
}

static void rtcp_stop_one(struct gost_rtcp *r) {
  ev_timer_stop(r->ctx->loop, &r->retry);
  reset_attempt(r);
  set_state(r, GOST__RTCP_STOPPED, NULL);
  if (r->wrapping) r->stopped = 1; /* freed when the wrap completes */
  else rtcp_free(r);
}

/* tunnel.connections.all (listener or tunnel-node connector metadata): one connection per node
 * of the last hop, each pinned to its node, so every server holds a connector (scale-out:
 * losing a node costs nothing, docs/cluster.md). Otherwise one connection rotating over them. */
static int connections_all(const gost_service_t *svc, const struct gost_hop *last) {
  const char *v = gost__meta_str(svc->listener_meta, "tunnel.connections.all", NULL);
  if (!v && last->nnodes) v = gost__meta_str(last->nodes[0]->connector_meta, "tunnel.connections.all", NULL);
  return gost__str_bool(v, 0);
}

static int start(gost_service_t *svc, int udp) {
  gost_chain_t *ch = svc->chain;
  if (!ch || ch->nhops == 0)
    return gost__error(GOST_ECONFIG, "%s: a chain ending in a tunnel node is required", udp ? "rudp" : "rtcp");
  const struct gost_hop *last = ch->hops[ch->nhops - 1];
  size_t n = connections_all(svc, last) && last->nnodes > 1 ? last->nnodes : 1;
  struct gost_rtcp *first = NULL, **tail = &first;
  for (size_t i = 0; i < n; i++) {
    struct gost_rtcp *r = rtcp_new(svc, udp, n > 1 ? (int)i : -1);
    if (!r) {
      while (first) {
        struct gost_rtcp *next = first->next;
        rtcp_stop_one(first);
        first = next;
      }
      return gost__error(GOST_ENOMEM, "rtcp");
    }
    *tail = r;
    tail = &r->next;
  }
  svc->listener_state = first;
  svc->port = 0;
  return 0;
}

static int rtcp_start(gost_service_t *svc) { return start(svc, 0); }
static int rudp_start(gost_service_t *svc) { return start(svc, 1); }

static void rtcp_stop(gost_service_t *svc) {
  struct gost_rtcp *r = svc->listener_state;
  svc->listener_state = NULL;
  while (r) {
    struct gost_rtcp *next = r->next;
    rtcp_stop_one(r);
    r = next;
  }
}

int gost__rtcp_observe(gost_service_t *svc, gost_rtcp_state_fn fn, void *user) {
  if (!svc || (svc->listener != &gost__listener_rtcp && svc->listener != &gost__listener_rudp) ||
      !svc->listener_state)
    return gost__error(GOST_ESTATE, "not a running rtcp/rudp service");
  for (struct gost_rtcp *r = svc->listener_state; r; r = r->next) {
    r->obs = fn;
    r->obs_user = user;
  }
  return 0;
}

const struct gost_listener_ops gost__listener_rtcp = {.name = "rtcp", .start = rtcp_start, .stop = rtcp_stop};
const struct gost_listener_ops gost__listener_rudp = {.name = "rudp", .start = rudp_start, .stop = rtcp_stop};
