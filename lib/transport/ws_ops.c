/* "ws"/"wss" listeners and dialers: the WebSocket upgrade, over TLS for wss. */
#include <stdio.h>
#include <string.h>

#include "core/ctx_int.h"
#include "core/error.h"
#include "core/log.h"
#include "transport/tls.h"
#include "core/addr.h"
#include "transport/transport_ops.h"
#include "transport/ws.h"

/* wss: the TLS step's result feeds the WS step; this carries the WS options across. */
struct wss_step {
  gost_stream_ready_cb cb;
  void *user;
  struct gost_ws_opts o;
  char path[512], host[512];
};

static void wss_tls_ready(gost_ctx_t *ctx, gost_stream *s, int status, void *user) {
  struct wss_step *st = user;
  gost_stream_ready_cb cb = st->cb;
  void *cb_user = st->user;
  int rc = status;
  if (status == GOST_OK) {
    st->o.path = st->path;
    st->o.host = st->host;
    rc = gost__ws_wrap(ctx, s, &st->o, cb, cb_user);
    if (rc != GOST_OK) gost_stream_close(s);
  }
  gost__free(ctx, st);
  if (rc != GOST_OK) cb(ctx, NULL, rc, cb_user);
}

static int wss_wrap(gost_ctx_t *ctx, gost_stream *raw, SSL_CTX *sctx, const struct gost_tls_opts *to,
                    const struct gost_ws_opts *wo, gost_stream_ready_cb cb, void *user) {
  struct wss_step *st = gost__calloc(ctx, 1, sizeof *st);
  if (!st) return gost__error(GOST_ENOMEM, "wss: out of memory");
  st->cb = cb;
  st->user = user;
  st->o = *wo;
  snprintf(st->path, sizeof st->path, "%s", wo->path ? wo->path : "/ws");
  snprintf(st->host, sizeof st->host, "%s", wo->host ? wo->host : "");
  int rc = gost__tls_wrap(ctx, raw, sctx, to, wss_tls_ready, st);
  if (rc != GOST_OK) gost__free(ctx, st);
  return rc;
}

static int ws_listen_wrap(gost_service_t *svc, gost_stream *raw, gost_stream_ready_cb cb, void *user) {
  struct gost_ws_opts o;
  gost__ws_opts_from_meta(&o, svc->listener_meta, svc->service_meta, 1);
  return gost__ws_wrap(svc->ctx, raw, &o, cb, user);
}

static int wss_start(gost_service_t *svc) {
  struct gost_tls_opts o;
  gost__tls_opts_from_meta(&o, svc->listener_meta, svc->service_meta, 1, 0);
  SSL_CTX *s = gost__tls_ctx_get(svc->ctx, &o);
  if (!s) return GOST_ECONFIG; /* the caller reports gost_last_error(), once */
  SSL_CTX_free(s);
  return gost__transport_tcp_start(svc);
}

static int wss_listen_wrap(gost_service_t *svc, gost_stream *raw, gost_stream_ready_cb cb, void *user) {
  struct gost_tls_opts to;
  struct gost_ws_opts wo;
  gost__tls_opts_from_meta(&to, svc->listener_meta, svc->service_meta, 1, 0);
  gost__ws_opts_from_meta(&wo, svc->listener_meta, svc->service_meta, 1);
  SSL_CTX *s = gost__tls_ctx_get(svc->ctx, &to);
  if (!s) return GOST_ECONFIG;
  int rc = wss_wrap(svc->ctx, raw, s, &to, &wo, cb, user);
  SSL_CTX_free(s);
  return rc;
}

const struct gost_listener_ops gost__listener_ws = {"ws", gost__transport_tcp_start, gost__transport_tcp_stop, ws_listen_wrap};
const struct gost_listener_ops gost__listener_wss = {"wss", wss_start, gost__transport_tcp_stop, wss_listen_wrap};

static void client_ws_opts(struct gost_node *node, struct gost_ws_opts *o, char *host, size_t cap) {
  gost__ws_opts_from_meta(o, node->dialer_meta, node->meta, 0);
  if (!o->host || !*o->host) {
    snprintf(host, cap, "%s", node->addr ? node->addr : "");
    o->host = host;
  }
}

static int ws_dial_wrap(struct gost_node *node, gost_ctx_t *ctx, gost_stream *raw,
                        gost_stream_ready_cb cb, void *user) {
  struct gost_ws_opts o;
  char host[512];
  client_ws_opts(node, &o, host, sizeof host);
  return gost__ws_wrap(ctx, raw, &o, cb, user);
}

static int wss_dial_wrap(struct gost_node *node, gost_ctx_t *ctx, gost_stream *raw,
                         gost_stream_ready_cb cb, void *user) {
  struct gost_ws_opts wo;
  struct gost_tls_opts to;
  char host[512], sni[256];
  client_ws_opts(node, &wo, host, sizeof host);
  gost__tls_opts_from_meta(&to, node->dialer_meta, node->meta, 0, 0);
  if (!to.server_name || !*to.server_name) {
    uint16_t port_unused;
    if (gost__addr_split(node->addr, sni, sizeof sni, &port_unused)) sni[0] = '\0';
    to.server_name = sni;
  }
  SSL_CTX *s = gost__tls_ctx_get(ctx, &to);
  if (!s) return GOST_ECONFIG;
  int rc = wss_wrap(ctx, raw, s, &to, &wo, cb, user);
  SSL_CTX_free(s);
  return rc;
}

const struct gost_dialer_ops gost__dialer_ws = {"ws", ws_dial_wrap};
const struct gost_dialer_ops gost__dialer_wss = {"wss", wss_dial_wrap};
