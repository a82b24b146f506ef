/* "http" handler: an HTTP/1.x forward proxy. CONNECT host:port gets "200 Connection
 * established" and a raw tunnel; an absolute-form request ("GET http://host/path") is sent to
 * host in origin form without the Proxy-* headers and with "Connection: close" (one request per
 * connection: the rest of the client connection is relayed as is). Basic Proxy-Authorization is
 * checked against the service credentials. */
#include <string.h>

#include "codec/httpproxy.h"
#include "core/error.h"
#include "core/log.h"
#include "handler/proxy.h"
#include "handler/handlers.h"

/* Head parser for msg_read: keeps a private copy of the head, since the read buffer is gone
 * once the read completes. */
static int parse_head(const uint8_t *buf, size_t len, void *out, size_t *consumed) {
  struct gost_proxy_conn *pc = out;
  struct gost_http_req req;
  int rc = gost__httphead_parse_request((const char *)buf, len, &req);
  if (rc != 0) return rc;
  pc->head = gost__malloc(pc->svc->ctx, req.f.head_len);
  if (!pc->head) return GOST_ENOMEM;
  memcpy(pc->head, buf, req.f.head_len);
  pc->head_len = req.f.head_len;
  *consumed = req.f.head_len;
  return GOST_OK;
}

static void reply_status(struct gost_proxy_conn *pc, int status, int minor) {
  char buf[256];
  size_t n = 0;
  if (gost__httphead_error_response(status, minor, buf, sizeof buf, &n) != 0) n = 0;
  gost__proxy_reply_close(pc, buf, n);
}

static void on_dialed(struct gost_proxy_conn *pc, gost_stream *s, int status) {
  struct gost_http_req req;
  struct gost_httpproxy_req pr;
  /* the head parsed before; parse again for slices into pc->head */
  gost__httphead_parse_request(pc->head, pc->head_len, &req);
  gost__httpproxy_analyze(&req, &pr);
  if (status < 0) {
    reply_status(pc, status == GOST_EDENIED ? 403 : 502, req.f.version_minor); /* 403: bypass, as stock */
    return;
  }
  char out[GOST__HTTP_MAX_HEAD + 512];
  size_t n = 0;
  int rc;
  if (pr.is_connect) {
    rc = gost__httpproxy_connect_ok(req.f.version_minor, out, sizeof out, &n);
    if (rc == 0) rc = gost_stream_write_buf(pc->client, out, n, NULL, NULL);
  } else {
    static const char *const drop[] = {"Proxy-Authorization", "Proxy-Connection", "Connection",
                                       "Keep-Alive"};
    struct gost_http_header add[2] = {{{"Connection", 10}, {"close", 5}}};
    size_t nadd = 1;
    if (!req.has_host) { /* HTTP/1.0 clients may omit it; the origin server wants it */
      add[1].name = (struct gost_http_slice){"Host", 4};
      add[1].value = (struct gost_http_slice){pc->target, strlen(pc->target)};
      nadd = 2;
    }
    struct gost_http_edit ed = {drop, sizeof drop / sizeof drop[0], add, nadd, pr.path};
    rc = gost__httphead_write_request(&req, &ed, out, sizeof out, &n);
    if (rc == GOST_EPROTO) { /* 100 headers and no Connection among them: ours would be 101 */
      GOST_WARN(s->ctx, "http: request head too large to forward with our headers");
      gost_stream_close(s);
      reply_status(pc, 431, req.f.version_minor);
      return;
    }
    if (rc == 0) rc = gost_stream_write_buf(s, out, n, NULL, NULL);
  }
  if (rc != 0) {
    gost_stream_close(s);
    reply_status(pc, 502, req.f.version_minor);
    return;
  }
  gost__proxy_pipe(pc, s);
}

static int parse_proxy_head(struct gost_proxy_conn *pc, struct gost_http_req *req,
                            struct gost_httpproxy_req *pr) {
  return gost__httphead_parse_request(pc->head, pc->head_len, req) == 0 &&
         gost__httpproxy_analyze(req, pr) == 0;
}

static void on_auth(struct gost_auth_query *q, int ok);

/* 407 with the realm, then close. */
static void auth_refused(struct gost_proxy_conn *pc, const struct gost_http_req *req,
                         const struct gost_httpproxy_req *pr) {
  const char *user_ = pr->auth == GOST__HTTPPROXY_AUTH_BASIC ? pr->user : NULL;
  struct gost_proxy_state *st = pc->svc->handler_state;
  char out[512];
  size_t n = 0;
  GOST_WARN(pc->svc->ctx, "http: proxy authentication failed for %s", user_ ? user_ : "(none)");
  if (gost__httpproxy_407(st->realm, req->f.version_minor, out, sizeof out, &n) != 0)
    gost__httpproxy_407("gost", req->f.version_minor, out, sizeof out, &n);
  gost__proxy_reply_close(pc, out, n);
}

static void on_head(gost_stream *s, int status, void *user) {
  struct gost_proxy_conn *pc = user;
  pc->mr = NULL;
  pc->client = s;
  if (status == GOST_ECLOSED || status == GOST_ETIMEDOUT || status == GOST_ENOMEM) {
    GOST_DEBUG(s->ctx, "http: request head: %s", gost_strerror(status));
    gost__proxy_conn_end(pc);
    return;
  }
  struct gost_http_req req;
  struct gost_httpproxy_req pr;
  if (status < 0 || !parse_proxy_head(pc, &req, &pr)) {
    reply_status(pc, 400, 1);
    return;
  }
  const char *user_ = pr.auth == GOST__HTTPPROXY_AUTH_BASIC ? pr.user : NULL;
  if (pr.auth == GOST__HTTPPROXY_AUTH_INVALID) return auth_refused(pc, &req, &pr);
  gost_stream_read_stop(s); /* the head is complete; nothing more is read until the answer */
  gost__service_auth(pc->svc, &pc->auth, user_, pr.pass, on_auth, pc);
}

/* The request head again (pc->head is kept; the parse is pure and cheap), after the check. */
static void on_auth(struct gost_auth_query *q, int ok) {
  struct gost_proxy_conn *pc = q->data;
  struct gost_http_req req;
  struct gost_httpproxy_req pr;
  parse_proxy_head(pc, &req, &pr); /* succeeded before the check */
  if (!ok) return auth_refused(pc, &req, &pr);
  if (gost__proxy_set_target(pc, pr.host.p, pr.host.n, pr.port) != 0) {
    reply_status(pc, 400, req.f.version_minor);
    return;
  }
  gost__proxy_dial(pc, on_dialed);
}

void gost__http_proxy_begin(struct gost_proxy_conn *pc) {
  struct gost_proxy_state *st = pc->svc->handler_state;
  /* one byte over the head limit so that an oversize head is an error, not a stall */
  pc->mr = gost__msg_read(pc->svc->ctx, pc->client, GOST__HTTP_MAX_HEAD + 1, st->read_ms,
                          parse_head, pc, on_head, pc);
  if (!pc->mr) gost__proxy_conn_end(pc);
}

static void http_handle(gost_service_t *svc, gost_stream *s, const struct gost_conn_info *info) {
  (void)info;
  struct gost_proxy_conn *pc = gost__proxy_conn_new(svc, s);
  if (pc) gost__http_proxy_begin(pc);
}

const struct gost_handler_ops gost__handler_http = {"http", gost__proxy_start, http_handle,
                                                    gost__proxy_stop};
