/* Entrypoint HTTP path (§5.2): each request on a public connection is routed on its own Host
 * to a fresh tunnel stream; request and response are forwarded with their own framing
 * (Content-Length / chunked / until close), then the stream is closed and the next request
 * read. 101 Switching Protocols turns the connection into the one relay loop.
 * Failure ownership: the public stream is read in every state (a reset or EOF is seen while a
 * response streams), every write to it has a completion, and after the last response the
 * connection stays owned here until its queue drains or fails (the socket's writeTimeout bounds
 * a reader that never drains), so no path waits for a drain that never comes.
 * Traffic limits (docs/limiters.md) are charged here as the pipe charges them: a side in debt
 * stops being read until its hold timer fires. */
#include <arpa/inet.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "codec/httphead.h"
#include "core/error.h"
#include "core/event.h"
#include "ingress/ingress.h"
#include "core/log.h"
#include "tunnel/entry.h"
#include "tunnel/forward.h"

#define HC_HWM (256u * 1024) /* queued bytes on the other side before we stop reading */
/* request head limit + one read; reading stops above the head limit, so one read fits */
#define HC_BUF (GOST__HTTP_MAX_HEAD + GOST_ENTRY_READ_MAX)

enum hc_state { HC_HEAD, HC_BODY, HC_WAIT, HC_CLOSING };

struct hc {
  struct gost_tunnel_pending p;
  struct gost_tunnel_server *srv;
  const struct gost_ingress *ing;
  gost_stream *pub, *up;
  ev_timer timer;
  ev_timer up_hold, pub_hold; /* traffic limits: reading up (response) / pub (body) paused */
  int up_held, pub_held;
  gost_sockaddr client;
  enum hc_state state;
  int minor, resp_started;
  int client_ka; /* the client's own keep-alive wish (the head may be edited in pool mode) */
  int skip_body; /* HEAD request: the response has no body */
  struct gost_tunnel_opening *opening; /* stream coming from another node (cluster mode) */
  /* Pool mode hid the client's Connection: close from the backend, so the relayed response head
   * gets one back (after its status line) and the client knows we close: 1 until it is in. */
  int add_close;
  int poolable;  /* keepalive mode and the backend saw no Connection: close */
  uint8_t tid[16];
  char dst[GOST_ENTRY_DST_MAX];
  double t0;         /* request start (access log) */
  char what[160];    /* "GET host/path" (access log) */
  struct gost_ingress_query route; /* Host lookup in progress */
  struct gost_http_framer reqf, respf;
  struct gost_http_req req;
  size_t len;
  char *buf; /* HC_BUF bytes while a request is in progress; NULL when idle */
};

static void pub_read(gost_stream *s, ssize_t n, const char *data, void *user);
static void up_read(gost_stream *s, ssize_t n, const char *data, void *user);
static void next_request(struct hc *h);
static void up_opened(int status, gost_stream *s, void *user);
static void up_attach(struct hc *h);

static void close_up(struct hc *h) {
  if (!h->up) return;
  if (gost__event_wanted(h->srv->ctx)) {
    char tid[37];
    gost__uuid_format(h->tid, tid);
    gost_event_t ev = {.type = GOST_EVENT_STREAM_CLOSE, .service = h->srv->svc->name, .tunnel_id = tid,
                       .bytes_in = h->up->bytes_in, .bytes_out = h->up->bytes_out, .detail = h->dst};
    gost__event_emit(h->srv->ctx, &ev);
  }
  gost_stream_set_read_cb(h->up, NULL, NULL);
  h->up->on_drain = NULL;
  gost_stream_close(h->up);
  h->up = NULL;
  ev_timer_stop(h->srv->ctx->loop, &h->up_hold); /* the debt stays in the buckets */
  h->up_held = 0;
}

/* A traffic limit is w seconds in debt: stop reading src until its timer fires. */
static void hold(struct hc *h, gost_stream *src, ev_timer *t, int *held, double w) {
  if (w <= 0) return;
  *held = 1;
  gost_stream_read_stop(src);
  ev_timer_stop(h->srv->ctx->loop, t);
  ev_timer_set(t, w, 0.);
  ev_timer_start(h->srv->ctx->loop, t);
}

static void up_unhold(struct ev_loop *loop, ev_timer *w, int revents) {
  struct hc *h = w->data;
  h->up_held = 0;
  if (h->up && gost_stream_queued(h->pub) <= HC_HWM) gost_stream_read_start(h->up);
}

