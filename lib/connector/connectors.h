/* Operation tables of the connectors in lib/connector/, for the registry of built-ins
 * (lib/service/registry.c). The tunnel/relay connectors are declared in connector/tunnel.h. */
#ifndef GOST_CONNECTOR_CONNECTORS_H
#define GOST_CONNECTOR_CONNECTORS_H

#include "model/service.h"

extern const struct gost_connector_ops gost__connector_forward;
extern const struct gost_connector_ops gost__connector_http;
extern const struct gost_connector_ops gost__connector_socks5;
extern const struct gost_connector_ops gost__connector_socks;

#endif
