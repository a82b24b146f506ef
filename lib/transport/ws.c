/* The "ws" stream. The HTTP Upgrade runs first (client request / server response); then wslay's
 * event API frames binary messages: its recv callback drains bytes read from the inner stream,
 * its send callback hands frames straight to the inner stream (so write_queue_size is the inner
 * queue). Pings are answered by wslay; close frames follow RFC 6455's close handshake. */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wslay/wslay.h>

#include "codec/httphead.h"
#include "core/ctx_int.h"
#include "core/error.h"
#include "core/log.h"
#include "core/meta.h"
#include "io/layer.h"
#include "transport/ws.h"

struct ws_stream {
  struct gost_layer l; /* base stream, inner stream, deferred free, write completions */
  wslay_event_context_ptr wctx;
  int server, hs_done, reading, inner_eof, eof_sent, shut, failed;
  gost_stream_ready_cb ready_cb;
  void *ready_user;
  struct gost_bufq in; /* read from inner, not yet taken by wslay (or the handshake) */
  char key[25];
  char *path, *host;
  size_t max_msg;
  int64_t hs_ms;
  ev_timer timer;
  ev_idle kick;
};

void gost__ws_opts_from_meta(struct gost_ws_opts *o, const json_t *meta, const json_t *fallback,
                             int server) {
#define M(k) (gost__meta_str(meta, k, NULL) ? gost__meta_str(meta, k, NULL) : gost__meta_str(fallback, k, NULL))
  memset(o, 0, sizeof *o);
  o->server = server;
  o->path = M("path");
  if (!o->path || !*o->path) o->path = "/ws";
  o->host = M("host");
  const char *mm = M("maxMessageSize");
  long long v = mm ? atoll(mm) : 0;
  o->max_msg = v > 0 ? (size_t)v : GOST_WS_MAX_MSG;
  const char *hs = M("handshakeTimeout");
  int64_t ms = hs ? gost__duration_ms(hs) : -1;
  o->handshake_ms = ms > 0 ? ms : GOST_WS_HANDSHAKE_MS;
#undef M
}

static void free_now(struct gost_layer *l) {
  struct ws_stream *w = (struct ws_stream *)l;
  gost_ctx_t *ctx = l->base.ctx;
  if (w->wctx) wslay_event_context_free(w->wctx);
  gost__bufq_clear(&w->in, &ctx->bufs);
  gost__free(ctx, w->path);
  gost__free(ctx, w->host);
  gost__free(ctx, w);
}

static void w_close(gost_stream *s) {
  struct ws_stream *w = (struct ws_stream *)s;
  if (w->l.dead) return;
  ev_timer_stop(s->ctx->loop, &w->timer);
  ev_idle_stop(s->ctx->loop, &w->kick);
  gost__layer_close(&w->l);
}

static int inner_write(struct ws_stream *w, const void *p, size_t n) {
  if (!w->l.inner) return GOST_ECLOSED;
  int rc = gost_stream_write_buf(w->l.inner, p, n, gost__layer_inner_written, &w->l);
  if (rc == GOST_OK) w->l.issued++;
  return rc;
}

static void hs_fail(struct ws_stream *w, int status, const char *why) {
  GOST_WARN(w->l.base.ctx, "ws: %s handshake failed: %s", w->server ? "server" : "client", why);
  w->failed = 1;
  gost_stream_ready_cb cb = w->ready_cb;
  void *user = w->ready_user;
  gost_ctx_t *ctx = w->l.base.ctx;
  w->ready_cb = NULL;
  w_close(&w->l.base);
  gost__error(status, "ws handshake failed: %s", why);
  if (cb) cb(ctx, NULL, status, user);
}

/* ---- framing (after the handshake) ---- */

static void deliver(struct ws_stream *w, ssize_t n, const char *p) {
  if (n < 0) {
    if (w->eof_sent) return;
    w->eof_sent = 1;
  }
  w->l.base.on_read(&w->l.base, n, p, w->l.base.user);
}

static ssize_t recv_cb(wslay_event_context_ptr c, uint8_t *buf, size_t len, int flags, void *user) {
  (void)flags;
  struct ws_stream *w = user;
  if (w->l.dead || !w->reading || w->in.bytes == 0) {
    wslay_event_set_error(c, WSLAY_ERR_WOULDBLOCK);
    return -1;
  }
  size_t n = gost__bufq_peek(&w->in, buf, len);
  gost__bufq_consume(&w->in, &w->l.base.ctx->bufs, n);
  return (ssize_t)n;
}

