/* smux session over a carrier stream: feeds carrier reads into the machine, flushes its output
 * with one write per loop iteration, runs the keepalive clock and ends the session. */
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "core/meta.h"
#include "mux/session_int.h"

int gost__mux_config_from_meta(struct gost_smux_config *cfg, const json_t *meta, int is_client,
                               int def_version) {
  gost__smux_config_default(cfg, is_client);
  cfg->version = (uint8_t)def_version;
  if (!meta) return GOST_OK;
  long long v = gost__meta_int(meta, "mux.version", def_version);
  if (v != 1 && v != 2) return gost__error(GOST_EINVAL, "mux.version must be 1 or 2");
  cfg->version = (uint8_t)v;
  int64_t ms = gost__meta_duration_ms(meta, "mux.keepaliveInterval", 10000);
  if (ms <= 0) return gost__error(GOST_EINVAL, "bad mux.keepaliveInterval");
  cfg->keepalive_interval_ms = (uint32_t)ms;
  ms = gost__meta_duration_ms(meta, "mux.keepaliveTimeout", 30000);
  if (ms <= 0) return gost__error(GOST_EINVAL, "bad mux.keepaliveTimeout");
  cfg->keepalive_timeout_ms = (uint32_t)ms;
  cfg->keepalive_disabled = gost__meta_bool(meta, "mux.keepaliveDisabled", 0);
  v = gost__meta_int(meta, "mux.maxFrameSize", 32768);
  if (v <= 0 || v > 65535) return gost__error(GOST_EINVAL, "bad mux.maxFrameSize");
  cfg->max_frame_size = (uint32_t)v;
  v = gost__meta_int(meta, "mux.maxStreams", GOST_MUX_STREAMS_DEFAULT_MAX);
  if (v <= 0 || v > 1000000) return gost__error(GOST_EINVAL, "bad mux.maxStreams");
  cfg->max_streams = (uint32_t)v;
  v = gost__meta_int(meta, "mux.maxStreamBuffer", 1048576);
  if (v <= 0 || v > INT32_MAX) return gost__error(GOST_EINVAL, "bad mux.maxStreamBuffer");
  cfg->max_stream_buffer = (uint32_t)v;
  v = gost__meta_int(meta, "mux.maxStreamWindow", 8388608); /* adaptive window ceiling (perf) */
  if (v <= 0 || v > INT32_MAX) return gost__error(GOST_EINVAL, "bad mux.maxStreamWindow");
  cfg->max_stream_window = (uint32_t)v;
  return GOST_OK;
}

/* ---- machine callbacks ---- */

/* mux.maxStreams: a session holds at most this many live streams; the excess is refused. */
static int stream_room(struct gost_mux_session *m) {
  size_t max = m->cfg.max_streams ? m->cfg.max_streams : GOST_MUX_STREAMS_DEFAULT_MAX;
  if (m->nlive < max) return 1;
  GOST_BUDGET_HIT(m->ctx, mux_streams_refused);
  if (ev_now(m->ctx->loop) - m->full_logged >= 1.0) {
    m->full_logged = ev_now(m->ctx->loop);
    GOST_WARN(m->ctx, "mux: %zu streams open (mux.maxStreams); refusing new ones (%llu so far)",
              m->nlive, (unsigned long long)m->ctx->budget.mux_streams_refused);
  }
  return 0;
}

static int on_open(struct gost_smux *s, uint32_t sid, void *user) {
  struct gost_mux_session *m = user;
  if (m->dead) return 1;
  if (!m->cb.on_stream_accepted || !stream_room(m)) return 1; /* refuse: FIN */
  struct mux_stream *st = gost__mux_stream_new(m, sid);
  if (!st) return 1;
  m->cnt.streams_accepted++;
  m->cb.on_stream_accepted(m, &st->base, m->user);
  return 0;
}

