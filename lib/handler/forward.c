/* "tcp" and "udp" handlers: local port forwarding (-L tcp://:8080/host:80). Picks a forwarder
 * node, dials it through the service chain (retrying other nodes), then pipes.
 * A "tcp" service with sniffing=true and no nodes dials the sniffed HTTP Host / TLS SNI
 * (port 80 / 443 by default) instead, as stock does: an external tunnel entrypoint is
 * `-L "tcp://:80?sniffing=true" -F "tunnel://server:8443?tunnel.id=<entrypoint.id>"`.
 * With sniffing=true and nodes (the sniffing reverse proxy of GOST's docs), the sniffed host picks
 * the node (`filter.host` or legacy `host`, filter-less nodes as fallback); a host no node takes
 * gets 502 (HTTP) or a close, as stock 3.2.6 does. */
#include <stdio.h>
#include <string.h>

#include "chain/dial.h"
#include "chain/selector.h"
#include "core/error.h"
#include "core/log.h"
#include "core/meta.h"
#include "handler/remote.h"
#include "handler/remote_sniff.h"
#include "io/pipe.h"
#include "handler/handlers.h"
#include "model/stats.h"

#define MAX_TRIES 3

struct fwd_state {
  struct gost_list conns;
  uint64_t idle_ms;         /* pipe idle timeout, 0: none */
  uint64_t sniff_timeout_ms; /* sniffing mode: bound on the wait for Host / SNI */
  int sniffing;              /* tcp with sniffing=true: the sniffed host routes */
};

struct fwd {
  struct gost_list link;
  gost_service_t *svc;
  gost_stream *client;
  struct gost_dial *dial;
  struct gost_pipe *pipe;
  struct gost_node *node;
  struct gost_conn_info info;
  char *host;
  int udp;
  int tries;
  struct gost_msg_read *mr;     /* sniffing mode: the peek in progress */
  struct gost_remote_sniff *sn; /* sniffing mode: the sniffed host (the target when no nodes) */
};

static const char *target(const struct fwd *f) { return f->node ? f->node->addr : f->sn->host; }
static const char *svc_name(const struct fwd *f) { return f->svc->name ? f->svc->name : ""; }

static void fwd_free(struct fwd *f) {
  gost_list_remove(&f->link);
  if (f->mr) gost__msg_read_cancel(f->mr);
  if (f->sn) {
    gost__remote_sniff_cleanup(f->sn);
    gost__free(f->svc->ctx, f->sn);
  }
  gost__free(f->svc->ctx, f->host);
  gost__free(f->svc->ctx, f);
}

static void fwd_fail(struct fwd *f) {
  f->svc->errors++;
  gost_stream_close(f->client);
  gost__service_conn_done(f->svc, 0, 0);
  fwd_free(f);
}

/* HTTP clients of a sniffing service get a status line before the close, as from stock. */
static void refused_sent(gost_stream *s, int status, void *user) {
  (void)s;
  (void)status;
  fwd_fail(user);
}

