/* Tunnel connector options and request building, shared by CONNECT and BIND. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "connector/tunnel.h"
#include "core/error.h"
#include "core/log.h"
#include "core/meta.h"

/* Connector metadata first, then node metadata (URL query keys land in both). */
static const char *node_opt(const struct gost_node *node, const char *key) {
  const char *v = gost__meta_str(node->connector_meta, key, NULL);
  return v ? v : gost__meta_str(node->meta, key, NULL);
}

int gost__tunnel_opts(struct gost_node *node, gost_ctx_t *ctx, struct gost_tunnel_opts *out) {
  (void)ctx;
  memset(out, 0, sizeof(*out));
  out->legacy = node->connector && !strcmp(node->connector, "relay");
  const char *id = node_opt(node, "tunnel.id");
  if (!id) id = node_opt(node, "tunnelID");
  if (id && *id) {
    if (gost__uuid_parse(id, strlen(id), out->id) != 0 || gost__uuid_is_zero(out->id))
      return gost__error(GOST_ECONFIG, "tunnel: invalid tunnel.id '%s'", id);
    out->has_id = 1;
  } else if (!out->legacy) {
    /* stock invents an ID at start-up; keep ours on the node so reconnects reuse it */
    uint8_t rnd[GOST__UUID_LEN];
    if (RAND_bytes(rnd, sizeof rnd) != 1) return gost__error(GOST_EIO, "tunnel: no randomness for tunnel.id");
    gost__uuid_v4_from_random(rnd, out->id);
    out->has_id = 1;
    char s[GOST__UUID_STR_LEN + 1];
    gost__uuid_format(out->id, s);
    if (!node->connector_meta) node->connector_meta = json_object();
    if (!node->connector_meta || gost__meta_set(node->connector_meta, "tunnel.id", s) != 0)
      return gost__error(GOST_ENOMEM, "tunnel: storing generated tunnel.id");
    GOST_WARN(ctx, "tunnel: no tunnel.id on node %s: using a random one, %s (as stock; only its "
              "endpoint name or tunnel.direct can reach it)", node->addr ? node->addr : "", s);
  }
  if (out->has_id) gost__uuid_format(out->id, out->id_str);
  const char *w = node_opt(node, "tunnel.weight");
  out->weight = w ? (uint8_t)strtol(w, NULL, 10) : 0;
  const char *mv = node_opt(node, "mux.version");
  out->mux_version = mv ? (int)strtol(mv, NULL, 10) : (out->legacy ? 1 : 2);
  if (out->mux_version != 1 && out->mux_version != 2)
    return gost__error(GOST_ECONFIG, "tunnel: mux.version must be 1 or 2");
  const char *ct = node_opt(node, "connectTimeout");
  int64_t ms = ct ? gost__duration_ms(ct) : -1;
  out->connect_timeout_ms = ms > 0 ? (uint64_t)ms : 10000;
  out->mux = gost__str_bool(node_opt(node, "tunnel.mux"), 0);
  return 0;
}

int gost__tunnel_build_request(const struct gost_node *node, const struct gost_tunnel_opts *o, int cmd,
                               int udp, const char *src, const char *dst, uint8_t *buf, size_t cap) {
  struct gost_relay_msg m;
  gost__relay_msg_init(&m);
  m.cmd = (uint8_t)cmd;
  m.network = udp ? GOST__RELAY_NET_UDP : GOST__RELAY_NET_TCP;
  int rc;
  if (node->user && (rc = gost__relay_msg_set_auth(&m, node->user, node->pass ? node->pass : "")) != 0)
    return rc;
  /* the legacy relay handler takes the last Addr as target: send only the target (§13) */
  if (!o->legacy && src && (rc = gost__relay_msg_add_addr(&m, src)) != 0) return rc;
  /* a 3.0.0-rc client sends a tunnel BIND with the Tunnel feature alone */
  int bare = o->legacy && o->has_id && cmd == GOST__RELAY_CMD_BIND && dst && (!*dst || !strcmp(dst, ":0"));
  if (dst && !bare && (rc = gost__relay_msg_add_addr(&m, dst)) != 0) return rc;
  if (o->has_id) {
    m.has_tunnel = 1;
    memcpy(m.tunnel.id, o->id, GOST__UUID_LEN);
    m.tunnel.weight = o->weight;
  }
  return gost__relay_encode_request(&m, o->legacy ? GOST__RELAY_ENC_TUNNEL16 : 0, buf, cap);
}

void gost__tunnel_sockaddr_str(const gost_sockaddr *a, char *buf, size_t cap) {
  gost__sa_fmt(a, buf, cap);
  if (cap && !*buf) snprintf(buf, cap, "0.0.0.0:0"); /* unknown family */
}
