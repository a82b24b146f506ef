/* SOCKS5 UDP relaying (placeholder until the relay lands). */
#include "core/log.h"
#include "handler/proxy.h"

void gost__socks5_udp_tun(struct gost_proxy_conn *pc) {
  GOST_WARN(pc->svc->ctx, "socks5: UDP-over-TCP relay not supported");
  gost__socks5_reply(pc, GOST__SOCKS5_REP_CMD_UNSUPPORTED, NULL, 1);
}
