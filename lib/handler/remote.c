/* Forward-remote handler ("rtcp"/"rudp"): stream from the tunnel -> optional sniff -> node by
 * host -> dial -> optional PROXY header -> the one relay loop (gost__pipe_start). */
#include "handler/remote.h"

#include <stdio.h>
#include <string.h>

#include "chain/dial.h"
#include "chain/selector.h"
#include "codec/httphead.h"
#include "codec/proxyproto.h"
#include "core/error.h"
#include "core/log.h"
#include "core/meta.h"
#include "handler/remote_sniff.h"
#include "io/pipe.h"

struct remote {
  struct gost_list conns; /* every connection, from accept to the end of its pipe */
  int sniffing;
  uint64_t sniff_timeout_ms;
  int proxy_protocol; /* 0, 1 or 2 */
};

struct rconn {
  struct gost_list link;
  gost_service_t *svc;
  gost_ctx_t *ctx;
  gost_stream *s;
  int udp;
  int http;   /* the sniffer saw HTTP: refusals get a status line */
  char *host; /* routing host ("name:port") or NULL; allocated, as this object lives as long as
               * the connection (idle memory per connection: docs/performance.md) */
  struct gost_remote_sniff *sn; /* only while sniffing */
  struct gost_msg_read *mr;
  struct gost_dial *dial;
  struct gost_node *node;
  struct gost_pipe *pipe; /* once relaying; the handler's stop aborts it */
};

static void sniff_free(struct rconn *c) {
  if (!c->sn) return;
  gost__remote_sniff_cleanup(c->sn);
  gost__free(c->ctx, c->sn);
  c->sn = NULL;
}

static void rconn_free(struct rconn *c, int close_stream) {
  gost_list_remove(&c->link);
  if (c->mr) gost__msg_read_cancel(c->mr);
  if (c->dial) gost__dial_cancel(c->dial);
  if (c->pipe) gost__pipe_abort(c->pipe); /* closes both streams */
  else if (close_stream) gost_stream_close(c->s);
  sniff_free(c);
  gost__free(c->ctx, c->host);
  gost__free(c->ctx, c);
}

static const char *host_of(const struct rconn *c) { return c->host ? c->host : "-"; }

static void on_error_written(gost_stream *s, int status, void *user) {
  (void)s;
  (void)status;
  rconn_free(user, 1);
}

/* HTTP clients get a status line, everything else a plain close. */
static void refuse(struct rconn *c, int http_status) {
  if (c->http) {
    char buf[256];
    size_t n = 0;
    if (gost__httphead_error_response(http_status, 1, buf, sizeof buf, &n) == 0 &&
        gost_stream_write_buf(c->s, buf, n, on_error_written, c) == 0)
      return;
  }
  rconn_free(c, 1);
}

static int write_proxy_header(struct rconn *c, gost_stream *t, int version) {
  struct gost_pp_info pp;
  memset(&pp, 0, sizeof pp);
  pp.version = version;
  gost__sa_to_storage(&c->s->peer, &pp.src);
  gost__sa_to_storage(&t->peer, &pp.dst);
  if (pp.src.ss_family && pp.src.ss_family == pp.dst.ss_family) pp.family = pp.src.ss_family;
  else pp.local = 1;
  uint8_t buf[GOST__PP_V1_MAX + GOST__PP_V2_ENCODED_MAX];
  size_t n = 0;
  int rc = gost__proxyproto_encode(&pp, buf, sizeof buf, &n);
  return rc ? rc : gost_stream_write_buf(t, buf, n, NULL, NULL);
}

static void on_piped(struct gost_pipe *p, int status, uint64_t a_to_b, uint64_t b_to_a, void *user) {
  (void)p;
  struct rconn *c = user;
  GOST_DEBUG(c->ctx, "%s: %s done (%s), %llu bytes to target, %llu back", c->udp ? "rudp" : "rtcp",
             host_of(c), status ? gost_strerror(status) : "ok",
             (unsigned long long)a_to_b, (unsigned long long)b_to_a);
  c->pipe = NULL; /* streams are closed already */
  rconn_free(c, 0);
}

static void on_dialed(gost_ctx_t *ctx, gost_stream *t, int status, void *user) {
  struct rconn *c = user;
  struct remote *h = c->svc->handler_state;
  c->dial = NULL;
  if (status != 0) {
    GOST_WARN(ctx, "%s: dial %s for %s: %s", c->udp ? "rudp" : "rtcp", c->node->addr,
              host_of(c), gost_strerror(status));
    gost__remote_node_failed(c->svc, c->node);
    refuse(c, 503);
    return;
  }
  if (h->proxy_protocol && !c->udp && write_proxy_header(c, t, h->proxy_protocol) != 0) {
    gost_stream_close(t);
    refuse(c, 503);
    return;
  }
  GOST_DEBUG(ctx, "%s: %s -> %s", c->udp ? "rudp" : "rtcp", host_of(c), c->node->addr);
  /* sniffed bytes are still queued in c->s (a replaying stream), so the pipe sends them first */
  struct gost_pipe_opts po = {.datagram = c->udp};
  gost__node_mark_ok(c->node);
  c->pipe = gost__pipe_start(ctx, c->s, t, &po, on_piped, c);
  if (!c->pipe) {
    gost_stream_close(t);
    rconn_free(c, 1);
  }
}