static int on_data(struct gost_smux *s, uint32_t sid, const uint8_t *data, size_t len, void *user) {
  struct mux_stream *st = gost__smux_stream_user(s, sid);
  struct gost_mux_session *m = user;
  if (st) gost__mux_stream_data(st, data, len);
  return m->dead; /* nonzero stops the machine after a close from a callback */
}

static int on_fin(struct gost_smux *s, uint32_t sid, void *user) {
  struct mux_stream *st = gost__smux_stream_user(s, sid);
  struct gost_mux_session *m = user;
  if (st) gost__mux_stream_fin(st);
  else gost__smux_close_stream(s, sid);
  return m->dead;
}

static void on_window(struct gost_smux *s, uint32_t sid, void *user) {
  struct mux_stream *st = gost__smux_stream_user(s, sid);
  if (st) gost__mux_stream_pump(st);
}

/* ---- carrier I/O ---- */

/* Housekeeping timers must not keep the loop alive (the carrier does): unref while active. */
static void timer_stop_unref(struct gost_mux_session *m, ev_timer *t) {
  if (!ev_is_active(t)) return;
  ev_ref(m->ctx->loop);
  ev_timer_stop(m->ctx->loop, t);
}

static void arm_keepalive(struct gost_mux_session *m) {
  if (m->dead) return;
  uint64_t now = gost__now_ms(m->ctx);
  uint64_t dl = gost__smux_next_deadline(m->smux);
  if (dl == 0) { /* clocks not started yet */
    gost__smux_tick(m->smux, now);
    dl = gost__smux_next_deadline(m->smux);
  }
  timer_stop_unref(m, &m->ka);
  if (dl == UINT64_MAX) return;
  double after = dl > now ? (double)(dl - now) / 1000.0 : 0.001;
  ev_timer_set(&m->ka, after, 0.);
  ev_timer_start(m->ctx->loop, &m->ka);
  ev_unref(m->ctx->loop); /* housekeeping: the carrier keeps the loop alive */
}

static void ka_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  struct gost_mux_session *m = w->data;
  ev_ref(loop); /* fired one-shot timers are inactive: balance the unref */
  int rc = gost__smux_tick(m->smux, gost__now_ms(m->ctx));
  if (rc != GOST_OK) {
    GOST_WARN(m->ctx, "mux: session closed: %s", rc == GOST_ETIMEDOUT ? "keepalive timeout" : gost_strerror(rc));
    gost__mux_die(m, rc, 1);
    return;
  }
  gost__mux_schedule(m);
  arm_keepalive(m);
}

static void feed(struct gost_mux_session *m, const void *data, size_t n) {
  m->in_cb++;
  int rc = gost__smux_recv(m->smux, data, n, gost__now_ms(m->ctx));
  m->in_cb--;
  if (rc != GOST_OK) {
    GOST_WARN(m->ctx, "mux: session closed: %s", gost_last_error());
    gost__mux_die(m, rc, 1);
  } else {
    gost__mux_schedule(m);
  }
}

/* A carrier limit in debt for w seconds: hold reads (in) or flushes (out) until t fires. */
static void hold(struct gost_mux_session *m, ev_timer *t, int *held, double w) {
  if (w <= 0 || m->dead) return;
  *held = 1;
  ev_timer_set(t, w, 0.);
  ev_timer_start(m->ctx->loop, t);
}

static void in_unhold(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop;
  (void)revents;
  struct gost_mux_session *m = w->data;
  m->in_held = 0;
  if (!m->dead && !m->rx_paused) gost_stream_read_start(m->carrier);
}

static void out_unhold(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop;
  (void)revents;
  struct gost_mux_session *m = w->data;
  m->out_held = 0;
  if (!m->dead) gost__mux_schedule(m);
}

