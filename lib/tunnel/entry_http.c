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
#include <stddef.h>
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
  char peer[64]; /* client formatted, once per connection ("" until first needed) */
  enum hc_state state;
  int minor, resp_started;
  int client_ka; /* the client's own keep-alive wish (the head may be edited in pool mode) */
  int skip_body; /* HEAD request: the response has no body */
  struct gost_tunnel_opening *opening; /* stream coming from another node (cluster mode) */
  /* Pool mode hid the client's Connection: close from the backend, so the relayed response head
   * gets one back (after its status line) and the client knows we close: 1 until it is in. */
  int add_close;
  int poolable;  /* keepalive mode and the backend saw no Connection: close */
  /* The stream came from the pool: if it ends before any response byte (the backend closed the
   * idle connection as we reused it), an idempotent request whose bytes are still held at the
   * start of buf (held) is sent again on a fresh stream, as HTTP clients do. */
  int reused, idempotent;
  size_t held;
  uint8_t tid[16];
  char dst[GOST_ENTRY_DST_MAX];
  char src[64];      /* stream header source; its address (not the port) is part of the pool key */
  double t0;         /* request start (access log) */
  char what[160];    /* "GET host/path" (access log) */
  struct gost_ingress_query route; /* Host lookup in progress */
  /* Framing. Plain messages (a request without a chunked body or upgrade, a response head with
   * a Content-Length or no body, parsed whole by our strict head parser) are counted: their
   * length is known from the head, and http-parser, a byte-at-a-time state machine that was a
   * third of the server's instructions per request, never sees them. Anything else (chunked,
   * close-delimited, 1xx, 101, a head split across reads) goes through the framers. */
  struct gost_http_framer reqf, respf;
  int req_counted, req_ka;      /* counted request; its keep-alive (as forwarded) */
  uint64_t req_total, req_left; /* counted request: head + body bytes, still to send */
  size_t head_out;              /* length of the request head as forwarded */
  enum { RESP_HEAD, RESP_COUNTED, RESP_FRAMER } resp_mode;
  int resp_ka;
  unsigned resp_status;
  uint64_t resp_left;
  int no_fast_resp;             /* CONNECT: a 2xx is a tunnel, leave it to the framer */
  size_t len;
  char *buf; /* cap bytes (at most HC_BUF) while a request is in progress; NULL when idle */
  size_t cap;
  /* Last: filled by the parser before any use, so a new connection does not clear its 3 KiB
   * (gost__entry_http_start zeroes only what comes before it). */
  struct gost_http_req req;
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

/* Idle keep-alive connections hold no buffer (the pool idea of architecture §6), and a busy one
 * only what its request needs: most heads fit in the first 2 KiB, and a small block comes from
 * the allocator's free lists where one of HC_BUF (80 KiB) per request moved the heap's top, with
 * a brk() and fresh pages to fault in every few requests. want <= HC_BUF. */
#define HC_BUF_MIN 2048u
static int buf_need(struct hc *h, size_t want) {
  if (want <= h->cap) return 1;
  size_t cap = h->cap ? h->cap : HC_BUF_MIN;
  while (cap < want) cap *= 2;
  if (cap > HC_BUF) cap = HC_BUF;
  char *nb = gost__realloc(h->srv->ctx, h->buf, cap);
  if (!nb) return 0;
  h->buf = nb;
  h->cap = cap;
  return 1;
}

static void buf_release(struct hc *h) {
  gost__free(h->srv->ctx, h->buf);
  h->buf = NULL;
  h->cap = 0;
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
  buf_release(h);
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
  if (!h->peer[0]) gost__tunnel_addr_str(&h->client, h->peer, sizeof h->peer);
  size_t n = strlen(h->peer);
  if (n >= cap) n = cap - 1;
  memcpy(out, h->peer, n);
  out[n] = '\0';
}

/* The request's framing: GOST_OK (complete after *k bytes), GOST_EAGAIN (all n consumed),
 * GOST_EPROTO (malformed). */
static int req_feed(struct hc *h, const char *p, size_t n, size_t *k) {
  if (!h->req_counted) return gost__http_framer_feed(&h->reqf, p, n, k);
  *k = n < h->req_left ? n : (size_t)h->req_left;
  h->req_left -= *k;
  return h->req_left ? GOST_EAGAIN : GOST_OK;
}
static int req_keep_alive(const struct hc *h) { return h->req_counted ? h->req_ka : h->reqf.keep_alive; }

