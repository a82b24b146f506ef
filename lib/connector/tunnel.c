/* Connectors "tunnel" and legacy "relay": the visitor side (wire-spec §4.5, §6, §13). One
 * CONNECT per local connection, one Response, then the stream carries the target's bytes
 * (framing (A) datagrams for udp). */
#include <stdio.h>
#include <string.h>

#include "connector/tunnel_int.h"
#include "core/ctx_int.h"
#include "core/error.h"
#include "core/log.h"
#include "io/dgramframe.h"

struct visit {
  gost_ctx_t *ctx;
  int udp;
  gost_stream_ready_cb cb;
  void *user;
  char target[GOST__RELAY_ADDR_STR_MAX];
};

static void visit_done(struct gost_tunnel_op *op, gost_stream *s, int status,
                       const struct gost_relay_msg *resp, void *user) {
  (void)op;
  struct visit *v = user;
  gost_ctx_t *ctx = v->ctx;
  if (status == 0 && resp->status != GOST__RELAY_OK) {
    GOST_ERROR(ctx, "tunnel: connect %s: %s", v->target, gost__relay_status_name(resp->status));
    status = resp->status == GOST__RELAY_UNAUTHORIZED ? GOST_EAUTH : GOST_EUNREACH;
    gost__error(status, "tunnel: connect %s: %s", v->target, gost__relay_status_name(resp->status));
  } else if (status != 0) {
    GOST_ERROR(ctx, "tunnel: connect %s: %s", v->target, gost_strerror(status));
  }
  if (status == 0 && v->udp) {
    gost_stream *d = gost__dgramframe_new(ctx, s);
    if (d) s = d;
    else status = GOST_ENOMEM;
  }
  gost_stream_ready_cb cb = v->cb;
  void *u = v->user;
  gost__free(ctx, v);
  if (status != 0) {
    gost_stream_close(s);
    s = NULL;
  }
  cb(ctx, s, status, u);
}

/* Target text as stock sends it: a bare host gets ":0" (relay_addr_from_string does that when
 * no port parses, so only IPv6 literals need care). */
static void target_text(const char *addr, char *out, size_t cap) {
  const char *h, *p;
  size_t hl, pl;
  if (gost__hostport_split(addr, strlen(addr), &h, &hl, &p, &pl) == 0) snprintf(out, cap, "%s", addr);
  else if (strchr(addr, ':')) snprintf(out, cap, "[%s]:0", addr);
  else snprintf(out, cap, "%s:0", addr);
}

static int tunnel_connect(struct gost_node *node, gost_ctx_t *ctx, gost_stream *s, const char *network,
                          const char *addr, const struct gost_conn_info *info, gost_stream_ready_cb cb,
                          void *user) {
  (void)info;
  struct gost_tunnel_opts o;
  int rc = gost__tunnel_opts(node, ctx, &o);
  if (rc != 0) return rc;
  int udp = network && !strncmp(network, "udp", 3);
  struct visit *v = gost__calloc(ctx, 1, sizeof(*v));
  if (!v) return gost__error(GOST_ENOMEM, "tunnel: connect");
  v->ctx = ctx;
  v->udp = udp;
  v->cb = cb;
  v->user = user;
  target_text(addr ? addr : "", v->target, sizeof v->target);
  /* the local client's address is not known here; 0.0.0.0:0 is what §4.3 allows */
  uint8_t req[GOST__RELAY_MSG_MAX];
  int n = gost__tunnel_build_request(node, &o, GOST__RELAY_CMD_CONNECT, udp, "0.0.0.0:0", v->target, req,
                                     sizeof req);
  if (n < 0) {
    gost__free(ctx, v);
    return n;
  }
  GOST_DEBUG(ctx, "tunnel: connect %s/%s tunnel=%s", v->target, udp ? "udp" : "tcp",
             o.has_id ? o.id_str : "-");
  if (!gost__tunnel_exchange(ctx, s, req, (size_t)n, o.connect_timeout_ms, visit_done, v)) {
    gost__free(ctx, v);
    return GOST_EIO;
  }
  return 0;
}

const struct gost_connector_ops gost__connector_tunnel = {.name = "tunnel", .connect = tunnel_connect};
/* Same code: node->connector == "relay" switches to 16-byte IDs and a single Addr. */
const struct gost_connector_ops gost__connector_relay = {.name = "relay", .connect = tunnel_connect};