static ssize_t send_cb(wslay_event_context_ptr c, const uint8_t *data, size_t len, int flags,
                       void *user) {
  (void)flags;
  struct ws_stream *w = user;
  if (inner_write(w, data, len) != GOST_OK) {
    wslay_event_set_error(c, WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
  }
  return (ssize_t)len;
}

static int genmask_cb(wslay_event_context_ptr c, uint8_t *buf, size_t len, void *user) {
  (void)c;
  (void)user;
  return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

static void msg_cb(wslay_event_context_ptr c, const struct wslay_event_on_msg_recv_arg *a, void *user) {
  (void)c;
  struct ws_stream *w = user;
  if (w->l.dead) return;
  if (a->opcode == WSLAY_BINARY_FRAME || a->opcode == WSLAY_TEXT_FRAME) {
    if (a->msg_length == 0) return;
    w->l.base.bytes_in += a->msg_length;
    deliver(w, (ssize_t)a->msg_length, (const char *)a->msg);
  } else if (a->opcode == WSLAY_CONNECTION_CLOSE) {
    GOST_DEBUG(w->l.base.ctx, "ws: close frame from peer, code %u", a->status_code);
  }
}

/* Sends whatever wslay has queued (pongs, close replies, data). */
static int pump_send(struct ws_stream *w) {
  if (!w->wctx || !wslay_event_want_write(w->wctx)) return GOST_OK;
  return wslay_event_send(w->wctx) == 0 ? GOST_OK : GOST_EIO;
}

/* Feeds buffered input to wslay and reports close/errors to our reader. */
static void pump_read(struct ws_stream *w) {
  if (w->l.dead || !w->hs_done) return;
  int rc = 0;
  if (w->reading && w->in.bytes && wslay_event_get_read_enabled(w->wctx)) rc = wslay_event_recv(w->wctx);
  if (w->l.dead) return;
  if (pump_send(w) != GOST_OK) rc = -1;
  if (w->l.dead) return;
  if (rc != 0) {
    GOST_WARN(w->l.base.ctx, "ws: framing failed (%d), closing", rc);
    deliver(w, GOST_EIO, NULL);
  } else if (wslay_event_get_close_received(w->wctx)) {
    if (w->reading) deliver(w, GOST_ECLOSED, NULL);
    if (!w->l.dead && w->l.inner && wslay_event_get_close_sent(w->wctx)) gost_stream_shutdown(w->l.inner);
  } else if (!wslay_event_get_read_enabled(w->wctx) && !w->eof_sent) {
    /* wslay stopped reading without a close from the peer: a size or protocol violation. */
    unsigned code = wslay_event_get_status_code_sent(w->wctx);
    GOST_WARN(w->l.base.ctx, "ws: %s from peer (limit %zu bytes), sent close code %u",
              code == WSLAY_CODE_MESSAGE_TOO_BIG ? "oversize message" : "protocol violation", w->max_msg, code);
    if (w->l.inner) gost_stream_shutdown(w->l.inner);
    deliver(w, GOST_EPROTO, NULL);
  } else if (w->inner_eof && w->in.bytes == 0 && w->reading) {
    deliver(w, GOST_ECLOSED, NULL); /* no close frame: treat as EOF, as net.Conn would */
  }
}

static int framing_start(struct ws_stream *w) {
  struct wslay_event_callbacks cbs = {
      .recv_callback = recv_cb,
      .send_callback = send_cb,
      .genmask_callback = genmask_cb,
      .on_msg_recv_callback = msg_cb,
  };
  int rc = w->server ? wslay_event_context_server_init(&w->wctx, &cbs, w)
                     : wslay_event_context_client_init(&w->wctx, &cbs, w);
  if (rc != 0) return GOST_ENOMEM;
  wslay_event_config_set_max_recv_msg_length(w->wctx, w->max_msg);
  return GOST_OK;
}

/* ---- HTTP Upgrade ---- */

static int header_block(struct ws_stream *w, char *buf, size_t *len) {
  size_t n = gost__bufq_peek(&w->in, buf, GOST_WS_MAX_HEADER);
  buf[n] = '\0';
  char *end = strstr(buf, "\r\n\r\n");
  if (!end) return n >= GOST_WS_MAX_HEADER ? GOST_EPROTO : GOST_EAGAIN;
  *len = (size_t)(end - buf) + 4;
  gost__bufq_consume(&w->in, &w->l.base.ctx->bufs, *len);
  return GOST_OK;
}

static void hs_done(struct ws_stream *w) {
  if (framing_start(w) != GOST_OK) return hs_fail(w, GOST_ENOMEM, "out of memory");
  w->hs_done = 1;
  ev_timer_stop(w->l.base.ctx->loop, &w->timer);
  gost_stream_read_stop(w->l.inner);
  gost_stream_ready_cb cb = w->ready_cb;
  w->ready_cb = NULL;
  cb(w->l.base.ctx, &w->l.base, GOST_OK, w->ready_user);
}

static void server_reply_error(struct ws_stream *w, const char *status, const char *why) {
  char resp[160];
  int n = snprintf(resp, sizeof resp, "HTTP/1.1 %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status);
  (void)inner_write(w, resp, (size_t)n); /* best effort: dropped if the close wins */
  hs_fail(w, GOST_EPROTO, why);
}

/* Copies header `name` of f into out (NUL-terminated, truncated to cap); 0 if absent. */
static int header_value(const struct gost_http_fields *f, const char *name, char *out, size_t cap) {
  const struct gost_http_header *h = gost__httphead_find(f, name);
  if (!h) return 0;
  snprintf(out, cap, "%.*s", (int)h->value.n, h->value.p);
  return 1;
}

static void server_handshake(struct ws_stream *w, const char *req, size_t len) {
  char target[1024], v[256], key[128], why[1200];
  struct gost_http_req hr, *r = &hr; /* parsed by the shared codec, codec/httphead.c */
  if (gost__httphead_parse_request(req, len, r) != GOST_OK || r->method.n != 3 || memcmp(r->method.p, "GET", 3))
    return server_reply_error(w, "400 Bad Request", "not a GET request");
  snprintf(target, sizeof target, "%.*s", (int)r->target.n, r->target.p);
  char *q = strchr(target, '?');
  if (q) *q = '\0';
  if (strcmp(target, w->path) != 0) {
    snprintf(why, sizeof why, "path %s does not match %s", target, w->path);
    return server_reply_error(w, "404 Not Found", why);
  }
  if (!r->f.upgrade_websocket || !r->f.connection_upgrade)
    return server_reply_error(w, "400 Bad Request", "missing Upgrade: websocket");
  if (!header_value(&r->f, "Sec-WebSocket-Version", v, sizeof v) || strcmp(v, "13") != 0)
    return server_reply_error(w, "426 Upgrade Required\r\nSec-WebSocket-Version: 13", "unsupported version");
  if (!header_value(&r->f, "Sec-WebSocket-Key", key, sizeof key) || strlen(key) != 24)
    return server_reply_error(w, "400 Bad Request", "bad Sec-WebSocket-Key");
  char accept[29], resp[256];
  gost__ws_accept(key, accept);
  int n = snprintf(resp, sizeof resp,
                   "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
  if (inner_write(w, resp, (size_t)n) != GOST_OK) return hs_fail(w, GOST_EIO, "inner write failed");
  hs_done(w);
}

static void client_handshake(struct ws_stream *w, const char *resp, size_t len) {
  char v[256], expect[29], line[128];
  struct gost_http_resp hr, *r = &hr;
  if (gost__httphead_parse_response(resp, len, r) != GOST_OK || r->status != 101) {
    snprintf(line, sizeof line, "server answered %.*s", (int)strcspn(resp, "\r\n"), resp);
    return hs_fail(w, GOST_EPROTO, line);
  }
  gost__ws_accept(w->key, expect);
  if (!header_value(&r->f, "Sec-WebSocket-Accept", v, sizeof v) || strcmp(v, expect) != 0)
    return hs_fail(w, GOST_EPROTO, "bad Sec-WebSocket-Accept");
  hs_done(w);
}

static void try_handshake(struct ws_stream *w) {
  char buf[GOST_WS_MAX_HEADER + 1];
  size_t len = 0;
  int rc = header_block(w, buf, &len);
  if (rc == GOST_EPROTO) return hs_fail(w, GOST_EPROTO, "HTTP header larger than 8 KiB");
  if (rc == GOST_EAGAIN) {
    if (w->inner_eof) hs_fail(w, GOST_EPROTO, "peer closed the connection during the handshake");
    return;
  }
  if (w->server) server_handshake(w, buf, len);
  else client_handshake(w, buf, len);
}

static void on_inner_read(gost_stream *in, ssize_t n, const char *data, void *user) {
  (void)in;
  struct ws_stream *w = user;
  gost__layer_enter(&w->l);
  if (n > 0) {
    if (gost__bufq_append(&w->in, &w->l.base.ctx->bufs, data, (size_t)n) != GOST_OK) n = GOST_ENOMEM;
    /* The handshake and wslay consume everything unless our reader paused: then hold it. */
    else if (w->hs_done && !w->reading) gost_stream_read_stop(in);
  } else if (n == GOST_ECLOSED) {
    w->inner_eof = 1;
  }
  if (n < 0 && n != GOST_ECLOSED) {
    if (!w->hs_done) hs_fail(w, (int)n, "inner stream error");
    else deliver(w, n, NULL);
  } else if (!w->hs_done) {
    try_handshake(w);
  } else {
    pump_read(w);
  }
  gost__layer_leave(&w->l);
}

static void on_timeout(struct ev_loop *loop, ev_timer *t, int revents) {
  (void)loop;
  (void)revents;
  struct ws_stream *w = t->data;
  char why[64];
  snprintf(why, sizeof why, "timed out after %lld ms", (long long)w->hs_ms);
  gost__layer_enter(&w->l);
  hs_fail(w, GOST_ETIMEDOUT, why);
  gost__layer_leave(&w->l);
}

static void on_kick(struct ev_loop *loop, ev_idle *i, int revents) {
  (void)revents;
  struct ws_stream *w = i->data;
  ev_idle_stop(loop, i);
  gost__layer_enter(&w->l);
  gost__wreqq_fire(w->l.base.ctx, &w->l.wq, &w->l.base, w->l.completed, 0, &w->l.dead);
  pump_read(w);
  gost__layer_leave(&w->l);
}

static int w_read_start(gost_stream *s) {
  struct ws_stream *w = (struct ws_stream *)s;
  if (w->reading) return GOST_OK;
  w->reading = 1;
  if (!w->inner_eof) gost_stream_read_start(w->l.inner);
  ev_idle_start(s->ctx->loop, &w->kick); /* bytes may be waiting from before */
  return GOST_OK;
}

static int w_read_stop(gost_stream *s) {
  struct ws_stream *w = (struct ws_stream *)s;
  w->reading = 0;
  return gost_stream_read_stop(w->l.inner);
}

static int w_write(gost_stream *s, const struct iovec *iov, int iovcnt, gost_stream_write_cb cb,
                   void *user) {
  struct ws_stream *w = (struct ws_stream *)s;
  if (w->shut || !wslay_event_get_write_enabled(w->wctx) || wslay_event_get_close_sent(w->wctx))
    return gost__error(GOST_ECLOSED, "ws: write after close");
  size_t total = 0;
  for (int i = 0; i < iovcnt; i++) total += iov[i].iov_len;
  uint8_t *chunk = total ? gost__malloc(s->ctx, total < GOST_WS_SEND_CHUNK ? total : GOST_WS_SEND_CHUNK) : NULL;
  if (total && !chunk) return gost__error(GOST_ENOMEM, "ws: out of memory");
  int vi = 0;
  size_t voff = 0;
  while (total > 0) { /* one binary message per chunk, gathered across iovecs */
    size_t n = 0, want = total < GOST_WS_SEND_CHUNK ? total : GOST_WS_SEND_CHUNK;
    while (n < want) {
      size_t k = iov[vi].iov_len - voff;
      if (k > want - n) k = want - n;
      memcpy(chunk + n, (const char *)iov[vi].iov_base + voff, k);
      n += k;
      voff += k;
      if (voff == iov[vi].iov_len) vi++, voff = 0;
    }
    struct wslay_event_msg m = {WSLAY_BINARY_FRAME, chunk, n};
    if (wslay_event_queue_msg(w->wctx, &m) != 0 || pump_send(w) != GOST_OK) {
      gost__free(s->ctx, chunk);
      return gost__error(GOST_EIO, "ws: write failed");
    }
    total -= n;
    s->bytes_out += n;
  }
  gost__free(s->ctx, chunk);
  if (gost__wreqq_push(s->ctx, &w->l.wq, cb, user, w->l.issued) != GOST_OK)
    return gost__error(GOST_ENOMEM, "ws: out of memory");
  if (gost__wreqq_ready(&w->l.wq, w->l.completed)) ev_idle_start(s->ctx->loop, &w->kick);
  return GOST_OK;
}

static size_t w_queued(const gost_stream *s) {
  const struct ws_stream *w = (const struct ws_stream *)s;
  return w->l.inner ? gost_stream_queued(w->l.inner) : 0;
}

/* WebSocket has no half-close: send a close frame; the peer's reply ends the stream. */
static int w_shutdown(gost_stream *s) {
  struct ws_stream *w = (struct ws_stream *)s;
  if (w->shut) return GOST_OK;
  w->shut = 1;
  if (!wslay_event_get_close_sent(w->wctx))
    (void)wslay_event_queue_close(w->wctx, WSLAY_CODE_NORMAL_CLOSURE, NULL, 0);
  int rc = pump_send(w);
  if (rc == GOST_OK && wslay_event_get_close_received(w->wctx)) rc = gost_stream_shutdown(w->l.inner);
  return rc;
}

static void on_inner_drain(gost_stream *in, void *user) {
  (void)in;
  struct ws_stream *w = user;
  if (w->hs_done) gost__stream_drained(&w->l.base);
}

static const struct gost_stream_ops ws_ops = {
    .name = "ws",
    .read_start = w_read_start,
    .read_stop = w_read_stop,
    .write = w_write,
    .write_queue_size = w_queued,
    .shutdown = w_shutdown,
    .close = w_close,
    .fd = NULL,
};

int gost__ws_wrap(gost_ctx_t *ctx, gost_stream *raw, const struct gost_ws_opts *o,
                  gost_stream_ready_cb cb, void *user) {
  struct ws_stream *w = gost__calloc(ctx, 1, sizeof *w);
  if (!w) return gost__error(GOST_ENOMEM, "ws: out of memory");
  gost__layer_init(&w->l, &ws_ops, ctx, NULL, free_now);
  w->server = o->server;
  w->path = gost__strdup(ctx, o->path && *o->path ? o->path : "/ws");
  w->host = gost__strdup(ctx, o->host ? o->host : "");
  if (!w->path || !w->host) {
    free_now(&w->l);
    return gost__error(GOST_ENOMEM, "ws: out of memory");
  }
  w->max_msg = o->max_msg ? o->max_msg : GOST_WS_MAX_MSG;
  w->hs_ms = o->handshake_ms > 0 ? o->handshake_ms : GOST_WS_HANDSHAKE_MS;
  gost_bufq_init(&w->in);
  w->l.inner = raw;
  w->l.base.peer = raw->peer;
  w->l.base.local = raw->local;
  if (!o->server) {
    char req[1400];
    if (gost__ws_new_key(w->key) != GOST_OK) {
      free_now(&w->l);
      return gost__error(GOST_ETLS, "ws: no randomness for the key");
    }
    int n = snprintf(req, sizeof req,
                     "GET %.512s HTTP/1.1\r\nHost: %.512s\r\nUser-Agent: libgost\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
                     w->path, w->host, w->key);
    if (gost_stream_write_buf(raw, req, (size_t)n, gost__layer_inner_written, &w->l) != GOST_OK) {
      w->l.inner = NULL;
      free_now(&w->l);
      return gost__error(GOST_EIO, "ws: cannot send the upgrade request");
    }
    w->l.issued++;
  }
  w->ready_cb = cb;
  w->ready_user = user;
  ev_timer_init(&w->timer, on_timeout, (double)w->hs_ms / 1000.0, 0.);
  w->timer.data = w;
  ev_idle_init(&w->kick, on_kick);
  w->kick.data = w;
  ev_timer_start(ctx->loop, &w->timer);
  raw->on_drain = on_inner_drain;
  raw->drain_user = w;
  gost_stream_set_read_cb(raw, on_inner_read, w);
  gost_stream_read_start(raw);
  return GOST_OK;
}
