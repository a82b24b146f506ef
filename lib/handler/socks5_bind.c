/* GOST's SOCKS5 extensions for remote port forwarding (bind=true on the handler): MUX BIND
 * (0xF2) serves a TCP port over the control connection as smux streams, UDP-over-TCP (0xF3)
 * with a non-zero port serves a UDP port in framing (B). See handler/bindsrv.h. */
#include <arpa/inet.h>
#include <string.h>

#include "core/addr.h"
#include "core/error.h"
#include "core/log.h"
#include "core/meta.h"
#include "handler/bindsrv.h"
#include "handler/proxy.h"

static void bindsrv_free(void *b) { gost__bindsrv_free(b); }

static void on_bind_done(struct gost_bindsrv *b, void *user) {
  (void)b;
  gost__proxy_conn_end(user);
}

/* The requested address as listen text: a wildcard IP listens on every interface. */
static int listen_text(const struct gost_socks5_addr *a, char *out, size_t cap) {
  char host[GOST__SOCKS5_NAME_MAX + 1] = "";
  static const uint8_t zero[16];
  if (a->atyp == GOST__SOCKS5_ATYP_DOMAIN) snprintf(host, sizeof host, "%s", a->host);
  else if (a->atyp == GOST__SOCKS5_ATYP_IPV4 && memcmp(a->ip, zero, 4))
    inet_ntop(AF_INET, a->ip, host, sizeof host);
  else if (a->atyp == GOST__SOCKS5_ATYP_IPV6 && memcmp(a->ip, zero, 16))
    inet_ntop(AF_INET6, a->ip, host, sizeof host);
  return gost__addr_join(out, cap, host, a->port);
}

int gost__socks5_bind_addr(struct gost_proxy_conn *pc, char *addr, size_t cap) {
  gost_service_t *svc = pc->svc;
  if (!gost__str_bool(gost__service_meta(svc, "bind", NULL), 0)) {
    GOST_WARN(svc->ctx, "socks5: BIND is disabled (set bind=true)");
    gost__socks5_reply(pc, GOST__SOCKS5_REP_NOT_ALLOWED, NULL, 1);
    return GOST_EUNSUPPORTED;
  }
  if (listen_text(&pc->s5.req.addr, addr, cap) < 0) {
    GOST_WARN(svc->ctx, "socks5: bind: %s", gost_last_error());
    gost__socks5_reply(pc, GOST__SOCKS5_REP_FAILURE, NULL, 1);
    return GOST_EINVAL;
  }
  return GOST_OK;
}

void gost__socks5_bind_reply_bound(struct gost_proxy_conn *pc, const struct sockaddr_storage *listening) {
  /* like stock: the host the client reached us on, with the bound port */
  gost_sockaddr bound = pc->client->local;
  uint16_t port = gost__sockaddr_port((const struct sockaddr *)listening);
  if (gost__sa_family(&bound) == AF_INET) bound.in4.sin_port = htons(port);
  else if (gost__sa_family(&bound) == AF_INET6) bound.in6.sin6_port = htons(port);
  else gost__sa_set(&bound, (const struct sockaddr *)listening);
  gost__socks5_reply(pc, GOST__SOCKS5_REP_SUCCEEDED, &bound.sa, 0);
}

void gost__socks5_bind(struct gost_proxy_conn *pc, int udp) {
  gost_service_t *svc = pc->svc;
  const struct gost_socks5_msg *r = &pc->s5.req;
  if (udp && r->addr.port == 0) { /* UDP relay through this hop, not a bind */
    gost__socks5_udp_tun(pc);
    return;
  }
  char addr[GOST_ADDR_STR_MAX];
  if (gost__socks5_bind_addr(pc, addr, sizeof addr) != GOST_OK) return;
  struct gost_smux_config cfg;
  if (gost__mux_config_from_meta(&cfg, svc->handler_meta, 1, 1) != GOST_OK) {
    GOST_WARN(svc->ctx, "socks5: bind: %s", gost_last_error());
    gost__socks5_reply(pc, GOST__SOCKS5_REP_FAILURE, NULL, 1);
    return;
  }
  struct gost_bindsrv *b = gost__bindsrv_listen(svc, addr, udp);
  if (!b) {
    GOST_WARN(svc->ctx, "socks5: bind: %s", gost_last_error());
    gost__socks5_reply(pc, GOST__SOCKS5_REP_FAILURE, NULL, 1);
    return;
  }
  gost__socks5_bind_reply_bound(pc, gost__bindsrv_local(b));
  gost_stream *ctrl = pc->client;
  pc->client = NULL;
  pc->session = b;
  pc->session_free = bindsrv_free;
  if (gost__bindsrv_serve(b, ctrl, GOST__BINDSRV_HDR_SOCKS5, &cfg, NULL, 0, on_bind_done, pc) != GOST_OK) {
    GOST_WARN(svc->ctx, "socks5: bind on %s: %s", addr, gost_last_error());
    gost__proxy_conn_end(pc);
  }
}
