#include "admin/http.h"

#include <stdio.h>
#include <string.h>

#include "codec/httpproxy.h"
#include "core/addr.h"
#include "core/error.h"
#include "core/log.h"

#define SSE_PING_S 15.0

struct gost_httpd_conn {
  struct gost_list link;
  struct gost_httpd *srv;
  gost_stream *s;
  ev_timer timer;
  char *buf; /* head + body of the request being read */
  size_t len, cap;
  int sse;
  gost_ctx_t *ctx;
  int busy;   /* inside the handler: a close is deferred */
  int dead;   /* closed while busy: freed after the handler */
  int orphan; /* its server stopped while busy (an API change restarted the API): finish
                 the response, then close, without touching the server again */
  int status; /* of the last response, for the access log */
  int head;   /* the request is HEAD: the response goes without its body */
  char client[64];
};

static void conn_free(struct gost_httpd_conn *c) {
  gost_ctx_t *ctx = c->ctx;
  if (!c->orphan && c->srv->nconns) c->srv->nconns--;
  gost_list_remove(&c->link);
  ev_timer_stop(ctx->loop, &c->timer);
  if (c->s) gost_stream_close(c->s);
  gost__free(ctx, c->buf);
  gost__free(ctx, c);
}

static void conn_close(struct gost_httpd_conn *c) {
  if (c->busy) c->dead = 1;
  else conn_free(c);
}

static void drain_close(gost_stream *s, void *user) { gost_stream_close(s); }

/* Hands the stream over to be closed once its queued bytes are out, then frees c. */
static void conn_finish(struct gost_httpd_conn *c) {
  gost_stream *s = c->s;
  c->s = NULL;
  gost_stream_read_stop(s);
  gost_stream_set_read_cb(s, NULL, NULL);
  if (!gost_stream_queued(s)) gost_stream_close(s);
  else {
    s->on_drain = drain_close;
    s->drain_user = NULL;
  }
  conn_close(c);
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents) {
  struct gost_httpd_conn *c = w->data;
  GOST_DEBUG(c->ctx, "api: %s: timeout", c->client);
  conn_close(c);
}

static void simple_error(struct gost_httpd_conn *c, int status, const char *why) {
  char body[160];
  int n = snprintf(body, sizeof body, "{\"code\":%d,\"msg\":\"%s\"}", status, why);
  GOST_WARN(c->ctx, "api: %s: %d %s", c->client, status, why);
  c->busy = 1;
  gost__httpd_respond(c, status, "application/json", "Connection: close\r\n", body, (size_t)n);
  c->busy = 0;
  if (c->dead) conn_free(c);
  else conn_finish(c);
}

static int hexval(int ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* Percent-decodes n bytes of in into out (cap incl. NUL); plus: '+' is a space. -1 if bad. */
static int pct_decode(const char *in, size_t n, char *out, size_t cap, int plus) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (o + 1 >= cap) return -1;
    int ch = (unsigned char)in[i];
    if (ch == '%') {
      int hi = i + 2 < n ? hexval(in[i + 1]) : -1, lo = i + 2 < n ? hexval(in[i + 2]) : -1;
      if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return -1;
      ch = hi * 16 + lo;
      i += 2;
    } else if (plus && ch == '+') ch = ' ';
    out[o++] = (char)ch;
  }
  out[o] = '\0';
  return 0;
}

int gost__httpd_query(const struct gost_httpd_request *r, const char *key, char *out, size_t cap) {
  size_t kl = strlen(key);
  for (const char *p = r->query; *p;) {
    const char *amp = strchr(p, '&'), *end = amp ? amp : p + strlen(p);
    const char *eq = memchr(p, '=', (size_t)(end - p));
    size_t nl = (size_t)((eq ? eq : end) - p);
    if (nl == kl && !memcmp(p, key, kl)) {
      if (!eq) {
        if (cap) out[0] = '\0';
        return 1;
      }
      return pct_decode(eq + 1, (size_t)(end - eq - 1), out, cap, 1) == 0;
    }
    p = amp ? amp + 1 : end;
  }
  return 0;
}

int gost__httpd_basic_auth(const struct gost_httpd_request *r, char *user, size_t ucap, char *pass,
                           size_t pcap) {
  const struct gost_http_header *h = gost__httphead_find(&r->head->f, "authorization");
  return h && gost__http_basic_decode(h->value, user, ucap, pass, pcap) == GOST_OK;
}