static void fwd_refuse(struct fwd *f, int code) {
  char resp[96];
  if (!f->sn || f->sn->kind != GOST__SNIFF_HTTP) return fwd_fail(f);
  int n = snprintf(resp, sizeof resp, "HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                   code, code == 502 ? "Bad Gateway" : "Service Unavailable");
  gost_stream_read_stop(f->client);
  if (gost_stream_write_buf(f->client, resp, (size_t)n, refused_sent, f) != GOST_OK) fwd_fail(f);
}

static void on_pipe_done(struct gost_pipe *p, int status, uint64_t a_to_b, uint64_t b_to_a,
                         void *user) {
  (void)p;
  struct fwd *f = user;
  GOST_DEBUG(f->svc->ctx, "%s: %s closed: %s, %llu/%llu bytes", f->svc->name ? f->svc->name : "",
             target(f), status ? gost_strerror(status) : "ok", (unsigned long long)a_to_b,
             (unsigned long long)b_to_a);
  gost__service_conn_done(f->svc, a_to_b, b_to_a);
  fwd_free(f);
}

static void try_dial(struct fwd *f);

static void on_dialed(gost_ctx_t *ctx, gost_stream *s, int status, void *user) {
  struct fwd *f = user;
  f->dial = NULL;
  if (status < 0 && !f->node) { /* sniffed target: nothing else to try */
    GOST_WARN(ctx, "%s: dial %s: %s", svc_name(f), target(f), gost_strerror(status));
    fwd_refuse(f, 503);
    return;
  }
  if (status < 0) {
    gost__node_mark_failed(ctx, f->node);
    GOST_WARN(ctx, "%s: dial %s: %s", f->svc->name ? f->svc->name : "", f->node->addr,
              gost_strerror(status));
    try_dial(f);
    return;
  }
  if (f->node) gost__node_mark_ok(f->node);
  struct fwd_state *st = f->svc->handler_state;
  struct gost_pipe_opts o = {0, 0, st->idle_ms, f->udp};
  f->pipe = gost__pipe_start(ctx, f->client, s, &o, on_pipe_done, f);
  if (!f->pipe) {
    gost_stream_close(s);
    fwd_fail(f);
  }
}

static void try_dial(struct fwd *f) {
  gost_service_t *svc = f->svc;
  size_t max = svc->nnodes < MAX_TRIES ? svc->nnodes : MAX_TRIES;
  while (f->tries < (int)max) {
    f->tries++;
    f->node = f->sn ? gost__remote_select(svc, f->sn->host)
                    : gost__node_select(svc->ctx, svc->nodes, svc->nnodes, &svc->rr, f->host);
    if (!f->node && f->sn && f->tries == 1) {
      GOST_WARN(svc->ctx, "%s: no node for host %s", svc_name(f), f->sn->host[0] ? f->sn->host : "(none)");
      return fwd_refuse(f, 502);
    }
    if (!f->node) break;
    f->dial = gost__chain_dial(svc->ctx, svc->chain, f->udp ? "udp" : "tcp", f->node->addr,
                               &f->info, on_dialed, f);
    if (f->dial) return;
    gost__node_mark_failed(svc->ctx, f->node);
  }
  GOST_WARN(svc->ctx, "%s: no node available", svc_name(f));
  fwd_refuse(f, 503);
}

static void on_sniffed(gost_stream *s, int status, void *user) {
  struct fwd *f = user;
  f->mr = NULL;
  f->client = s; /* replays every sniffed byte */
  if (f->svc->nnodes) { /* sniffing reverse proxy: the host picks the node */
    if (status != 0 && status != GOST_ETIMEDOUT) return fwd_fail(f);
    return try_dial(f);
  }
  if ((status != 0 && status != GOST_ETIMEDOUT) || !f->sn->host[0]) {
    if (status == 0 || status == GOST_ETIMEDOUT)
      GOST_WARN(f->svc->ctx, "%s: sniffing found no host to forward to", f->svc->name ? f->svc->name : "");
    fwd_fail(f);
    return;
  }
  if (gost__service_bypassed(f->svc, f->sn->host)) return fwd_fail(f);
  f->info.host = f->sn->host;
  f->dial = gost__chain_dial(f->svc->ctx, f->svc->chain, "tcp", f->sn->host, &f->info, on_dialed, f);
  if (!f->dial) fwd_fail(f);
}

static void fwd_handle(gost_service_t *svc, gost_stream *s, const struct gost_conn_info *info) {
  struct fwd *f = gost__calloc(svc->ctx, 1, sizeof *f);
  if (!f || (info->host && !(f->host = gost__strdup(svc->ctx, info->host)))) {
    gost__free(svc->ctx, f);
    gost_stream_close(s);
    gost__service_conn_done(svc, 0, 0);
    return;
  }
  struct fwd_state *st = svc->handler_state;
  gost_list_insert_tail(&st->conns, &f->link);
  f->svc = svc;
  f->client = s;
  f->udp = info->udp || !strcmp(svc->handler->name, "udp");
  f->info.host = f->host;
  f->info.udp = f->udp;
  f->info.client = s->peer;
  if (st->sniffing && !f->udp) { /* checked at start: nodes, or sniffing on tcp */
    f->sn = gost__calloc(svc->ctx, 1, sizeof *f->sn);
    if (f->sn) f->mr = gost__remote_sniff(svc->ctx, s, st->sniff_timeout_ms, f->sn, on_sniffed, f);
    if (!f->mr) fwd_fail(f);
    return;
  }
  try_dial(f);
}

static int fwd_start(gost_service_t *svc) {
  int sniffing = gost__str_bool(gost__service_meta(svc, "sniffing", NULL), 0) && svc->handler == &gost__handler_tcp;
  if (svc->nnodes == 0 && !sniffing)
    return gost__error(GOST_ECONFIG, "%s: forward handler needs a target node%s",
                       svc->name ? svc->name : "",
                       svc->handler == &gost__handler_tcp ? " (or sniffing=true)" : "");
  struct fwd_state *st = gost__calloc(svc->ctx, 1, sizeof *st);
  if (!st) return gost__error(GOST_ENOMEM, "out of memory");
  gost_list_init(&st->conns);
  st->sniffing = sniffing;
  const char *idle = gost__service_meta(svc, "idleTimeout", NULL);
  int64_t ms = idle ? gost__duration_ms(idle) : 0;
  st->idle_ms = ms > 0 ? (uint64_t)ms : 0;
  ms = gost__duration_ms(gost__service_meta(svc, "sniffing.timeout", NULL));
  if (ms <= 0) ms = gost__duration_ms(gost__service_meta(svc, "readTimeout", NULL));
  st->sniff_timeout_ms = ms > 0 ? (uint64_t)ms : 15000;
  svc->handler_state = st;
  return GOST_OK;
}

/* Ends every connection of the service: dials cancelled, pipes and clients closed. */
static void fwd_stop(gost_service_t *svc) {
  struct fwd_state *st = svc->handler_state;
  if (!st) return;
  struct gost_list *pos, *tmp;
  gost_list_foreach_safe(pos, tmp, &st->conns) {
    struct fwd *f = gost_container_of(pos, struct fwd, link);
    if (f->pipe) {
      gost__pipe_abort(f->pipe);
    } else {
      if (f->mr) { /* sniffing: the peek owns the reads until cancelled */
        gost__msg_read_cancel(f->mr);
        f->mr = NULL;
      }
      if (f->dial) gost__dial_cancel(f->dial);
      gost_stream_close(f->client);
    }
    gost__service_conn_done(svc, 0, 0);
    fwd_free(f);
  }
  gost__free(svc->ctx, st);
  svc->handler_state = NULL;
}

const struct gost_handler_ops gost__handler_tcp = {"tcp", fwd_start, fwd_handle, fwd_stop};
const struct gost_handler_ops gost__handler_udp = {"udp", fwd_start, fwd_handle, fwd_stop};
