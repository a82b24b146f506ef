/* Remote forwarding through a chain's last node (see bind.h). */
#include "connector/bind.h"

#include <stdio.h>
#include <string.h>

#include "connector/socks5.h"
#include "connector/tunnel_int.h"
#include "core/ctx_int.h"
#include "core/error.h"
#include "core/log.h"
#include "core/meta.h"

struct gost_bind_op {
  gost_ctx_t *ctx;
  struct gost_tunnel_op *top; /* tunnel BIND, or the plain relay exchange */
  int plain;                  /* top's user is this op (the exchange frees it on cancel) */
  struct gost_socks5_op *sop;
  int udp;
  int mux_version;
  gost_tunnel_bind_cb cb;
  void *user;
};

static void finish(struct gost_bind_op *op, gost_stream *s, int status, struct gost_tunnel_bind_info *bi) {
  gost_tunnel_bind_cb cb = op->cb;
  void *u = op->user;
  if (status == 0) {
    bi->mux_version = op->mux_version;
    GOST_INFO(op->ctx, "bind on %s/%s OK", bi->addr, op->udp ? "udp" : "tcp");
  }
  gost__free(op->ctx, op);
  cb(s, status, status == 0 ? bi : NULL, u);
}

/* ---- tunnel BIND: already complete, only tagged ---- */

static void tunnel_done(gost_stream *s, int status, const struct gost_tunnel_bind_info *bi, void *user) {
  struct gost_bind_op *op = user;
  gost_tunnel_bind_cb cb = op->cb;
  void *u = op->user;
  gost__free(op->ctx, op);
  struct gost_tunnel_bind_info copy;
  if (bi) {
    copy = *bi;
    copy.hdr = GOST__BIND_HDR_RELAY;
    copy.dgram = 0;
  }
  cb(s, status, bi ? &copy : NULL, u);
}

/* ---- plain relay BIND ---- */

static void relay_done(struct gost_tunnel_op *top, gost_stream *s, int status,
                       const struct gost_relay_msg *resp, void *user) {
  (void)top;
  struct gost_bind_op *op = user;
  struct gost_tunnel_bind_info bi;
  memset(&bi, 0, sizeof bi);
  if (status == 0 && resp->status != GOST__RELAY_OK)
    status = gost__error(resp->status == GOST__RELAY_UNAUTHORIZED ? GOST_EAUTH : GOST_EUNREACH,
                         "relay: bind refused: %s", gost__relay_status_name(resp->status));
  if (status != 0) {
    GOST_ERROR(op->ctx, "relay: bind: %s", gost_last_error());
  } else if (resp->naddr) {
    gost__relay_addr_format(&resp->addr[0], bi.addr, sizeof bi.addr);
    memcpy(bi.endpoint, resp->addr[0].host, resp->addr[0].host_len + 1);
  }
  bi.hdr = GOST__BIND_HDR_RELAY;
  bi.dgram = op->udp;
  finish(op, s, status, &bi);
}

static int relay_bind(struct gost_bind_op *op, struct gost_node *node, const struct gost_tunnel_opts *o,
                      gost_stream *s, const char *addr) {
  uint8_t req[GOST__RELAY_MSG_MAX];
  int n = gost__tunnel_build_request(node, o, GOST__RELAY_CMD_BIND, op->udp, NULL, addr, req, sizeof req);
  if (n < 0) return n;
  op->plain = 1;
  op->top = gost__tunnel_exchange(op->ctx, s, req, (size_t)n, o->connect_timeout_ms, relay_done, op);
  return op->top ? GOST_OK : GOST_EIO;
}

/* ---- SOCKS5 MUX BIND / UDP-over-TCP ---- */

static void socks5_done(gost_stream *s, int status, const struct gost_socks5_msg *rep, void *user) {
  struct gost_bind_op *op = user;
  struct gost_tunnel_bind_info bi;
  memset(&bi, 0, sizeof bi);
  if (status == 0) {
    struct sockaddr_storage ss;
    socklen_t len;
    if (rep->addr.atyp == GOST__SOCKS5_ATYP_DOMAIN) {
      snprintf(bi.endpoint, sizeof bi.endpoint, "%s", rep->addr.host);
      snprintf(bi.addr, sizeof bi.addr, "%s:%u", rep->addr.host, rep->addr.port);
    } else if (gost__socks5_addr_to_sockaddr(&rep->addr, &ss, &len) == GOST_OK) {
      gost__sockaddr_fmt((const struct sockaddr *)&ss, bi.addr, sizeof bi.addr);
      const char *colon = strrchr(bi.addr, ':');
      size_t hl = colon ? (size_t)(colon - bi.addr) : 0;
      snprintf(bi.endpoint, sizeof bi.endpoint, "%.*s", (int)hl, bi.addr);
    }
  }
  bi.hdr = GOST__BIND_HDR_SOCKS5;
  bi.dgram = op->udp;
  finish(op, s, status, &bi);
}

struct gost_bind_op *gost__connector_bind(struct gost_node *node, gost_ctx_t *ctx, gost_stream *s,
                                          int udp, const char *bind_addr, gost_tunnel_bind_cb cb,
                                          void *user) {
  const char *c = node->connector ? node->connector : "";
  int is_socks = !strcmp(c, "socks5") || !strcmp(c, "socks");
  if (strcmp(c, "tunnel") && strcmp(c, "relay") && !is_socks) {
    gost__error(GOST_EUNSUPPORTED, "connector \"%s\" cannot bind (use tunnel, relay or socks5)", c);
    return NULL;
  }
  struct gost_bind_op *op = gost__calloc(ctx, 1, sizeof *op);
  if (!op) {
    gost__error(GOST_ENOMEM, "bind");
    return NULL;
  }
  op->ctx = ctx;
  op->udp = udp;
  op->cb = cb;
  op->user = user;
  const char *addr = bind_addr ? bind_addr : ":0";
  struct gost_tunnel_opts o;
  int rc = GOST_OK;
  if (!is_socks && (rc = gost__tunnel_opts(node, ctx, &o)) == GOST_OK && o.has_id) {
    if (!(op->top = gost__tunnel_bind(node, ctx, s, udp, addr, tunnel_done, op))) rc = GOST_EIO;
  } else if (!is_socks && rc == GOST_OK) {
    op->mux_version = o.mux_version; /* relay: smux v1 unless mux.version says otherwise */
    rc = relay_bind(op, node, &o, s, addr);
  } else if (is_socks) {
    const char *mv = gost__meta_str(node->connector_meta, "mux.version", NULL);
    op->mux_version = mv && !strcmp(mv, "2") ? 2 : 1;
    char a[GOST__RELAY_ADDR_STR_MAX];
    snprintf(a, sizeof a, "%s%s", addr[0] == ':' ? "0.0.0.0" : "", addr); /* ":2222": all interfaces */
    op->sop = gost__socks5_request(node, ctx, s, udp ? GOST__SOCKS5_CMD_UDP_TUN : GOST__SOCKS5_CMD_MUX_BIND,
                                   a, socks5_done, op);
    if (!op->sop) rc = GOST_EIO;
  }
  if (rc != GOST_OK) {
    gost__free(ctx, op);
    return NULL;
  }
  return op;
}

void gost__bind_op_cancel(struct gost_bind_op *op) {
  if (!op) return;
  gost_ctx_t *ctx = op->ctx;
  if (op->sop) gost__socks5_op_cancel(op->sop);
  if (op->top) gost__tunnel_op_cancel(op->top); /* frees op too when plain */
  if (!op->plain) gost__free(ctx, op);
}
