/* A small HTTP/1.1 server on the context's loop for the web API and metrics: heads parsed by
 * the shared codec (codec/httphead.c), bounded heads (16 KiB) and bodies (1 MiB, Content-Length
 * only), head and idle timeouts, keep-alive, pipelining one request at a time, and long-lived
 * Server-Sent Events responses. Handlers answer synchronously on the loop thread. */
#ifndef GOST_ADMIN_HTTP_H
#define GOST_ADMIN_HTTP_H

#include "codec/httphead.h"
#include "core/list.h"
#include "model/private.h"

#define GOST_HTTPD_BODY_MAX (1024 * 1024)
#define GOST_HTTPD_HEAD_TIMEOUT 10.0 /* s to send a complete request */
#define GOST_HTTPD_IDLE_TIMEOUT 60.0 /* s a keep-alive connection may stay idle */
#define GOST_HTTPD_SSE_QUEUE_MAX (1024 * 1024) /* a slow SSE reader beyond this is dropped */
#define GOST_HTTPD_CONNS_MAX 256 /* connections (event streams included) per server */

struct gost_httpd;
struct gost_httpd_conn;

struct gost_httpd_request {
  const struct gost_http_req *head;
  char method[16];
  char path[1024];  /* percent-decoded, without the query */
  char query[1024]; /* raw, without '?' */
  const char *body;
  size_t body_len;
  char client[64]; /* "ip:port" */
};

typedef void (*gost_httpd_handler)(struct gost_httpd_conn *c, const struct gost_httpd_request *r,
                                   void *user);

struct gost_httpd {
  gost_ctx_t *ctx;
  struct gost_service lsvc; /* private tcp listener */
  gost_httpd_handler handler;
  void *user;
  int accesslog;
  struct gost_list conns;
  struct gost_list sse; /* connections turned into event streams */
  size_t nconns;        /* both lists */
  ev_timer ping;        /* SSE keep-alive comments */
};

int gost__httpd_start(struct gost_httpd *h, gost_ctx_t *ctx, const char *name, const char *addr,
                      gost_httpd_handler handler, void *user);
/* Closes the listener and every connection. */
void gost__httpd_stop(struct gost_httpd *h);
uint16_t gost__httpd_port(const struct gost_httpd *h);

/* Sends a complete response (Content-Length framed). extra: NULL or header lines, each ending
 * in CRLF. */
void gost__httpd_respond(struct gost_httpd_conn *c, int status, const char *content_type,
                         const char *extra, const char *body, size_t len);
/* Turns the connection into an event stream (text/event-stream); it stays open. */
void gost__httpd_sse_start(struct gost_httpd_conn *c);
/* Sends "event: <event>\ndata: <data>\n\n" to every event-stream connection. */
void gost__httpd_sse_broadcast(struct gost_httpd *h, const char *event, const char *data);

/* Value of query parameter key (decoded) into out; 1 if present. */
int gost__httpd_query(const struct gost_httpd_request *r, const char *key, char *out, size_t cap);
/* Basic credentials of the request; 1 if an Authorization: Basic header decoded. */
int gost__httpd_basic_auth(const struct gost_httpd_request *r, char *user, size_t ucap, char *pass,
                           size_t pcap);

#endif
