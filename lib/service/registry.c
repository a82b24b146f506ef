/* Name -> operations tables. static const: no global mutable registry. */
#include <string.h>

#include "service/builtin.h"

static const struct gost_listener_ops *const listeners[] = {&gost__listener_tcp,
                                                            &gost__listener_udp};
static const struct gost_handler_ops *const handlers[] = {&gost__handler_tcp, &gost__handler_udp,
                                                          &gost__handler_tunnel, &gost__handler_relay};
static const struct gost_dialer_ops *const dialers[] = {&gost__dialer_tcp};
static const struct gost_connector_ops *const connectors[] = {&gost__connector_forward};

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
