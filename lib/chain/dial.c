/* Chain dial: TCP to the first hop, then per hop its dialer (transport) and its connector
 * (protocol) asking for the next hop's address, the last connector for the target. */
#include "chain/dial.h"

#include <string.h>

#include "chain/selector.h"
#include "core/error.h"
#include "core/log.h"
#include "io/sock.h"

struct gost_dial {
  gost_ctx_t *ctx;
  gost_chain_t *chain;
  int udp;
  char *addr;
  char *info_host;
  struct gost_conn_info info;
  gost_stream_ready_cb cb;
  void *user;
  struct gost_connect *conn; /* first TCP connect or a direct connect */
  size_t hop;
  size_t nhops; /* hops of the route: the chain's, cut short by bypasses */
  struct gost_node *node, *next;
  const struct gost_connector_ops *opener; /* open in flight on a shared carrier (op) */
  void *op;
  int pending;   /* a dialer wrap or connector call is running: it owns the stream */
  int cancelled; /* the caller left: clean up when the pending step returns */
};

static void dial_free(struct gost_dial *d) {
  gost__free(d->ctx, d->addr);
  gost__free(d->ctx, d->info_host);
  gost__free(d->ctx, d);
}

static void deliver(struct gost_dial *d, gost_stream *s, int status) {
  gost_stream_ready_cb cb = d->cb;
  void *user = d->user;
  gost_ctx_t *ctx = d->ctx;
  if (status < 0 && d->chain) d->chain->errors++; /* gost_chain_errors_total{chain} */
  dial_free(d);
  cb(ctx, s, status, user);
}

static int node_carries(const struct gost_node *n, const char *addr) {
  return !n->bypass || !gost__bypass_contains(n->bypass, addr);
}

/* Round robin over the nodes whose bypass lets addr through (all of them, usually). */
static struct gost_node *pick(struct gost_dial *d, size_t hop) {
  struct gost_hop *h = d->chain->hops[hop];
  size_t n = 0;
  for (size_t i = 0; i < h->nnodes; i++) n += node_carries(h->nodes[i], d->addr);
  if (n == h->nnodes) return gost__node_select(d->ctx, h->nodes, h->nnodes, &h->rr, NULL);
  struct gost_node **ok = n ? gost__malloc(d->ctx, n * sizeof *ok) : NULL;
  if (!ok) return NULL;
  n = 0;
  for (size_t i = 0; i < h->nnodes; i++)
    if (node_carries(h->nodes[i], d->addr)) ok[n++] = h->nodes[i];
  struct gost_node *pick = gost__node_select(d->ctx, ok, n, &h->rr, NULL);
  gost__free(d->ctx, ok);
  return pick;
}

/* As stock: the route ends before the first hop that holds addr back (its own bypass, or
 * every node's); the hop before it, or this host, then connects to addr itself. */
static size_t route_len(const gost_chain_t *chain, const char *addr) {
  size_t k = 0;
  for (; k < chain->nhops; k++) {
    const struct gost_hop *h = chain->hops[k];
    if (h->bypass && gost__bypass_contains(h->bypass, addr)) break;
    size_t i = 0;
    while (i < h->nnodes && !node_carries(h->nodes[i], addr)) i++;
    if (i == h->nnodes && h->nnodes) break;
  }
  return k;
}

static void step_wrap(struct gost_dial *d, gost_stream *s);

static void on_connected(gost_ctx_t *ctx, gost_stream *s, int status, void *user) {
  (void)ctx;
  struct gost_dial *d = user;
  d->pending = 0;
  if (d->cancelled) {
    gost_stream_close(s);
    dial_free(d);
    return;
  }
  if (status < 0) {
    deliver(d, NULL, status);
    return;
  }
  if (d->hop + 1 == d->nhops) {
    deliver(d, s, GOST_OK);
    return;
  }
  d->hop++;
  d->node = d->next;
  step_wrap(d, s);
}

static void step_connect(struct gost_dial *d, gost_stream *s) {
  int last = d->hop + 1 == d->nhops;
  const char *cname = d->node->connector ? d->node->connector : "http";
  const struct gost_connector_ops *c = gost__connector_find(cname);
  int rc = GOST_EUNSUPPORTED;
  if (!c) {
    gost__error(rc, "unknown connector '%s'", cname);
  } else if (!last && !(d->next = pick(d, d->hop + 1))) {
    rc = gost__error(GOST_ENOTFOUND, "chain %s: hop %zu has no node", d->chain->name, d->hop + 1);
  } else {
    d->pending = 1;
    rc = c->connect(d->node, d->ctx, s, last ? (d->udp ? "udp" : "tcp") : "tcp",
                    last ? d->addr : d->next->addr, &d->info, on_connected, d);
    if (rc == GOST_OK) return;
    d->pending = 0;
  }
  gost_stream_close(s);
  deliver(d, NULL, rc);
}

