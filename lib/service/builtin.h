/* Operation tables of the built-in listener, handler, dialer and connector types. */
#ifndef GOST_SERVICE_BUILTIN_H
#define GOST_SERVICE_BUILTIN_H

#include "service/service.h"

extern const struct gost_listener_ops gost__listener_tcp;
extern const struct gost_listener_ops gost__listener_udp;
extern const struct gost_handler_ops gost__handler_tcp;
extern const struct gost_handler_ops gost__handler_udp;
extern const struct gost_handler_ops gost__handler_tunnel;
extern const struct gost_handler_ops gost__handler_relay;
extern const struct gost_handler_ops gost__handler_http;
extern const struct gost_handler_ops gost__handler_socks5;
extern const struct gost_handler_ops gost__handler_socks;
extern const struct gost_handler_ops gost__handler_auto;
extern const struct gost_dialer_ops gost__dialer_tcp;
extern const struct gost_connector_ops gost__connector_forward;
extern const struct gost_connector_ops gost__connector_http;
extern const struct gost_connector_ops gost__connector_socks5;
extern const struct gost_connector_ops gost__connector_socks;

#endif
