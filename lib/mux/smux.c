/* smux session: configuration, output queue, incremental decoder and keepalive clock.
 * Stream bookkeeping lives in smux_stream.c. */
#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "mux/smux_int.h"

void gost__smux_config_default(struct gost_smux_config *cfg, int is_client) {
  memset(cfg, 0, sizeof *cfg);
  cfg->version = 2;
  cfg->is_client = is_client;
  cfg->max_frame_size = 32768;
  cfg->max_stream_buffer = 1048576;
  cfg->keepalive_interval_ms = 10000;
  cfg->keepalive_timeout_ms = 30000;
  cfg->max_out_buffer = 262144;
  cfg->max_stream_window = 8388608;
  cfg->max_window_growth = 16u << 20;
}

static int config_fix(struct gost_smux_config *c) {
  if (c->version != 1 && c->version != 2) return gost__error(GOST_EINVAL, "smux: version must be 1 or 2");
  if (!c->max_frame_size) c->max_frame_size = 32768;
  if (!c->max_stream_buffer) c->max_stream_buffer = 1048576;
  if (!c->keepalive_interval_ms) c->keepalive_interval_ms = 10000;
  if (!c->keepalive_timeout_ms) c->keepalive_timeout_ms = 30000;
  if (!c->max_out_buffer) c->max_out_buffer = 262144;
  if (!c->max_stream_window) c->max_stream_window = 8388608;
  if (!c->max_window_growth) c->max_window_growth = 16u << 20;
  if (c->max_stream_window < c->max_stream_buffer) c->max_stream_window = c->max_stream_buffer;
  if (c->max_frame_size > 65535) return gost__error(GOST_EINVAL, "smux: max_frame_size above 65535");
  /* windows are compared as int32 on the wire (§3.4) */
  if (c->max_stream_buffer > INT32_MAX) return gost__error(GOST_EINVAL, "smux: max_stream_buffer too large");
  if (c->max_stream_window > INT32_MAX) return gost__error(GOST_EINVAL, "smux: max_stream_window too large");
  if (c->keepalive_interval_ms > c->keepalive_timeout_ms)
    return gost__error(GOST_EINVAL, "smux: keepalive interval above timeout");
  return GOST_OK;
}

int gost__smux_new(struct gost_smux **out, const struct gost_mem *mem, const struct gost_smux_config *cfg,
                   const struct gost_smux_callbacks *cb, void *user) {
  *out = NULL;
  struct gost_smux_config c = *cfg;
  int rc = config_fix(&c);
  if (rc != GOST_OK) return rc;
  struct gost_smux *s = gost__mem_calloc(mem, 1, sizeof *s);
  if (!s) return gost__error(GOST_ENOMEM, "smux: session");
  s->mem = mem;
  s->cfg = c;
  if (cb) s->cb = *cb;
  s->user = user;
  s->nbuckets = 64;
  s->buckets = gost__mem_calloc(mem, s->nbuckets, sizeof *s->buckets);
  if (!s->buckets) {
    gost__mem_free(mem, s);
    return gost__error(GOST_ENOMEM, "smux: stream table");
  }
  gost_list_init(&s->stalled);
  s->sid_counter = c.is_client ? 1 : 0; /* +2 before use: 3, 5, ... or 2, 4, ... */
  gost__buf_pool_init(&s->pool, mem, 4);
  gost_bufq_init(&s->out);
  *out = s;
  return GOST_OK;
}

void gost__smux_free(struct gost_smux *s) {
  if (!s) return;
  gost__smux_streams_free(s);
  gost__mem_free(s->mem, s->buckets);
  gost__bufq_clear(&s->out, &s->pool);
  gost__buf_pool_cleanup(&s->pool);
  gost__mem_free(s->mem, s);
}

int gost__smux_fail(struct gost_smux *s, int code, const char *what) {
  if (!s->dead) s->dead = code;
  return gost__error(code, "smux: %s", what);
}