static void pub_unhold(struct ev_loop *loop, ev_timer *w, int revents) {
  struct hc *h = w->data;
  h->pub_held = 0;
  if (h->state != HC_BODY || !h->up || gost_stream_queued(h->up) <= HC_HWM) gost_stream_read_start(h->pub);
}

/* Idle keep-alive connections hold no buffer (the pool idea of architecture §6). */
static int buf_need(struct hc *h) {
  if (!h->buf) h->buf = gost__malloc(h->srv->ctx, HC_BUF);
  return h->buf != NULL;
}

static void hc_free(struct hc *h) {
  gost__tunnel_opening_cancel(h->opening);
  gost__ingress_cancel(&h->route);
  gost__free(h->srv->ctx, h->buf);
  gost_list_remove(&h->p.link);
  ev_timer_stop(h->srv->ctx->loop, &h->timer);
  ev_timer_stop(h->srv->ctx->loop, &h->pub_hold);
  close_up(h);
  if (h->pub) gost_stream_close(h->pub);
  gost__free(h->srv->ctx, h);
}

static void hc_abort(struct gost_tunnel_pending *p) { hc_free(gost_container_of(p, struct hc, p)); }

/* Write completion for the public side: a failed write ends the connection and its stream.
 * The owner is found through the read callback, so a completion that fires after an upgrade
 * handed pub to the pipe (which learns of failures itself) touches nothing of ours. */
static void pub_written(gost_stream *s, int status, void *user) {
  (void)user;
  if (status < 0 && s->on_read == pub_read) hc_free(s->user);
}

static int pub_write(struct hc *h, const void *p, size_t n) {
  return gost_stream_write_buf(h->pub, p, n, pub_written, NULL);
}

/* No more requests: the connection closes once what we wrote to it has left (pub_drained), or
 * at the first error (pub_read, pub_written). Frees h now when nothing is queued. */
static void hc_finish(struct hc *h) {
  close_up(h);
  ev_timer_stop(h->srv->ctx->loop, &h->timer);
  gost__free(h->srv->ctx, h->buf);
  h->buf = NULL;
  h->len = 0;
  h->state = HC_CLOSING;
  if (!gost_stream_queued(h->pub)) return hc_free(h);
  gost_stream_read_start(h->pub); /* a reset must reach us; bytes are discarded */
}

/* entrypoint.accesslog: `| 200 | 203.0.113.9:5123 | GET app.example.com/x | 12.3 ms`. */
static void access_log(struct hc *h, int status) {
  if (!h->srv->entry_accesslog || !h->what[0]) return;
  char peer[64], code[8], ms[32], f[512];
  gost__tunnel_addr_str(&h->client, peer, sizeof peer);
  snprintf(code, sizeof code, "%d", status);
  snprintf(ms, sizeof ms, "%.3f ms", (ev_now(h->srv->ctx->loop) - h->t0) * 1000.0);
  GOST_LOGF(h->srv->ctx, GOST_LOG_INFO,
            gost__log_fields(f, sizeof f, "kind", "entrypoint", "service", h->srv->svc->name, "client", peer,
                             "request", h->what, "code", code, "duration", ms, NULL),
            "| %s | %s | %s | %s", code, peer, h->what, ms);
  h->what[0] = '\0';
}

static void hc_error(struct hc *h, int status, const char *why) {
  char out[256], peer[64];
  size_t n = 0;
  gost__tunnel_addr_str(&h->client, peer, sizeof peer);
  GOST_WARN(h->srv->ctx, "entrypoint: %s: %d %s (%s)", peer, status, gost__httphead_reason(status), why);
  close_up(h);
  gost__count_status(&h->srv->ctx->ctr, status);
  h->srv->svc->errors++;
  access_log(h, status);
  if (gost__httphead_error_response(status, h->minor, out, sizeof out, &n) == GOST_OK &&
      pub_write(h, out, n) != GOST_OK) {
    hc_free(h);
    return;
  }
  hc_finish(h);
}

static void hc_timeout(struct ev_loop *loop, ev_timer *w, int revents) {
  struct hc *h = w->data;
  if (h->state == HC_HEAD) { /* idle keep-alive or a slow head: just close */
    char peer[64];
    gost__tunnel_addr_str(&h->client, peer, sizeof peer);
    GOST_DEBUG(h->srv->ctx, "entrypoint: %s: request head timeout", peer);
    hc_free(h);
  } else if (h->state != HC_CLOSING && !h->resp_started) {
    hc_error(h, 503, "no response headers in time");
  }
}