static void carrier_read(gost_stream *c, ssize_t n, const char *data, void *user) {
  struct gost_mux_session *m = user;
  if (m->dead) return;
  if (n < 0) {
    gost__mux_die(m, n == GOST_ECLOSED ? GOST_ECLOSED : (int)n, 1);
  } else {
    m->cnt.bytes_in += (uint64_t)n;
    feed(m, data, (size_t)n);
    if (c->limit && !m->dead) {
      hold(m, &m->in_hold, &m->in_held, c->limit->charge(c->limit, 0, (size_t)n, ev_now(m->ctx->loop)));
      if (m->in_held) gost_stream_read_stop(c);
    }
  }
  gost__mux_maybe_free(m);
}

static void flush(struct gost_mux_session *m);

static void carrier_drain(gost_stream *c, void *user) {
  struct gost_mux_session *m = user;
  m->waiting_drain = 0;
  gost__mux_schedule(m);
}

/* One write of everything queued (up to 64 buffers of 16 KiB). */
static void flush(struct gost_mux_session *m) {
  if (m->dead || m->waiting_drain || m->out_held || !gost__smux_pending(m->smux)) return;
  if (gost_stream_queued(m->carrier) > GOST_MUX_CARRIER_HWM) {
    m->waiting_drain = 1;
    return;
  }
  struct iovec iov[64];
  /* a limited carrier is charged per flush: 64 KiB at most, as a read, so the pacing is fine */
  int n = gost__smux_out_iov(m->smux, iov, m->carrier->limit ? 4 : 64);
  size_t total = 0;
  for (int i = 0; i < n; i++) total += iov[i].iov_len;
  int rc = gost_stream_write(m->carrier, iov, n, NULL, NULL);
  if (rc != GOST_OK) {
    gost__mux_die(m, rc, 1);
    return;
  }
  m->cnt.bytes_out += total;
  gost__smux_consume_out(m->smux, total); /* may wake stalled streams */
  if (m->carrier->limit)
    hold(m, &m->out_hold, &m->out_held, m->carrier->limit->charge(m->carrier->limit, 1, total, ev_now(m->ctx->loop)));
}

static void prep_cb(struct ev_loop *loop, ev_prepare *w, int revents) {
  struct gost_mux_session *m = w->data;
  ev_prepare_stop(loop, w);
  m->in_cb++;
  /* Deferred stream events first: they may queue output for the flush below. */
  if (!gost_list_empty(&m->pending)) {
    struct gost_list todo = m->pending; /* callbacks may re-mark streams */
    todo.next->prev = &todo;
    todo.prev->next = &todo;
    gost_list_init(&m->pending);
    while (!gost_list_empty(&todo)) {
      struct mux_stream *st = gost_container_of(todo.next, struct mux_stream, plink);
      gost_list_remove(&st->plink);
      gost__mux_stream_process(st);
    }
  }
  flush(m);
  m->in_cb--;
  if (!m->dead && (!gost_list_empty(&m->pending) ||
                   (!m->waiting_drain && !m->out_held && gost__smux_pending(m->smux))))
    gost__mux_schedule(m);
  gost__mux_maybe_free(m);
}

static void wake_cb(struct ev_loop *loop, ev_idle *w, int revents) { ev_idle_stop(loop, w); }

void gost__mux_schedule(struct gost_mux_session *m) {
  if (!ev_is_active(&m->prep)) ev_prepare_start(m->ctx->loop, &m->prep);
  /* Called from inside the prepare callback (work left over): do not block in poll. */
  if (!ev_is_active(&m->wake)) ev_idle_start(m->ctx->loop, &m->wake);
}

/* The cap grows with the windows the machine granted beyond max_stream_buffer (perf: adaptive
 * windows), so that one stream whose reader stops with a grown window in flight does not stop
 * the carrier, i.e. every other stream, on its own. */
size_t gost__mux_rx_cap(const struct gost_mux_session *m) {
  return GOST_MUX_RX_MAX + gost__smux_window_growth(m->smux);
}