static void on_wrapped(gost_ctx_t *ctx, gost_stream *s, int status, void *user) {
  (void)ctx;
  struct gost_dial *d = user;
  d->pending = 0;
  if (d->cancelled) {
    gost_stream_close(s);
    dial_free(d);
    return;
  }
  if (status < 0) {
    gost__node_mark_failed(d->ctx, d->node);
    deliver(d, NULL, status);
    return;
  }
  step_connect(d, s);
}

static void step_wrap(struct gost_dial *d, gost_stream *s) {
  const char *dname = d->node->dialer ? d->node->dialer : "tcp";
  const struct gost_dialer_ops *dl = gost__dialer_find(dname);
  if (!dl) {
    gost_stream_close(s);
    deliver(d, NULL, gost__error(GOST_EUNSUPPORTED, "unknown dialer '%s'", dname));
    return;
  }
  d->pending = 1;
  int rc = dl->wrap(d->node, d->ctx, s, on_wrapped, d);
  if (rc < 0) {
    d->pending = 0;
    gost_stream_close(s);
    deliver(d, NULL, rc);
  }
}

static void on_first(gost_ctx_t *ctx, gost_stream *s, int status, void *user) {
  (void)ctx;
  struct gost_dial *d = user;
  d->conn = NULL;
  if (status < 0) {
    gost__node_mark_failed(d->ctx, d->node);
    GOST_DEBUG(d->ctx, "chain %s: hop 0 %s: %s", d->chain->name ? d->chain->name : "",
               d->node->addr, gost_strerror(status));
    deliver(d, NULL, status);
    return;
  }
  gost__node_mark_ok(d->node);
  step_wrap(d, s);
}

static void on_direct(gost_ctx_t *ctx, gost_stream *s, int status, void *user) {
  (void)ctx;
  struct gost_dial *d = user;
  d->conn = NULL;
  deliver(d, s, status);
}

/* The node's connector carried (or refused to carry) the connection on a shared carrier. */
static void on_opened(gost_ctx_t *ctx, gost_stream *s, int status, void *user) {
  struct gost_dial *d = user;
  d->op = NULL;
  if (status != GOST_EUNSUPPORTED) return deliver(d, s, status);
  if (!(d->conn = gost__tcp_connect(ctx, d->node->addr, on_first, d))) deliver(d, NULL, GOST_EUNREACH);
}

/* A one-hop chain whose connector can share a carrier among connections (tunnel.mux). */
static int try_open(struct gost_dial *d) {
  const struct gost_connector_ops *c = gost__connector_find(d->node->connector ? d->node->connector : "http");
  if (d->nhops != 1 || !c || !c->open) return 0;
  if (c->open(d->node, d->ctx, d->udp ? "udp" : "tcp", d->addr, &d->info, on_opened, d, &d->op) != GOST_OK) {
    d->op = NULL;
    return 0;
  }
  d->opener = c;
  return 1;
}

struct gost_dial *gost__chain_dial(gost_ctx_t *ctx, gost_chain_t *chain, const char *network,
                                   const char *addr, const struct gost_conn_info *info,
                                   gost_stream_ready_cb cb, void *user) {
  if (!addr || !network || (strcmp(network, "tcp") && strcmp(network, "udp"))) {
    gost__error(GOST_EINVAL, "dial: bad network or address");
    return NULL;
  }
  struct gost_dial *d = gost__calloc(ctx, 1, sizeof *d);
  if (!d || !(d->addr = gost__strdup(ctx, addr)) ||
      (info && info->host && !(d->info_host = gost__strdup(ctx, info->host)))) {
    if (d) dial_free(d);
    gost__error(GOST_ENOMEM, "out of memory");
    return NULL;
  }
  d->ctx = ctx;
  d->nhops = chain ? route_len(chain, addr) : 0;
  d->chain = d->nhops ? chain : NULL;
  if (chain && chain->nhops && d->nhops < chain->nhops)
    GOST_DEBUG(ctx, "chain %s: %s bypasses hop %zu and after", chain->name ? chain->name : "", addr, d->nhops);
  d->udp = !strcmp(network, "udp");
  d->info.host = d->info_host;
  d->info.udp = info ? info->udp : d->udp;
  if (info) d->info.client = info->client;
  d->cb = cb;
  d->user = user;
  if (!d->chain) {
    d->conn = gost__connect(ctx, addr, d->udp, 0, on_direct, d);
  } else if ((d->node = pick(d, 0)) != NULL) {
    if (try_open(d)) return d;
    d->conn = gost__tcp_connect(ctx, d->node->addr, on_first, d);
  } else {
    gost__error(GOST_ENOTFOUND, "chain %s: hop 0 has no node", chain->name ? chain->name : "");
  }
  if (!d->conn) {
    dial_free(d);
    return NULL;
  }
  return d;
}

void gost__dial_cancel(struct gost_dial *d) {
  if (!d) return;
  if (d->pending) {
    d->cancelled = 1; /* the running wrap/connect still owns the stream */
    return;
  }
  if (d->op) d->opener->open_cancel(d->op);
  gost__connect_cancel(d->conn);
  dial_free(d);
}
