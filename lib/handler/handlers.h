/* Operation tables of the handlers in lib/handler/, for the registry of built-ins
 * (lib/service/registry.c). The rtcp/rudp handlers are declared in handler/remote.h. */
#ifndef GOST_HANDLER_HANDLERS_H
#define GOST_HANDLER_HANDLERS_H

#include "model/service.h"

extern const struct gost_handler_ops gost__handler_tcp;
extern const struct gost_handler_ops gost__handler_udp;
extern const struct gost_handler_ops gost__handler_tunnel;
extern const struct gost_handler_ops gost__handler_relay;
extern const struct gost_handler_ops gost__handler_http;
extern const struct gost_handler_ops gost__handler_socks5;
extern const struct gost_handler_ops gost__handler_socks;
extern const struct gost_handler_ops gost__handler_auto;

#endif