int gost__smux_queue(struct gost_smux *s, uint8_t cmd, uint32_t sid, const uint8_t *payload, size_t len) {
  if (s->dead) return s->dead;
  if (cmd != GOST_SMUX_PSH && s->out.bytes + GOST_SMUX_HDR_LEN + len > s->cfg.max_out_buffer + GOST_SMUX_CTRL_HEADROOM)
    return gost__smux_fail(s, GOST_EPROTO, "peer does not read; control queue full");
  struct gost_smux_frame f = {s->cfg.version, cmd, (uint16_t)len, sid};
  uint8_t hdr[GOST_SMUX_HDR_LEN];
  if (gost__smux_frame_encode(hdr, &f) != GOST_OK) return gost__smux_fail(s, GOST_EFATAL, "bad frame queued");
  /* A half-queued frame would corrupt the byte stream, so ENOMEM is fatal here. */
  if (gost__bufq_append(&s->out, &s->pool, hdr, sizeof hdr) != GOST_OK ||
      (len && gost__bufq_append(&s->out, &s->pool, payload, len) != GOST_OK))
    return gost__smux_fail(s, GOST_ENOMEM, "output queue");
  return GOST_OK;
}

size_t gost__smux_pending(const struct gost_smux *s) { return s->out.bytes; }

const uint8_t *gost__smux_peek_out(const struct gost_smux *s, size_t *len) {
  for (const struct gost_buf *b = s->out.head; b; b = b->next) {
    if (gost_buf_avail(b)) {
      *len = gost_buf_avail(b);
      return (const uint8_t *)b->data + b->off;
    }
  }
  *len = 0;
  return NULL;
}

int gost__smux_out_iov(const struct gost_smux *s, struct iovec *iov, int max) {
  return gost__bufq_iov(&s->out, iov, max);
}

void gost__smux_consume_out(struct gost_smux *s, size_t n) {
  gost__bufq_consume(&s->out, &s->pool, n);
  if (!s->dead && s->out.bytes < s->cfg.max_out_buffer) gost__smux_wake_stalled(s);
}

/* ---- decoder ---- */

static void start_clock(struct gost_smux *s, uint64_t now) {
  if (s->clock_started) return;
  s->clock_started = 1;
  s->next_ping = now + s->cfg.keepalive_interval_ms;
  s->next_check = now + s->cfg.keepalive_timeout_ms;
}

static int on_syn(struct gost_smux *s, uint32_t sid) {
  struct gost_smux_stream *st;
  if (gost__smux_find(s, sid)) return GOST_OK; /* duplicate SYN: ignored (§3.2) */
  int rc = gost__smux_stream_add(s, sid, &st);
  if (rc != GOST_OK) return gost__smux_fail(s, rc, "stream table");
  int refuse = s->cb.on_stream_open ? s->cb.on_stream_open(s, sid, s->user) : 0;
  if (s->dead) return s->dead;
  /* The callback may already have closed it; otherwise a refusal is answered with FIN. */
  if (refuse && gost__smux_find(s, sid)) return gost__smux_close_stream(s, sid);
  return GOST_OK;
}

static int on_fin(struct gost_smux *s, uint32_t sid) {
  struct gost_smux_stream *st = gost__smux_find(s, sid);
  if (!st || st->fin_rcvd) return GOST_OK;
  st->fin_rcvd = 1;
  gost_list_remove(&st->stall); /* it can never write again */
  if (s->cb.on_stream_fin && s->cb.on_stream_fin(s, sid, s->user) != 0)
    return gost__smux_fail(s, GOST_EUSER, "on_stream_fin aborted");
  return s->dead;
}

static int handle_header(struct gost_smux *s, const uint8_t *h) {
  struct gost_smux_frame f;
  if (gost__smux_frame_decode(&f, h, GOST_SMUX_HDR_LEN, s->cfg.version) != GOST_OK) {
    if (h[0] != s->cfg.version) return gost__smux_fail(s, GOST_EPROTO, "version mismatch");
    return gost__smux_fail(s, GOST_EPROTO, "invalid frame");
  }
  s->data_ready = 1;
  switch (f.cmd) {
  case GOST_SMUX_SYN:
    return on_syn(s, f.sid);
  case GOST_SMUX_FIN:
    return on_fin(s, f.sid);
  case GOST_SMUX_PSH:
    if (f.length) {
      s->rstate = RS_PSH;
      s->rsid = f.sid;
      s->rremain = f.length;
    }
    return GOST_OK;
  case GOST_SMUX_UPD:
    s->rstate = RS_UPD;
    s->rsid = f.sid;
    s->rremain = GOST_SMUX_UPD_LEN;
    s->hdr_have = 0; /* the header buffer collects the payload */
    return GOST_OK;
  default: /* NOP */
    return GOST_OK;
  }
}