/* Returns -1 when c is gone. */
static int handle_one(struct gost_httpd_conn *c, const struct gost_http_req *req, size_t total) {
  struct gost_httpd_request r;
  memset(&r, 0, sizeof r);
  r.head = req;
  snprintf(r.method, sizeof r.method, "%.*s", (int)req->method.n, req->method.p);
  const char *t = req->target.p, *q = memchr(t, '?', req->target.n);
  size_t pl = q ? (size_t)(q - t) : req->target.n;
  if (q) snprintf(r.query, sizeof r.query, "%.*s", (int)(req->target.n - pl - 1), q + 1);
  if (pct_decode(t, pl, r.path, sizeof r.path, 0) < 0 || r.path[0] != '/') {
    simple_error(c, 400, "bad request target");
    return -1;
  }
  r.body = c->buf + req->f.head_len;
  r.body_len = total - req->f.head_len;
  snprintf(r.client, sizeof r.client, "%s", c->client);
  c->head = !strcmp(r.method, "HEAD");
  double t0 = ev_time();
  int accesslog = c->srv->accesslog;
  c->busy = 1;
  c->srv->handler(c, &r, c->srv->user);
  c->busy = 0;
  if (accesslog) {
    char f[256];
    char ms[32], code[8];
    snprintf(ms, sizeof ms, "%.3f ms", (ev_time() - t0) * 1000.0);
    snprintf(code, sizeof code, "%d", c->sse ? 200 : c->status);
    GOST_LOGF(c->ctx, GOST_LOG_INFO,
              gost__log_fields(f, sizeof f, "kind", "api", "method", r.method, "uri", r.path, "code", code,
                               "client", r.client, "duration", ms, NULL),
              "| %s | %s | %s %s", code, r.client, r.method, r.path);
  }
  if (c->orphan) { /* the response is queued: it leaves, then the connection closes */
    if (c->dead || !c->s) conn_free(c);
    else conn_finish(c);
    return -1;
  }
  return 0;
}

/* Parses and serves as many complete requests as the buffer holds. */
static void process(struct gost_httpd_conn *c) {
  while (c->s && !c->sse && !c->dead && c->len) {
    struct gost_http_req req;
    int rc = gost__httphead_parse_request(c->buf, c->len, &req);
    if (rc == GOST_EAGAIN) {
      if (c->len > GOST__HTTP_MAX_HEAD) return simple_error(c, 431, "request head too large");
      break;
    }
    if (rc != GOST_OK && c->len >= GOST__HTTP_MAX_HEAD) return simple_error(c, 431, "request head too large");
    if (rc != GOST_OK) return simple_error(c, 400, "malformed request");
    if (req.f.chunked) return simple_error(c, 411, "chunked bodies are not accepted: send Content-Length");
    uint64_t blen = req.f.has_content_length ? req.f.content_length : 0;
    if (blen > GOST_HTTPD_BODY_MAX) return simple_error(c, 413, "body too large");
    size_t total = req.f.head_len + (size_t)blen;
    if (c->len < total) break;
    int keep = req.f.keep_alive;
    if (handle_one(c, &req, total) < 0) return;
    if (c->dead) return conn_free(c);
    if (!c->s || c->sse) return;
    if (!keep) return conn_finish(c);
    memmove(c->buf, c->buf + total, c->len - total);
    c->len -= total;
    ev_timer_set(&c->timer, c->len ? GOST_HTTPD_HEAD_TIMEOUT : GOST_HTTPD_IDLE_TIMEOUT, 0.);
    ev_timer_again(c->ctx->loop, &c->timer);
  }
}

static void on_read(gost_stream *s, ssize_t n, const char *data, void *user) {
  struct gost_httpd_conn *c = user;
  if (n < 0) return conn_close(c);
  if (c->sse) return; /* event-stream clients have nothing to say */
  size_t limit = GOST__HTTP_MAX_HEAD + GOST_HTTPD_BODY_MAX + 1;
  if (c->len + (size_t)n > limit) return simple_error(c, 413, "request too large");
  if (c->len + (size_t)n > c->cap) {
    size_t cap = c->cap ? c->cap : 4096;
    while (cap < c->len + (size_t)n) cap *= 2;
    char *nb = gost__realloc(c->ctx, c->buf, cap);
    if (!nb) return conn_close(c);
    c->buf = nb;
    c->cap = cap;
  }
  memcpy(c->buf + c->len, data, (size_t)n);
  if (!c->len) { /* a request started: the head deadline replaces the idle one */
    ev_timer_set(&c->timer, GOST_HTTPD_HEAD_TIMEOUT, 0.);
    ev_timer_again(c->ctx->loop, &c->timer);
  }
  c->len += (size_t)n;
  process(c);
}

static void on_accept(gost_service_t *l, gost_stream *s, const struct gost_conn_info *info) {
  struct gost_httpd *h = l->handler_state;
  struct gost_httpd_conn *c = h->nconns < GOST_HTTPD_CONNS_MAX ? gost__calloc(h->ctx, 1, sizeof *c) : NULL;
  if (!c) {
    GOST_WARN(h->ctx, "%s: connection refused: %zu connections open", l->name, h->nconns);
    gost_stream_close(s);
    return;
  }
  h->nconns++;
  c->srv = h;
  c->ctx = h->ctx;
  c->s = s;
  gost__sockaddr_fmt((const struct sockaddr *)&s->peer, c->client, sizeof c->client);
  gost_list_insert_tail(&h->conns, &c->link);
  ev_init(&c->timer, on_timeout);
  c->timer.repeat = GOST_HTTPD_HEAD_TIMEOUT;
  c->timer.data = c;
  ev_timer_again(h->ctx->loop, &c->timer);
  gost_stream_set_read_cb(s, on_read, c);
  gost_stream_read_start(s);
}