/* The response's framing, as req_feed; the first bytes decide between counting and the framer. */
static int resp_feed(struct hc *h, const char *p, size_t n, size_t *k) {
  if (h->resp_mode == RESP_HEAD) {
    struct gost_http_resp r;
    h->resp_mode = RESP_FRAMER;
    if (!h->no_fast_resp && gost__httphead_parse_response(p, n, &r) == GOST_OK && r.status >= 200 &&
        !r.f.chunked && (r.f.has_content_length || r.no_body || h->skip_body)) {
      h->resp_mode = RESP_COUNTED;
      h->resp_status = (unsigned)r.status;
      h->resp_ka = r.f.keep_alive;
      h->resp_left = r.f.head_len + (r.no_body || h->skip_body ? 0 : r.f.content_length);
    }
  }
  if (h->resp_mode == RESP_FRAMER) return gost__http_framer_feed(&h->respf, p, n, k);
  *k = n < h->resp_left ? n : (size_t)h->resp_left;
  h->resp_left -= *k;
  return h->resp_left ? GOST_EAGAIN : GOST_OK;
}
static int resp_keep_alive(const struct hc *h) {
  return h->resp_mode == RESP_COUNTED ? h->resp_ka : h->respf.keep_alive;
}
static unsigned resp_status(const struct hc *h) {
  return h->resp_mode == RESP_COUNTED ? h->resp_status : h->respf.parser.status_code;
}

/* The response started (or ended): the held request is no longer needed. */
static void drop_held(struct hc *h) {
  if (!h->held) return;
  memmove(h->buf, h->buf + h->held, h->len - h->held);
  h->len -= h->held;
  h->held = 0;
}

/* Forwards buffered request bytes until the framer says the message ended. */
static void forward_request(struct hc *h) {
  size_t k = 0;
  /* request bytes moving restart the deadline; once complete it bounds the response head */
  if (!h->resp_started) arm(h);
  int rc = h->len ? req_feed(h, h->buf, h->len, &k) : GOST_EAGAIN;
  if (rc == GOST_EAGAIN) k = h->len;
  if (rc == GOST_EPROTO) return hc_error(h, 400, "malformed request");
  if (k && gost_stream_write_buf(h->up, h->buf, k, NULL, NULL) != GOST_OK)
    return hc_error(h, 503, "tunnel stream write failed");
  if (rc == GOST_EAGAIN) h->idempotent = 0; /* partly sent: no replay */
  if (rc == GOST_OK && h->reused && h->idempotent) {
    h->held = k; /* the whole request went in one write: keep it for a replay */
  } else {
    if (h->len) memmove(h->buf, h->buf + k, h->len - k);
    h->len -= k;
  }
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

/* A request ID in stock's shape (20 characters of base32hex, like an xid). An identifier, not
 * a secret: drawn from the registry's PRNG (seeded once from RAND_bytes) rather than RAND_bytes
 * per request (whose fork check costs a getpid() each time). */
static void new_sid(struct gost_tunnel_server *srv, char out[21]) {
  static const char digits[] = "0123456789abcdefghijklmnopqrstuv";
  uint32_t r = 0;
  for (int i = 0; i < 20; i++) {
    if (i % 6 == 0) r = gost__tunnel_registry_rand(srv->reg);
    out[i] = digits[r & 31];
    r >>= 5;
  }
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
    new_sid(h->srv, sid);
    add[nadd++] = (struct gost_http_header){{"Gost-Sid", 8}, {sid, 20}};
  }
  if (pool && !r->f.keep_alive) {
    add[nadd++] = (struct gost_http_header){{"Connection", 10}, {"keep-alive", 10}};
    nrm = 2;
  }
  struct gost_http_edit e = {rm, nrm, add, nadd, {NULL, 0}};
  char small[2048], *tmp = small; /* most heads: no allocation */
  size_t n = 0, old = r->f.head_len;
  h->head_out = old;
  int rc = gost__httphead_write_request(r, &e, tmp, sizeof small, &n);
  if (rc == GOST_EINVAL && n > sizeof small && n <= GOST__HTTP_MAX_HEAD + 128) {
    tmp = gost__malloc(h->srv->ctx, n);
    rc = tmp ? gost__httphead_write_request(r, &e, tmp, n, &n) : GOST_ENOMEM;
  }
  /* r points into buf: it is not used past this point, so buf may move */
  int ok = rc == GOST_OK && h->len - old + n <= HC_BUF && buf_need(h, h->len - old + n);
  if (ok) {
    memmove(h->buf + n, h->buf + old, h->len - old);
    memcpy(h->buf, tmp, n);
    h->len = h->len - old + n;
    h->head_out = n;
  }
  if (tmp != small) gost__free(h->srv->ctx, tmp);
  return ok;
}