static void arm(struct hc *h) {
  ev_timer_stop(h->srv->ctx->loop, &h->timer);
  ev_timer_set(&h->timer, (double)h->srv->entry_timeout_ms / 1000.0, 0.);
  ev_timer_start(h->srv->ctx->loop, &h->timer);
}

/* Backpressure: each side resumes the other when its queue drains. */
static void pub_drained(gost_stream *s, void *user) {
  struct hc *h = user;
  if (h->state == HC_CLOSING) hc_free(h);
  else if (h->up && h->resp_started && !h->up_held) gost_stream_read_start(h->up);
}
static void up_drained(gost_stream *s, void *user) {
  struct hc *h = user;
  if (h->state == HC_BODY && !h->pub_held) gost_stream_read_start(h->pub);
}

/* The client's address for the stream header: proxy headers (IP literals only), else peer. */
static void client_src(struct hc *h, char *out, size_t cap) {
  static const char *const names[] = {"CF-Connecting-IP", "X-Forwarded-For", "X-Real-IP"};
  for (size_t i = 0; i < 3; i++) {
    const struct gost_http_header *hd = gost__httphead_find(&h->req.f, names[i]);
    if (!hd) continue;
    char ip[64];
    size_t n = hd->value.n;
    const char *comma = memchr(hd->value.p, ',', n); /* first X-Forwarded-For hop */
    if (comma) n = (size_t)(comma - hd->value.p);
    while (n && hd->value.p[n - 1] == ' ') n--;
    if (n >= sizeof ip) continue;
    memcpy(ip, hd->value.p, n);
    ip[n] = '\0';
    unsigned char bin[16];
    if (inet_pton(AF_INET, ip, bin) == 1) {
      snprintf(out, cap, "%s:0", ip);
      return;
    }
    if (inet_pton(AF_INET6, ip, bin) == 1) {
      snprintf(out, cap, "[%s]:0", ip);
      return;
    }
  }
  gost__tunnel_addr_str(&h->client, out, cap);
}

/* Forwards buffered request bytes until the framer says the message ended. */
static void forward_request(struct hc *h) {
  size_t k = 0;
  /* request bytes moving restart the deadline; once complete it bounds the response head */
  if (!h->resp_started) arm(h);
  int rc = h->len ? gost__http_framer_feed(&h->reqf, h->buf, h->len, &k) : GOST_EAGAIN;
  if (rc == GOST_EAGAIN) k = h->len;
  if (rc == GOST_EPROTO) return hc_error(h, 400, "malformed request");
  if (k && gost_stream_write_buf(h->up, h->buf, k, NULL, NULL) != GOST_OK)
    return hc_error(h, 503, "tunnel stream write failed");
  if (h->len) memmove(h->buf, h->buf + k, h->len - k);
  h->len -= k;
  if (rc == GOST_OK) { /* request complete; pipelined bytes wait for the response */
    h->state = HC_WAIT;
    /* keep reading (bounded by pub_read) so that the client's reset or close is noticed */
    if (h->len > GOST__HTTP_MAX_HEAD) gost_stream_read_stop(h->pub);
    else gost_stream_read_start(h->pub);
    return;
  }
  if (gost_stream_queued(h->up) > HC_HWM) gost_stream_read_stop(h->pub);
  else if (!h->pub_held) gost_stream_read_start(h->pub);
}

/* A request ID in stock's shape (20 characters of base32hex, like an xid). */
static void new_sid(char out[21]) {
  static const char digits[] = "0123456789abcdefghijklmnopqrstuv";
  uint8_t r[20];
  if (RAND_bytes(r, sizeof r) != 1) memset(r, 0, sizeof r);
  for (int i = 0; i < 20; i++) out[i] = digits[r[i] & 31];
  out[20] = '\0';
}

/* Every forwarded head carries Gost-Forwarded-Node (this server's node ID, replacing any incoming
 * one) and Gost-Sid (kept when the client sent one, else new), as stock's entrypoint sets them.
 * Pool mode: the backend must not see Connection: close (or an HTTP/1.0 default of close), so
 * Connection: keep-alive replaces it. Returns 0 when the head could not be rewritten. */
