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
#include "io/later.h"
#include "io/prefixed.h"

/* The CONNECT reply, checked when it arrives: the visitor's first bytes have gone out by then
 * (a 3.0.0-rc server with nodelay off holds its reply until the target speaks, so waiting for
 * it would deadlock client-speaks-first protocols; it also saves a round trip). */
struct visit {
  gost_ctx_t *ctx;
  struct gost_relay_msg resp;
  char target[GOST__RELAY_ADDR_STR_MAX];
};

static int parse_response(const uint8_t *buf, size_t len, void *out, size_t *consumed) {
  return gost__relay_decode_response(buf, len, out, consumed);
}

static int check_response(void *out, void *user) {
  const struct gost_relay_msg *resp = out;
  struct visit *v = user;
  if (resp->status == GOST__RELAY_OK) return GOST_OK;
  GOST_ERROR(v->ctx, "tunnel: connect %s: %s", v->target, gost__relay_status_name(resp->status));
  return gost__error(resp->status == GOST__RELAY_UNAUTHORIZED ? GOST_EAUTH : GOST_EUNREACH,
                     "tunnel: connect %s: %s", v->target, gost__relay_status_name(resp->status));
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

int gost__tunnel_visit(struct gost_node *node, gost_ctx_t *ctx, gost_stream *s, const char *network,
                          const char *addr, const struct gost_conn_info *info, gost_stream_ready_cb cb,
                          void *user) {
  struct gost_tunnel_opts o;
  int rc = gost__tunnel_opts(node, ctx, &o);
  if (rc != 0) return rc;
  int udp = network && !strncmp(network, "udp", 3);
  struct visit *v = gost__calloc(ctx, 1, sizeof(*v));
  if (!v) return gost__error(GOST_ENOMEM, "tunnel: connect");
  v->ctx = ctx;
  target_text(addr ? addr : "", v->target, sizeof v->target);
  /* src: the visitor's own client when known (as stock), else our end of the hop */
  char src[64] = "";
  if (info && gost__sa_family(&info->client)) gost__tunnel_sockaddr_str(&info->client, src, sizeof src);
  if (!*src) gost__tunnel_sockaddr_str(&s->local, src, sizeof src);
  uint8_t req[GOST__RELAY_MSG_MAX];
  int n = gost__tunnel_build_request(node, &o, GOST__RELAY_CMD_CONNECT, udp, *src ? src : "0.0.0.0:0",
                                     v->target, req, sizeof req);
  if (n < 0 || (rc = gost_stream_write_buf(s, req, (size_t)n, NULL, NULL)) != 0) {
    gost__free(ctx, v);
    return n < 0 ? n : gost__error(rc, "tunnel: writing request");
  }
  GOST_DEBUG(ctx, "tunnel: connect %s/%s tunnel=%s", v->target, udp ? "udp" : "tcp",
             o.has_id ? o.id_str : "-");
  struct gost_stream_gate gate = {parse_response, check_response, &v->resp, v, 4 + 65535};
  gost_stream *g = gost__gated_new(ctx, s, &gate);
  if (!g) {
    gost__free(ctx, v);
    return gost__error(GOST_ENOMEM, "tunnel: connect");
  }
  gost_stream *out = udp ? gost__dgramframe_new(ctx, g) : g;
  if (!out) { /* g still owns s: close both through g */
    gost_stream_close(g);
    cb(ctx, NULL, GOST_ENOMEM, user);
    return 0;
  }
  return gost__stream_ready_later(ctx, out, cb, user);
}

const struct gost_connector_ops gost__connector_tunnel = {.name = "tunnel", .connect = gost__tunnel_visit,
                                                         .open = gost__tunnel_mux_open,
                                                         .open_cancel = gost__tunnel_mux_cancel};
/* Same code: node->connector == "relay" switches to 16-byte IDs and a single Addr. */
const struct gost_connector_ops gost__connector_relay = {.name = "relay", .connect = gost__tunnel_visit,
                                                        .open = gost__tunnel_mux_open,
                                                        .open_cancel = gost__tunnel_mux_cancel};