static void request_routed(struct gost_ingress_query *q, int status);
static void open_up(struct hc *h, struct gost_mux_session *sess);

/* Methods a client may send again after a reused connection failed (RFC 9110 9.2.2; as Go's
 * transport, only the safe ones). */
static int method_idempotent(const struct gost_http_slice *m) {
  static const char *const safe[] = {"GET", "HEAD", "OPTIONS", "TRACE"};
  for (size_t i = 0; i < 4; i++)
    if (m->n == strlen(safe[i]) && !memcmp(m->p, safe[i], m->n)) return 1;
  return 0;
}

/* "host:port", "[v6]:port" (no snprintf per request); dst holds GOST_ENTRY_DST_MAX >= n + 9. */
static void format_dst(char *dst, const char *host, size_t n, unsigned port) {
  int v6 = memchr(host, ':', n) != NULL;
  size_t o = 0;
  if (v6) dst[o++] = '[';
  memcpy(dst + o, host, n);
  o += n;
  if (v6) dst[o++] = ']';
  dst[o++] = ':';
  char d[5];
  int k = 0;
  do d[k++] = (char)('0' + port % 10); while ((port /= 10) && k < 5);
  while (k) dst[o++] = d[--k];
  dst[o] = '\0';
}

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
  format_dst(h->dst, host, r->host_name.n, r->host_port ? r->host_port : 80);
  /* h->req points into h->buf: no reads (which may move it) until the answer */
  gost_stream_read_stop(h->pub);
  gost__tunnel_route(h->srv, h->ing, host, &h->route, request_routed, h);
}

static void request_routed(struct gost_ingress_query *q, int status) {
  struct hc *h = q->user;
  struct gost_http_req *r = &h->req;
  const char *dst = h->dst;
  if (status != GOST_OK) return hc_error(h, 502, dst);
  if (q->is_private) return hc_error(h, 502, "private tunnel");
  const struct gost_http_header *fwd = gost__httphead_find(&r->f, "Gost-Forwarded-Node");
  if (fwd && memmem(fwd->value.p, fwd->value.n, h->srv->node_id, strlen(h->srv->node_id)))
    return hc_error(h, 503, "forwarding loop (our node ID in Gost-Forwarded-Node)");
  const uint8_t *tid = q->tunnel_id;
  memcpy(h->tid, tid, 16);
  client_src(h, h->src, sizeof h->src);
  h->client_ka = r->f.keep_alive;
  h->poolable = 0;
  int skip_body = r->method.n == 4 && !memcmp(r->method.p, "HEAD", 4);
  h->idempotent = method_idempotent(&r->method);
  h->reused = 0;
  struct gost_mux_session *sess = NULL; /* the connector chosen here (cluster mode: open_any's) */
  if (h->srv->entry_keepalive && !r->f.connection_upgrade) {
    if (!h->srv->cluster) sess = gost__tunnel_registry_pick(h->srv->reg, tid, 0);
    h->up = gost__entry_pool_take(h->srv, tid, dst, h->src, sess);
    h->reused = h->up != NULL;
  }
  int pool = h->srv->entry_keepalive && !r->f.connection_upgrade;
  int connect = r->method.n == 7 && !memcmp(r->method.p, "CONNECT", 7);
  h->req_counted = !r->f.chunked && !r->f.connection_upgrade && !connect;
  uint64_t body = r->f.has_content_length ? r->f.content_length : 0;
  int ka = r->f.keep_alive;
  int edited = edit_head(h, pool); /* r is stale from here */
  h->poolable = pool && edited;
  h->req_ka = h->poolable || ka; /* pool mode forwards Connection: keep-alive */
  h->req_total = h->head_out + body;
  h->no_fast_resp = connect;
  h->skip_body = skip_body;
  if (!h->up) return open_up(h, sess);
  up_attach(h);
}

/* A fresh tunnel stream for h->dst (the request is in h->buf, ready to go); on sess when the
 * pool chose one and it still opens streams, else wherever the registry or cluster says. */