static int edit_head(struct hc *h, int pool) {
  struct gost_http_req *r = &h->req;
  const char *rm[2] = {"Gost-Forwarded-Node", "Connection"};
  char sid[21];
  struct gost_http_header add[3] = {{{"Gost-Forwarded-Node", 19}, {h->srv->node_id, strlen(h->srv->node_id)}}};
  size_t nadd = 1, nrm = 1;
  if (!gost__httphead_find(&r->f, "Gost-Sid")) {
    new_sid(sid);
    add[nadd++] = (struct gost_http_header){{"Gost-Sid", 8}, {sid, 20}};
  }
  if (pool && !r->f.keep_alive) {
    add[nadd++] = (struct gost_http_header){{"Connection", 10}, {"keep-alive", 10}};
    nrm = 2;
  }
  struct gost_http_edit e = {rm, nrm, add, nadd, {NULL, 0}};
  char *tmp = gost__malloc(h->srv->ctx, GOST__HTTP_MAX_HEAD + 128);
  size_t n = 0, old = r->f.head_len;
  int ok = tmp && gost__httphead_write_request(r, &e, tmp, GOST__HTTP_MAX_HEAD + 128, &n) == GOST_OK &&
           h->len - old + n <= HC_BUF;
  if (ok) {
    memmove(h->buf + n, h->buf + old, h->len - old);
    memcpy(h->buf, tmp, n);
    h->len = h->len - old + n;
  }
  gost__free(h->srv->ctx, tmp);
  return ok;
}

static void request_routed(struct gost_ingress_query *q, int status);

