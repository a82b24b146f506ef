/* Listener and dialer operation tables of the transports in lib/transport/ (tcp, udp, tls, ws),
 * for the registry of built-ins (lib/service/registry.c). */
#ifndef GOST_TRANSPORT_OPS_H
#define GOST_TRANSPORT_OPS_H

#include "model/service.h"

extern const struct gost_listener_ops gost__listener_tcp;
extern const struct gost_listener_ops gost__listener_udp;
extern const struct gost_dialer_ops gost__dialer_tcp;
extern const struct gost_listener_ops gost__listener_tls;
extern const struct gost_listener_ops gost__listener_mtls;
extern const struct gost_listener_ops gost__listener_ws;
extern const struct gost_listener_ops gost__listener_wss;
extern const struct gost_dialer_ops gost__dialer_tls;
extern const struct gost_dialer_ops gost__dialer_ws;
extern const struct gost_dialer_ops gost__dialer_wss;

/* The tcp listener's start/stop: TLS and WS listeners accept with it and wrap each stream. */
int gost__transport_tcp_start(gost_service_t *svc);
void gost__transport_tcp_stop(gost_service_t *svc);

#endif