static void open_up(struct hc *h, struct gost_mux_session *sess) {
  if (sess && gost__tunnel_open_on(h->srv, sess, h->tid, 0, h->src, h->dst, &h->up) == GOST_OK) return up_attach(h);
  int rc = gost__tunnel_open_any(h->srv, h->tid, 0, h->src, h->dst, &h->up, &h->opening, up_opened, h);
  if (rc == GOST_EAGAIN) return; /* another node has the client (reading is stopped) */
  if (rc != GOST_OK) return hc_error(h, 503, gost_last_error());
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
  h->req_left = h->req_total;
  h->resp_mode = RESP_HEAD;
  h->resp_started = 0;
  h->add_close = h->poolable && !h->client_ka;
  h->state = HC_BODY;
  forward_request(h);
}

static void next_request(struct hc *h) {
  h->state = HC_HEAD; /* the head deadline was armed by the caller */
  if (!h->len) {
    buf_release(h);
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
  if ((size_t)n > HC_BUF - h->len) return hc_error(h, 400, "request too large");
  if (!buf_need(h, h->len + (size_t)n)) return hc_free(h);
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
  access_log(h, (int)resp_status(h));
  if (h->poolable && h->state == HC_WAIT && resp_keep_alive(h)) { /* park it for reuse */
    gost_stream *up = h->up;
    h->up = NULL;
    gost_stream_set_read_cb(up, NULL, NULL);
    up->on_drain = NULL;
    gost__entry_pool_put(h->srv, h->tid, h->dst, h->src, up);
  }
  close_up(h);
  if (h->state != HC_WAIT || !resp_keep_alive(h) || !req_keep_alive(h) || !h->client_ka)
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
    if (!h->resp_started && h->held) { /* the backend closed the reused connection: again */
      GOST_DEBUG(h->srv->ctx, "entrypoint: pooled stream to %s ended before a response; retrying", h->dst);
      close_up(h);
      h->held = h->reused = 0;
      h->state = HC_BODY;
      gost_stream_read_stop(h->pub); /* until the new stream is attached */
      return open_up(h, NULL);
    }
    if (!h->resp_started) return hc_error(h, 503, "tunnel stream closed without a response");
    /* end of a read-until-close body is a complete response; anything else is cut short */
    if (h->resp_mode != RESP_COUNTED && gost__http_framer_eof(&h->respf) == GOST_OK) h->respf.keep_alive = 0;
    close_up(h);
    return hc_finish(h);
  }
  if (!h->resp_started) {
    h->resp_started = 1;
    drop_held(h);
    ev_timer_stop(h->srv->ctx->loop, &h->timer);
  }
  size_t off = 0, len = (size_t)n;
  for (;;) {
    size_t k = 0;
    int rc = resp_feed(h, data + off, len - off, &k);
    if (rc == GOST_EPROTO) {
      GOST_WARN(h->srv->ctx, "entrypoint: malformed response from the tunnel");
      return hc_free(h);
    }
    if (rc == GOST_EAGAIN) k = len - off;
    if (k && relay_response(h, data + off, k) != GOST_OK) return hc_free(h);
    off += k;
    if (rc == GOST_EAGAIN) break;
    gost__count_status(&h->srv->ctx->ctr, (int)resp_status(h));
    if (h->resp_mode == RESP_FRAMER && h->respf.upgrade) return upgrade(h, data + off, len - off);
    /* 1xx interim (100 Continue, 103): the real response follows on the same stream */
    unsigned code = resp_status(h);
    if (code >= 100 && code < 200) {
      int skip = h->respf.skip_body;
      gost__http_framer_init(&h->respf, 1);
      h->respf.skip_body = skip;
      h->resp_mode = RESP_HEAD;
      h->add_close = h->poolable && !h->client_ka; /* into the final head too */
      if (off < len) continue;
      break;
    }
    if (off < len) h->poolable = 0; /* bytes past the response: never hand this stream on */
    return response_done(h);
  }
  if (gost_stream_queued(h->pub) > HC_HWM) gost_stream_read_stop(s);
  hold(h, s, &h->up_hold, &h->up_held, debt);
}

void gost__entry_http_start(struct gost_tunnel_server *srv, const struct gost_ingress *ing,
                            gost_stream *s, const gost_sockaddr *client,
                            const void *data, size_t len) {
  struct hc *h = gost__malloc(srv->ctx, sizeof *h);
  if (h) {
    memset(h, 0, offsetof(struct hc, req));
    h->srv = srv;
  }
  if (!h || len > HC_BUF || (len && !buf_need(h, len))) {
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
