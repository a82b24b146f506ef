/* Name -> operations tables of every built-in type. static const: no global mutable registry.
 * This is the only file that knows all the modules; they reach it through the gost__*_find
 * declarations in model/service.h, so no module includes this directory. */
#include <string.h>

#include "connector/connectors.h"
#include "connector/tunnel.h"
#include "handler/handlers.h"
#include "handler/remote.h"
#include "transport/transport_ops.h"
#include "tunnel/rtcp.h"

static const struct gost_listener_ops *const listeners[] = {
    &gost__listener_tcp, &gost__listener_udp, &gost__listener_rtcp, &gost__listener_rudp,
    &gost__listener_tls, &gost__listener_mtls, &gost__listener_ws, &gost__listener_wss};
static const struct gost_handler_ops *const handlers[] = {
    &gost__handler_tcp, &gost__handler_udp, &gost__handler_rtcp, &gost__handler_rudp,
    &gost__handler_tunnel, &gost__handler_relay, &gost__handler_http,
    &gost__handler_socks5, &gost__handler_socks, &gost__handler_auto};
static const struct gost_dialer_ops *const dialers[] = {&gost__dialer_tcp, &gost__dialer_tls,
                                                        &gost__dialer_ws, &gost__dialer_wss};
static const struct gost_connector_ops *const connectors[] = {
    &gost__connector_forward, &gost__connector_tunnel, &gost__connector_relay,
    &gost__connector_http,    &gost__connector_socks5, &gost__connector_socks};

#define FIND(table, name)                                                        \
  do {                                                                           \
    if (!(name)) return NULL;                                                    \
    for (size_t i = 0; i < sizeof(table) / sizeof(table)[0]; i++)                \
      if (!strcmp((table)[i]->name, (name))) return (table)[i];                  \
    return NULL;                                                                 \
  } while (0)

const struct gost_listener_ops *gost__listener_find(const char *name) { FIND(listeners, name); }
const struct gost_handler_ops *gost__handler_find(const char *name) { FIND(handlers, name); }
const struct gost_dialer_ops *gost__dialer_find(const char *name) { FIND(dialers, name); }
const struct gost_connector_ops *gost__connector_find(const char *name) { FIND(connectors, name); }
