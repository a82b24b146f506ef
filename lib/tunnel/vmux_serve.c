/* Multiplexed visitor sessions, server side (docs/tunnel.md "Multiplexed visitor sessions"):
 * a visitor's CONNECT naming the reserved session ID (codec/relay.h) is answered OK with that
 * ID in a Tunnel feature, then the connection carries smux v2 with the visitor as opener.
 * Each stream it opens carries one ordinary relay request, served by the same code as a
 * request on its own connection (authentication, ownership, routing, budgets), except that
 * only tunnel CONNECT is taken there. */
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "tunnel/handshake.h"
#include "tunnel/vmux.h"

struct vmux_accepted {
  struct gost_list link; /* srv->vmux_sessions */
  struct gost_tunnel_server *srv;
  struct gost_mux_session *sess;
  char peer[64];
};

static void on_stream(struct gost_mux_session *m, gost_stream *s, void *user) {
  struct vmux_accepted *a = user;
  gost__tunnel_serve_mux_stream(a->srv, s);
}

static void on_closed(struct gost_mux_session *m, int status, void *user) {
  struct vmux_accepted *a = user;
  GOST_INFO(a->srv->ctx, "visitor session from %s closed (%s)", a->peer, gost_strerror(status));
  gost_list_remove(&a->link);
  a->srv->nvmux--;
  gost__free(a->srv->ctx, a);
}

void gost__hs_vmux(struct gost_hs *h) {
  struct gost_tunnel_server *srv = h->srv;
  if (!srv->vmux) return gost__hs_refuse(h, GOST__RELAY_SERVICE_UNAVAILABLE, "visitor sessions disabled (tunnel.mux=false)");
  size_t nrest = h->len - h->used; /* a visitor that did not wait for our answer */
  uint8_t *rest = nrest ? gost__malloc(srv->ctx, nrest) : NULL;
  struct vmux_accepted *a = gost__calloc(srv->ctx, 1, sizeof *a);
  if (!a || (nrest && !rest)) {
    gost__free(srv->ctx, a);
    gost__free(srv->ctx, rest);
    return gost__hs_refuse(h, GOST__RELAY_INTERNAL_SERVER_ERROR, "out of memory");
  }
  if (nrest) memcpy(rest, h->buf + h->used, nrest);
  struct gost_relay_msg r;
  gost__relay_msg_init(&r);
  r.status = GOST__RELAY_OK;
  r.has_tunnel = 1;
  memcpy(r.tunnel.id, gost__relay_vmux_id, 16);
  uint8_t out[64];
  int n = gost__relay_encode_response(&r, srv->legacy ? GOST__RELAY_ENC_TUNNEL16 : 0, out, sizeof out);
  a->srv = srv;
  gost__tunnel_addr_str(&h->s->peer, a->peer, sizeof a->peer);
  gost_stream *s = gost__hs_take_stream(h);
  if (n < 0 || gost_stream_write_buf(s, out, (size_t)n, NULL, NULL) != GOST_OK) {
    gost__free(srv->ctx, a);
    gost__free(srv->ctx, rest);
    gost_stream_close(s);
    return;
  }
  struct gost_smux_config cfg = srv->vmux_cfg;
  static const struct gost_mux_callbacks cbs = {on_stream, on_closed};
  int rc = gost__mux_session_new(&a->sess, srv->ctx, s, &cfg, rest, nrest, &cbs, a);
  gost__free(srv->ctx, rest);
  if (rc != GOST_OK) {
    GOST_WARN(srv->ctx, "visitor session from %s: %s", a->peer, gost_strerror(rc));
    gost__free(srv->ctx, a);
    return;
  }
  gost_list_insert_tail(&srv->vmux_sessions, &a->link);
  srv->nvmux++;
  GOST_INFO(srv->ctx, "visitor session from %s accepted", a->peer);
}

void gost__vmux_sessions_close(struct gost_tunnel_server *srv) {
  while (!gost_list_empty(&srv->vmux_sessions)) {
    struct vmux_accepted *a = gost_container_of(srv->vmux_sessions.next, struct vmux_accepted, link);
    gost_list_remove(&a->link);
    srv->nvmux--;
    gost__mux_session_close(a->sess);
    gost__free(srv->ctx, a);
  }
}
