/* BIND: registers an rtcp/rudp service with a tunnel server (wire-spec §4.2, §7.1). */
#include <stdio.h>
#include <string.h>

#include "connector/tunnel_int.h"
#include "core/ctx_int.h"
#include "core/error.h"
#include "core/log.h"

struct bind {
  gost_ctx_t *ctx;
  int udp;
  struct gost_tunnel_opts o;
  gost_tunnel_bind_cb cb;
  void *user;
  struct gost_tunnel_op *op;
};

static void bind_done(struct gost_tunnel_op *op, gost_stream *s, int status,
                      const struct gost_relay_msg *resp, void *user) {
  (void)op;
  struct bind *b = user;
  gost_ctx_t *ctx = b->ctx;
  struct gost_tunnel_bind_info bi;
  memset(&bi, 0, sizeof bi);
  if (status == 0 && resp->status != GOST__RELAY_OK) {
    GOST_ERROR(ctx, "tunnel: bind: %s", gost__relay_status_name(resp->status));
    status = gost__error(resp->status == GOST__RELAY_UNAUTHORIZED ? GOST_EAUTH : GOST_EUNREACH,
                         "tunnel: bind: %s", gost__relay_status_name(resp->status));
  } else if (status == 0 && resp->naddr < 1) {
    /* stock servers always send it; without it there is no endpoint to report */
    status = gost__error(GOST_EPROTO, "tunnel: bind response without address");
  } else if (status != 0) {
    GOST_ERROR(ctx, "tunnel: bind: %s", gost_strerror(status));
  }
  if (status == 0) {
    gost__relay_addr_format(&resp->addr[0], bi.addr, sizeof bi.addr);
    memcpy(bi.endpoint, resp->addr[0].host, resp->addr[0].host_len + 1);
    memcpy(bi.tunnel_id, b->o.id_str, sizeof bi.tunnel_id);
    if (resp->has_tunnel) gost__uuid_format(resp->tunnel.id, bi.connector_id);
    bi.weight = b->o.weight;
    bi.mux_version = b->o.mux_version;
    char f[512];
    GOST_LOGF(ctx, GOST_LOG_INFO,
              gost__log_fields(f, sizeof f, "tunnel", bi.tunnel_id, "connector", bi.connector_id,
                               "endpoint", bi.endpoint, NULL),
              "create tunnel on %s/%s OK, tunnel=%s, connector=%s, weight=%d, endpoint=%s", bi.addr,
              b->udp ? "udp" : "tcp", bi.tunnel_id, bi.connector_id, bi.weight, bi.endpoint);
  }
  gost_tunnel_bind_cb cb = b->cb;
  void *u = b->user;
  gost__free(ctx, b);
  cb(s, status, status == 0 ? &bi : NULL, u);
}

struct gost_tunnel_op *gost__tunnel_bind(struct gost_node *node, gost_ctx_t *ctx, gost_stream *s,
                                         int udp, const char *bind_addr, gost_tunnel_bind_cb cb,
                                         void *user) {
  struct bind *b = gost__calloc(ctx, 1, sizeof(*b));
  if (!b) {
    gost__error(GOST_ENOMEM, "tunnel: bind");
    return NULL;
  }
  if (gost__tunnel_opts(node, ctx, &b->o) != 0) {
    gost__free(ctx, b);
    return NULL;
  }
  b->ctx = ctx;
  b->udp = udp;
  b->cb = cb;
  b->user = user;
  char src[64];
  gost__tunnel_sockaddr_str(&s->local, src, sizeof src);
  uint8_t req[GOST__RELAY_MSG_MAX];
  int n = gost__tunnel_build_request(node, &b->o, GOST__RELAY_CMD_BIND, udp, src,
                                     bind_addr ? bind_addr : ":0", req, sizeof req);
  if (n < 0) {
    gost__free(ctx, b);
    return NULL;
  }
  struct gost_tunnel_op *op = gost__tunnel_exchange(ctx, s, req, (size_t)n, b->o.connect_timeout_ms,
                                                    bind_done, b);
  if (!op) gost__free(ctx, b);
  return op;
}