static void route_request(struct hc *h) {
  struct gost_http_req *r = &h->req;
  h->minor = r->f.version_minor;
  if (h->srv->entry_accesslog) {
    h->t0 = ev_now(h->srv->ctx->loop);
    snprintf(h->what, sizeof h->what, "%.*s %.*s%.*s", (int)r->method.n, r->method.p, (int)r->host.n,
             r->host.p, (int)(r->target.n > 100 ? 100 : r->target.n), r->target.p);
  }
  char host[GOST__RELAY_HOST_MAX + 1];
  if (!r->has_host || !r->host_name.n || r->host_name.n >= sizeof host) return hc_error(h, 502, "no Host");
  for (size_t i = 0; i < r->host_name.n; i++) {
    char c = r->host_name.p[i];
    host[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
  }
  host[r->host_name.n] = '\0';
  int v6 = strchr(host, ':') != NULL;
  snprintf(h->dst, sizeof h->dst, v6 ? "[%s]:%u" : "%s:%u", host, r->host_port ? r->host_port : 80);
  /* h->req points into h->buf: no reads (which may move it) until the answer */
  gost_stream_read_stop(h->pub);
  gost__tunnel_route(h->srv, h->ing, host, &h->route, request_routed, h);
}

static void request_routed(struct gost_ingress_query *q, int status) {
  struct hc *h = q->user;
  struct gost_http_req *r = &h->req;
  const char *dst = h->dst;
  char src[64];
  if (status != GOST_OK) return hc_error(h, 502, dst);
  if (q->is_private) return hc_error(h, 502, "private tunnel");
  const struct gost_http_header *fwd = gost__httphead_find(&r->f, "Gost-Forwarded-Node");
  if (fwd && memmem(fwd->value.p, fwd->value.n, h->srv->node_id, strlen(h->srv->node_id)))
    return hc_error(h, 503, "forwarding loop (our node ID in Gost-Forwarded-Node)");
  const uint8_t *tid = q->tunnel_id;
  memcpy(h->tid, tid, 16);
  client_src(h, src, sizeof src);
  h->client_ka = r->f.keep_alive;
  h->poolable = 0;
  int skip_body = r->method.n == 4 && !memcmp(r->method.p, "HEAD", 4);
  if (h->srv->entry_keepalive && !r->f.connection_upgrade) {
    h->up = gost__entry_pool_take(h->srv, tid, dst);
  }
  int edited = edit_head(h, h->srv->entry_keepalive && !r->f.connection_upgrade);
  h->poolable = h->srv->entry_keepalive && !r->f.connection_upgrade && edited; /* r is stale now */
  h->skip_body = skip_body;
  if (!h->up) {
    int rc = gost__tunnel_open_any(h->srv, tid, 0, src, dst, &h->up, &h->opening, up_opened, h);
    if (rc == GOST_EAGAIN) return; /* another node has the client (reading is stopped) */
    if (rc != GOST_OK) return hc_error(h, 503, gost_last_error());
  }
  up_attach(h);
}

static void up_opened(int status, gost_stream *s, void *user) {
  struct hc *h = user;
  h->opening = NULL;
  if (status != GOST_OK) return hc_error(h, 503, gost_last_error());
  h->up = s;
  up_attach(h);
}

/* The tunnel stream is there: forward the request, read the response. */
static void up_attach(struct hc *h) {
  gost_stream_set_read_cb(h->up, up_read, h);
  h->up->on_drain = up_drained;
  h->up->drain_user = h;
  gost_stream_read_start(h->up);
  gost__http_framer_init(&h->reqf, 0);
  gost__http_framer_init(&h->respf, 1);
  h->respf.skip_body = h->skip_body;
  h->resp_started = 0;
  h->add_close = h->poolable && !h->client_ka;
  h->state = HC_BODY;
  forward_request(h);
}

static void next_request(struct hc *h) {
  h->state = HC_HEAD; /* the head deadline was armed by the caller */
  if (!h->len) {
    gost__free(h->srv->ctx, h->buf);
    h->buf = NULL;
    gost_stream_read_start(h->pub);
    return;
  }
  int rc = gost__httphead_parse_request(h->buf, h->len, &h->req);
  if (rc == GOST_EAGAIN && h->len < GOST__HTTP_MAX_HEAD) {
    gost_stream_read_start(h->pub);
    return;
  }
  if (rc != GOST_OK) return hc_error(h, 400, "bad request head");
  route_request(h);
}

static void pub_read(gost_stream *s, ssize_t n, const char *data, void *user) {
  struct hc *h = user;
  if (n == GOST_ECLOSED && (h->state == HC_WAIT || h->state == HC_CLOSING)) {
    /* half-close after a request: the answer (or its queued tail) still goes out */
    h->client_ka = 0;
    gost_stream_read_stop(s);
    return;
  }
  if (n < 0) { /* between requests the normal end; else a reset or a cut request: drop all */
    hc_free(h);
    return;
  }
  if (h->state == HC_CLOSING) return; /* nothing more is served: discard */
  if (!buf_need(h)) return hc_free(h);
  if ((size_t)n > HC_BUF - h->len) return hc_error(h, 400, "request too large");
  memcpy(h->buf + h->len, data, (size_t)n);
  h->len += (size_t)n;
  if (h->state == HC_HEAD) return next_request(h);
  if (h->state == HC_BODY) {
    /* held before forwarding, which may end (and free) the connection; hc_free stops the timer */
    if (h->up && (s->limit || h->up->limit))
      hold(h, s, &h->pub_hold, &h->pub_held,
           gost__stream_limit_charge(s, h->up, (size_t)n, ev_now(h->srv->ctx->loop)));
    return forward_request(h);
  }
  if (h->len > GOST__HTTP_MAX_HEAD) gost_stream_read_stop(s); /* pipelined: hold, bounded */
}

/* Response finished: drop the stream, then the next request or the end. */
static void response_done(struct hc *h) {
  access_log(h, (int)h->respf.parser.status_code);
  if (h->poolable && h->state == HC_WAIT && h->respf.keep_alive) { /* park it for reuse */
    gost_stream *up = h->up;
    h->up = NULL;
    gost_stream_set_read_cb(up, NULL, NULL);
    up->on_drain = NULL;
    gost__entry_pool_put(h->srv, h->tid, h->dst, up);
  }
  close_up(h);
  if (h->state != HC_WAIT || !h->respf.keep_alive || !h->reqf.keep_alive || !h->client_ka)
    return hc_finish(h);
  arm(h); /* idle keep-alive and the next head share one deadline */
  next_request(h);
}

static void upgrade(struct hc *h, const char *rest, size_t n) {
  gost_stream *pub = h->pub, *up = h->up;
  /* no completion: the pipe owns pub from here and learns of failures through its reads */
  int rc = n ? gost_stream_write_buf(pub, rest, n, NULL, NULL) : GOST_OK;
  if (rc == GOST_OK && h->len) rc = gost_stream_write_buf(up, h->buf, h->len, NULL, NULL);
  h->pub = h->up = NULL;
  gost_stream_set_read_cb(pub, NULL, NULL);
  gost_stream_set_read_cb(up, NULL, NULL);
  pub->on_drain = up->on_drain = NULL;
  struct gost_tunnel_server *srv = h->srv;
  hc_free(h);
  if (rc != GOST_OK) {
    gost_stream_close(pub);
    gost_stream_close(up);
    return;
  }
  gost__tunnel_pipe(srv, pub, up);
}

/* Response bytes to the public side; inserts "Connection: close" after the status line when
 * add_close is set (any split of the head: only the status line's '\n' is looked for). */
static int relay_response(struct hc *h, const char *p, size_t n) {
  const char *nl = h->add_close ? memchr(p, '\n', n) : NULL;
  if (!nl) return pub_write(h, p, n);
  static const char hdr[] = "Connection: close\r\n";
  size_t a = (size_t)(nl - p) + 1;
  struct iovec v[3] = {{(void *)p, a}, {(void *)hdr, sizeof hdr - 1}, {(void *)(p + a), n - a}};
  h->add_close = 0;
  return gost_stream_write(h->pub, v, n > a ? 3 : 2, pub_written, NULL);
}

static void up_read(gost_stream *s, ssize_t n, const char *data, void *user) {
  struct hc *h = user;
  /* charged before the bytes are relayed: a response ending here leaves its debt in the buckets */
  double debt = n > 0 && (s->limit || h->pub->limit)
                    ? gost__stream_limit_charge(s, h->pub, (size_t)n, ev_now(h->srv->ctx->loop))
                    : 0;
  if (n < 0) {
    if (!h->resp_started) return hc_error(h, 503, "tunnel stream closed without a response");
    /* end of a read-until-close body is a complete response; anything else is cut short */
    if (gost__http_framer_eof(&h->respf) == GOST_OK) h->respf.keep_alive = 0;
    close_up(h);
    return hc_finish(h);
  }
  if (!h->resp_started) {
    h->resp_started = 1;
    ev_timer_stop(h->srv->ctx->loop, &h->timer);
  }
  size_t off = 0, len = (size_t)n;
  for (;;) {
    size_t k = 0;
    int rc = gost__http_framer_feed(&h->respf, data + off, len - off, &k);
    if (rc == GOST_EPROTO) {
      GOST_WARN(h->srv->ctx, "entrypoint: malformed response from the tunnel");
      return hc_free(h);
    }
    if (rc == GOST_EAGAIN) k = len - off;
    if (k && relay_response(h, data + off, k) != GOST_OK) return hc_free(h);
    off += k;
    if (rc == GOST_EAGAIN) break;
    gost__count_status(&h->srv->ctx->ctr, (int)h->respf.parser.status_code);
    if (h->respf.upgrade) return upgrade(h, data + off, len - off);
    /* 1xx interim (100 Continue, 103): the real response follows on the same stream */
    unsigned code = h->respf.parser.status_code;
    if (code >= 100 && code < 200) {
      int skip = h->respf.skip_body;
      gost__http_framer_init(&h->respf, 1);
      h->respf.skip_body = skip;
      h->add_close = h->poolable && !h->client_ka; /* into the final head too */
      if (off < len) continue;
      break;
    }
    return response_done(h);
  }
  if (gost_stream_queued(h->pub) > HC_HWM) gost_stream_read_stop(s);
  hold(h, s, &h->up_hold, &h->up_held, debt);
}

void gost__entry_http_start(struct gost_tunnel_server *srv, const struct gost_ingress *ing,
                            gost_stream *s, const gost_sockaddr *client,
                            const void *data, size_t len) {
  struct hc *h = gost__calloc(srv->ctx, 1, sizeof *h);
  if (h) h->srv = srv;
  if (!h || len > HC_BUF || (len && !buf_need(h))) {
    if (h) gost__free(srv->ctx, h->buf);
    gost__free(srv->ctx, h);
    gost_stream_close(s);
    return;
  }
  h->srv = srv;
  h->ing = ing;
  h->pub = s;
  h->client = *client;
  h->minor = 1;
  h->p.abort = hc_abort;
  gost_list_insert_tail(&srv->conns, &h->p.link);
  ev_timer_init(&h->timer, hc_timeout, (double)srv->entry_timeout_ms / 1000.0, 0.);
  h->timer.data = h;
  ev_init(&h->up_hold, up_unhold);
  ev_init(&h->pub_hold, pub_unhold);
  h->up_hold.data = h->pub_hold.data = h;
  ev_timer_start(srv->ctx->loop, &h->timer);
  if (len) memcpy(h->buf, data, len);
  h->len = len;
  gost_stream_set_read_cb(s, pub_read, h);
  s->on_drain = pub_drained;
  s->drain_user = h;
  next_request(h);
}
