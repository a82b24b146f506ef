/* Listeners "rtcp" and "rudp" over a tunnel server (wire-spec §7.1, §7.2, §7.5): one tunnel
 * connection per service, registered with BIND, carrying an smux session in which the server
 * opens one stream per visitor/public connection. */
#ifndef GOST_TUNNEL_RTCP_H
#define GOST_TUNNEL_RTCP_H

#include "model/service.h"

/* Registration states; the values equal the public GOST_TUNNEL_* ones. */
enum gost_rtcp_state {
  GOST__RTCP_CONNECTING = 0,
  GOST__RTCP_REGISTERED = 1, /* detail: endpoint host */
  GOST__RTCP_LOST = 2,       /* detail: reason */
  GOST__RTCP_RETRYING = 3,   /* detail: delay in ms as text */
  GOST__RTCP_STOPPED = 4
};

typedef void (*gost_rtcp_state_fn)(gost_service_t *svc, int state, const char *detail, void *user);

/* Observes a started rtcp/rudp service (the first attempt runs on the next loop iteration,
 * so observing right after start sees every state). fn NULL unsets. GOST_ESTATE if svc is
 * not a running rtcp/rudp service. */
int gost__rtcp_observe(gost_service_t *svc, gost_rtcp_state_fn fn, void *user);

/* Reconnect delay before attempt number `failures` (0 after a lost session): 1 s, 2 s, 4 s,
 * then 5 s, each with +-20 % jitter taken from rnd in [0, 1). */
uint64_t gost__rtcp_backoff_ms(unsigned failures, double rnd);

extern const struct gost_listener_ops gost__listener_rtcp;
extern const struct gost_listener_ops gost__listener_rudp;

#endif