/* Hands a payload slice to the application, or drops it for unknown/finished streams. */
static int deliver(struct gost_smux *s, const uint8_t *p, size_t n) {
  struct gost_smux_stream *st = gost__smux_find(s, s->rsid);
  if (!st || st->fin_rcvd || !s->cb.on_stream_data) return GOST_OK;
  if (st->blocked) { /* data again after the sender waited for our window: the UPD's round trip */
    if (st->raised && s->now_ms - st->raise_ms >= GOST_SMUX_STALL_MS) st->starved = 1;
    st->blocked = st->raised = 0;
  }
  st->received += (uint32_t)n;
  for (int i = 0; i < GOST_SMUX_LIMITS; i++) {
    if (st->received != st->limits[i]) continue;
    st->blocked = 1; /* the sender stopped at our window; which UPD lets it go on? */
    int j = (i + 1) % GOST_SMUX_LIMITS; /* the next one, if it is out already */
    st->raised = (int32_t)(st->limits[j] - st->received) > 0;
    st->raise_ms = st->limits_ms[j];
  }
  if (s->cb.on_stream_data(s, s->rsid, p, n, s->user) != 0)
    return gost__smux_fail(s, GOST_EUSER, "on_stream_data aborted");
  return s->dead;
}

int gost__smux_recv(struct gost_smux *s, const uint8_t *data, size_t len, uint64_t now_ms) {
  if (s->dead) return s->dead;
  start_clock(s, now_ms);
  s->now_ms = now_ms;
  while (len > 0) {
    int rc = GOST_OK;
    size_t k;
    switch (s->rstate) {
    case RS_HDR:
      if (s->hdr_have == 0 && len >= GOST_SMUX_HDR_LEN) { /* common case: no copy */
        rc = handle_header(s, data);
        data += GOST_SMUX_HDR_LEN;
        len -= GOST_SMUX_HDR_LEN;
        break;
      }
      k = GOST_SMUX_HDR_LEN - s->hdr_have;
      if (k > len) k = len;
      memcpy(s->hdr + s->hdr_have, data, k);
      s->hdr_have += k;
      data += k;
      len -= k;
      if (s->hdr_have == GOST_SMUX_HDR_LEN) {
        s->hdr_have = 0;
        rc = handle_header(s, s->hdr);
      }
      break;
    case RS_PSH:
      k = s->rremain < len ? s->rremain : len;
      s->rremain -= k;
      if (!s->rremain) s->rstate = RS_HDR;
      rc = deliver(s, data, k);
      data += k;
      len -= k;
      break;
    case RS_UPD:
      k = s->rremain < len ? s->rremain : len;
      memcpy(s->hdr + s->hdr_have, data, k);
      s->hdr_have += k;
      s->rremain -= k;
      data += k;
      len -= k;
      if (!s->rremain) {
        uint32_t consumed, window;
        gost__smux_upd_decode(s->hdr, &consumed, &window);
        s->hdr_have = 0;
        s->rstate = RS_HDR;
        gost__smux_on_upd(s, s->rsid, consumed, window);
        rc = s->dead;
      }
      break;
    }
    if (rc != GOST_OK) return rc;
  }
  return GOST_OK;
}

/* ---- keepalive ---- */

int gost__smux_tick(struct gost_smux *s, uint64_t now_ms) {
  if (s->dead) return s->dead;
  if (s->cfg.keepalive_disabled) return GOST_OK;
  if (!s->clock_started) {
    start_clock(s, now_ms);
    return GOST_OK;
  }
  if (now_ms >= s->next_ping) {
    int rc = gost__smux_queue(s, GOST_SMUX_NOP, 0, NULL, 0);
    if (rc != GOST_OK) return rc;
    s->next_ping = now_ms + s->cfg.keepalive_interval_ms;
  }
  if (now_ms >= s->next_check) {
    if (!s->data_ready && !s->recv_paused) return gost__smux_fail(s, GOST_ETIMEDOUT, "keepalive timeout");
    s->data_ready = 0;
    s->next_check = now_ms + s->cfg.keepalive_timeout_ms;
  }
  return GOST_OK;
}

uint64_t gost__smux_next_deadline(const struct gost_smux *s) {
  if (s->cfg.keepalive_disabled || s->dead) return UINT64_MAX;
  if (!s->clock_started) return 0;
  return s->next_ping < s->next_check ? s->next_ping : s->next_check;
}

void gost__smux_set_recv_paused(struct gost_smux *s, int paused) { s->recv_paused = paused != 0; }

void gost__smux_test_set_next_sid(struct gost_smux *s, uint32_t next_sid) { s->sid_counter = next_sid - 2; }