void gost__mux_rx_pause(struct gost_mux_session *m) {
  GOST_INFO(m->ctx, "mux: session receive buffer full (%zu KiB unread); carrier reads paused",
            m->rx_buffered / 1024);
  m->rx_paused = 1;
  gost__smux_set_recv_paused(m->smux, 1);
  gost_stream_read_stop(m->carrier);
  if (!ev_is_active(&m->rx_stall)) {
    int again = m->last_shed > 0 && ev_now(m->ctx->loop) - m->last_shed < GOST_MUX_RX_STALL_S;
    ev_timer_set(&m->rx_stall, again ? GOST_MUX_RX_SHED_EVERY_S : GOST_MUX_RX_STALL_S,
                 GOST_MUX_RX_SHED_EVERY_S);
    ev_timer_start(m->ctx->loop, &m->rx_stall);
    ev_unref(m->ctx->loop);
  }
}

void gost__mux_rx_released(struct gost_mux_session *m, size_t n) {
  m->rx_buffered -= n < m->rx_buffered ? n : m->rx_buffered;
  if (m->rx_paused && !m->dead && m->rx_buffered < gost__mux_rx_cap(m) / 2) {
    m->rx_paused = 0;
    timer_stop_unref(m, &m->rx_stall);
    gost__smux_set_recv_paused(m->smux, 0);
    if (!m->in_held) gost_stream_read_start(m->carrier);
  }
}

/* The receive buffer stayed full: the stream holding the most bytes its reader does not take
 * is stalled (its destination does not drain); reset it so that the others move again. While
 * the carrier is not read the keepalive check cannot run, so this also bounds that blind time. */
static void rx_stall_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)revents;
  struct gost_mux_session *m = w->data;
  m->in_cb++;
  while (m->rx_paused && !m->dead) { /* rx_released resumes the carrier at half */
    struct mux_stream *worst = NULL;
    struct gost_list *pos;
    gost_list_foreach(pos, &m->streams) {
      struct mux_stream *st = gost_container_of(pos, struct mux_stream, link);
      if (!st->reading && !st->reset && (!worst || st->rxq.bytes > worst->rxq.bytes)) worst = st;
    }
    if (!worst || !worst->rxq.bytes) break;
    GOST_WARN(m->ctx, "mux: stream %u reset: %zu bytes unread while the session receive buffer "
              "(%zu KiB) stayed full", worst->sid, worst->rxq.bytes, gost__mux_rx_cap(m) / 1024);
    GOST_BUDGET_HIT(m->ctx, mux_streams_shed);
    m->last_shed = ev_now(loop);
    gost__mux_stream_reset(worst, gost__error(GOST_ETIMEDOUT, "smux: stream stalled"));
  }
  m->in_cb--;
  gost__mux_maybe_free(m);
}

void gost__mux_die(struct gost_mux_session *m, int status, int notify) {
  if (m->dead) return;
  m->dead = 1;
  m->status = status;
  m->in_cb++; /* nothing below may free m */
  timer_stop_unref(m, &m->ka);
  timer_stop_unref(m, &m->rx_stall);
  ev_timer_stop(m->ctx->loop, &m->in_hold);
  ev_timer_stop(m->ctx->loop, &m->out_hold);
  gost_stream_close(m->carrier);
  m->carrier = NULL;
  struct gost_list *pos, *tmp;
  gost_list_foreach_safe(pos, tmp, &m->streams) {
    gost__mux_stream_kill(gost_container_of(pos, struct mux_stream, link), status);
  }
  /* The machine is freed with the session: we may be inside gost__smux_recv(). */
  gost__mux_schedule(m); /* streams learn about it from the prepare callback */
  if (notify && !m->owner_done && m->cb.on_closed) {
    m->in_cb++;
    m->cb.on_closed(m, status, m->user);
    m->in_cb--;
  }
  m->owner_done = 1;
  m->in_cb--;
}

void gost__mux_maybe_free(struct gost_mux_session *m) {
  if (!m->dead || !m->owner_done || m->in_cb || !gost_list_empty(&m->streams)) return;
  ev_prepare_stop(m->ctx->loop, &m->prep);
  ev_idle_stop(m->ctx->loop, &m->wake);
  gost__smux_free(m->smux);
  gost__free(m->ctx, m);
}