static void route(struct rconn *c) {
  c->node = gost__remote_select(c->svc, c->host ? c->host : "");
  if (!c->node) {
    GOST_WARN(c->ctx, "%s: no node for host %s", c->udp ? "rudp" : "rtcp", host_of(c));
    refuse(c, 502);
    return;
  }
  struct gost_conn_info info = {.host = c->host, .udp = c->udp};
  c->dial = gost__chain_dial(c->ctx, NULL, c->udp ? "udp" : "tcp", c->node->addr, &info, on_dialed, c);
  if (!c->dial) {
    gost__remote_node_failed(c->svc, c->node);
    refuse(c, 503);
  }
}

static void on_sniffed(gost_stream *s, int status, void *user) {
  struct rconn *c = user;
  c->mr = NULL;
  if (status != 0 && status != GOST_ETIMEDOUT) { /* EOF or error before any routing */
    c->s = s;
    rconn_free(c, 1);
    return;
  }
  c->s = s; /* replays every sniffed byte */
  c->http = c->sn->kind == GOST__SNIFF_HTTP;
  if (c->sn->host[0]) {
    char *host = gost__strdup(c->ctx, c->sn->host);
    if (!host) {
      rconn_free(c, 1);
      return;
    }
    gost__free(c->ctx, c->host);
    c->host = host;
  }
  sniff_free(c);
  route(c);
}

static void handle(gost_service_t *svc, gost_stream *s, const struct gost_conn_info *info, int udp) {
  struct remote *h = svc->handler_state;
  struct rconn *c = gost__calloc(svc->ctx, 1, sizeof(*c));
  if (!c) {
    gost_stream_close(s);
    return;
  }
  c->svc = svc;
  c->ctx = svc->ctx;
  c->s = s;
  c->udp = udp || (info && info->udp);
  gost_list_insert_tail(&h->conns, &c->link);
  if (info && info->host && *info->host && !(c->host = gost__strdup(c->ctx, info->host))) {
    rconn_free(c, 1);
    return;
  }
  if (h->sniffing && !c->udp) {
    if (!(c->sn = gost__calloc(c->ctx, 1, sizeof *c->sn))) {
      rconn_free(c, 1);
      return;
    }
    c->mr = gost__remote_sniff(c->ctx, s, h->sniff_timeout_ms, c->sn, on_sniffed, c);
    if (!c->mr) rconn_free(c, 1);
    return;
  }
  route(c);
}

static void rtcp_handle(gost_service_t *svc, gost_stream *s, const struct gost_conn_info *info) {
  handle(svc, s, info, 0);
}
static void rudp_handle(gost_service_t *svc, gost_stream *s, const struct gost_conn_info *info) {
  handle(svc, s, info, 1);
}

static int remote_start(gost_service_t *svc) {
  struct remote *h = gost__calloc(svc->ctx, 1, sizeof(*h));
  if (!h) return gost__error(GOST_ENOMEM, "remote handler");
  gost_list_init(&h->conns);
  h->sniffing = gost__str_bool(gost__service_meta(svc, "sniffing", NULL), 0);
  int64_t t = gost__duration_ms(gost__service_meta(svc, "sniffing.timeout", NULL));
  if (t <= 0) t = gost__duration_ms(gost__service_meta(svc, "readTimeout", NULL));
  h->sniff_timeout_ms = t > 0 ? (uint64_t)t : 15000; /* bounds server-speaks-first waits */
  const char *pp = gost__service_meta(svc, "proxyProtocol", "0");
  h->proxy_protocol = (int)strtol(pp, NULL, 10);
  if (h->proxy_protocol < 0 || h->proxy_protocol > 2) {
    gost__free(svc->ctx, h);
    return gost__error(GOST_ECONFIG, "proxyProtocol must be 0, 1 or 2");
  }
  svc->handler_state = h;
  return 0;
}

static void remote_stop(gost_service_t *svc) {
  struct remote *h = svc->handler_state;
  if (!h) return;
  while (!gost_list_empty(&h->conns)) rconn_free(gost_container_of(h->conns.next, struct rconn, link), 1);
  gost__free(svc->ctx, h);
  svc->handler_state = NULL;
}

const struct gost_handler_ops gost__handler_rtcp = {
    .name = "rtcp", .start = remote_start, .handle = rtcp_handle, .stop = remote_stop};
const struct gost_handler_ops gost__handler_rudp = {
    .name = "rudp", .start = remote_start, .handle = rudp_handle, .stop = remote_stop};