static const struct gost_handler_ops httpd_ops = {"httpd", NULL, on_accept, NULL};

static void on_ping(struct ev_loop *loop, ev_timer *w, int revents) {
  struct gost_httpd *h = w->data;
  struct gost_list *pos, *tmp;
  gost_list_foreach_safe(pos, tmp, &h->sse) {
    struct gost_httpd_conn *c = gost_container_of(pos, struct gost_httpd_conn, link);
    if (gost_stream_write_buf(c->s, ": ping\n\n", 8, NULL, NULL) != GOST_OK) conn_close(c);
  }
}

int gost__httpd_start(struct gost_httpd *h, gost_ctx_t *ctx, const char *name, const char *addr,
                      gost_httpd_handler handler, void *user) {
  h->ctx = ctx;
  h->handler = handler;
  h->user = user;
  h->nconns = 0;
  gost_list_init(&h->conns);
  gost_list_init(&h->sse);
  int rc = gost__private_listen(&h->lsvc, ctx, name, addr, &httpd_ops, h);
  if (rc != GOST_OK) return rc;
  ev_timer_init(&h->ping, on_ping, SSE_PING_S, SSE_PING_S);
  h->ping.data = h;
  return GOST_OK;
}

void gost__httpd_stop(struct gost_httpd *h) {
  if (!h->ctx) return;
  gost__private_close(&h->lsvc);
  ev_timer_stop(h->ctx->loop, &h->ping);
  while (!gost_list_empty(&h->conns)) {
    struct gost_httpd_conn *c = gost_container_of(h->conns.next, struct gost_httpd_conn, link);
    if (!c->busy) {
      conn_free(c);
      continue;
    }
    c->orphan = 1; /* its handler is running (it stopped us): it finishes the connection */
    h->nconns--;
    gost_list_remove(&c->link);
  }
  while (!gost_list_empty(&h->sse)) conn_free(gost_container_of(h->sse.next, struct gost_httpd_conn, link));
  h->ctx = NULL;
}

uint16_t gost__httpd_port(const struct gost_httpd *h) { return h->ctx ? h->lsvc.port : 0; }

void gost__httpd_respond(struct gost_httpd_conn *c, int status, const char *content_type,
                         const char *extra, const char *body, size_t len) {
  c->status = status;
  if (!c->s) return;
  char head[512];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                   "Access-Control-Allow-Origin: *\r\nCache-Control: no-store\r\n%s\r\n",
                   status, gost__httphead_reason(status), content_type, len, extra ? extra : "");
  struct iovec iov[2] = {{head, (size_t)n}, {(void *)body, len}};
  if (gost_stream_write(c->s, iov, len && !c->head ? 2 : 1, NULL, NULL) != GOST_OK) conn_close(c);
}

void gost__httpd_sse_start(struct gost_httpd_conn *c) {
  static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                             "Cache-Control: no-store\r\nAccess-Control-Allow-Origin: *\r\n"
                             "X-Accel-Buffering: no\r\n\r\n: connected\n\n";
  if (!c->s || gost_stream_write_buf(c->s, head, sizeof head - 1, NULL, NULL) != GOST_OK) {
    conn_close(c);
    return;
  }
  c->sse = 1;
  ev_timer_stop(c->ctx->loop, &c->timer);
  gost_list_remove(&c->link);
  gost_list_insert_tail(&c->srv->sse, &c->link);
  if (!ev_is_active(&c->srv->ping)) ev_timer_start(c->ctx->loop, &c->srv->ping);
}

void gost__httpd_sse_broadcast(struct gost_httpd *h, const char *event, const char *data) {
  if (!h->ctx || gost_list_empty(&h->sse)) return;
  char pre[96];
  int n = snprintf(pre, sizeof pre, "event: %s\ndata: ", event);
  struct iovec iov[3] = {{pre, (size_t)n}, {(void *)data, strlen(data)}, {(void *)"\n\n", 2}};
  struct gost_list *pos, *tmp;
  gost_list_foreach_safe(pos, tmp, &h->sse) {
    struct gost_httpd_conn *c = gost_container_of(pos, struct gost_httpd_conn, link);
    /* a reader that does not keep up is dropped rather than buffered without bound */
    if (gost_stream_queued(c->s) > GOST_HTTPD_SSE_QUEUE_MAX ||
        gost_stream_write(c->s, iov, 3, NULL, NULL) != GOST_OK)
      conn_close(c);
  }
}