int gost__mux_session_new(struct gost_mux_session **out, gost_ctx_t *ctx, gost_stream *carrier,
                          const struct gost_smux_config *cfg, const void *initial, size_t len,
                          const struct gost_mux_callbacks *cb, void *user) {
  *out = NULL;
  struct gost_mux_session *m = gost__calloc(ctx, 1, sizeof *m);
  if (!m) {
    gost_stream_close(carrier);
    return gost__error(GOST_ENOMEM, "mux: session");
  }
  static const struct gost_smux_callbacks mcb = {on_open, on_data, on_fin, on_window};
  int rc = gost__smux_new(&m->smux, &ctx->mem, cfg, &mcb, m);
  if (rc != GOST_OK) {
    gost__free(ctx, m);
    gost_stream_close(carrier);
    return rc;
  }
  m->ctx = ctx;
  m->carrier = carrier;
  m->cfg = *cfg;
  if (cb) m->cb = *cb;
  m->user = user;
  gost_list_init(&m->streams);
  gost_list_init(&m->pending);
  ev_prepare_init(&m->prep, prep_cb);
  m->prep.data = m;
  ev_idle_init(&m->wake, wake_cb);
  m->wake.data = m;
  ev_timer_init(&m->ka, ka_cb, 1., 0.);
  m->ka.data = m;
  ev_init(&m->rx_stall, rx_stall_cb);
  m->rx_stall.data = m;
  ev_init(&m->in_hold, in_unhold);
  ev_init(&m->out_hold, out_unhold);
  m->in_hold.data = m->out_hold.data = m;
  gost_stream_set_read_cb(carrier, carrier_read, m);
  carrier->on_drain = carrier_drain;
  carrier->drain_user = m;
  if (len) {
    m->owner_done = 1; /* a failure here is returned, not notified */
    feed(m, initial, len);
    if (m->dead) {
      int st = m->status;
      gost__mux_maybe_free(m);
      return gost__error(st, "mux: bad initial bytes");
    }
    m->owner_done = 0;
  }
  gost_stream_read_start(carrier);
  arm_keepalive(m);
  *out = m;
  return GOST_OK;
}

int gost__mux_open_stream(struct gost_mux_session *m, gost_stream **out) {
  *out = NULL;
  if (m->dead) return gost__error(GOST_ECLOSED, "mux: session closed");
  if (!stream_room(m)) return gost__error(GOST_ESTATE, "mux: too many streams (mux.maxStreams)");
  uint32_t sid;
  int rc = gost__smux_open(m->smux, &sid);
  if (rc != GOST_OK) return rc;
  struct mux_stream *st = gost__mux_stream_new(m, sid);
  if (!st) {
    gost__smux_close_stream(m->smux, sid);
    return gost__error(GOST_ENOMEM, "mux: stream");
  }
  m->cnt.streams_opened++;
  gost__mux_schedule(m);
  *out = &st->base;
  return GOST_OK;
}

void gost__mux_session_close(struct gost_mux_session *m) {
  if (!m) return;
  m->owner_done = 1;
  gost__mux_die(m, GOST_ECLOSED, 0);
  gost__mux_maybe_free(m);
}

int gost__mux_session_is_closed(const struct gost_mux_session *m) { return m->dead; }

int gost__mux_session_has_room(const struct gost_mux_session *m) {
  return !m->dead && m->nlive < (m->cfg.max_streams ? m->cfg.max_streams : GOST_MUX_STREAMS_DEFAULT_MAX);
}

void gost__mux_session_counters(const struct gost_mux_session *m, struct gost_mux_counters *out) {
  *out = m->cnt;
  size_t n = 0;
  const struct gost_list *pos;
  gost_list_foreach(pos, &m->streams) n++;
  out->streams_live = n;
}
