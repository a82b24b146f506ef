/* The GOST type names accepted in configs and URLs. Validation only: whether a type is
 * implemented is the registry's business at start time. */
#include <stddef.h>
#include <strings.h>

#include "config/config_int.h"

static const char *const handlers[] = {"tcp",    "udp",  "rtcp",    "rudp",     "tunnel", "relay",
                                       "http",   "socks5", "socks", "auto",     "forward", "redirect",
                                       NULL};
static const char *const listeners[] = {"tcp", "udp", "rtcp", "rudp", "tls", "mtls", "ws", "wss", NULL};
static const char *const connectors[] = {"tunnel", "relay", "http", "socks5", "socks", "forward", NULL};
static const char *const dialers[] = {"tcp", "udp", "tls", "mtls", "ws", "wss", NULL};

int gost__name_known(enum gost_kind kind, const char *name) {
  const char *const *list = kind == GOST_KIND_HANDLER    ? handlers
                            : kind == GOST_KIND_LISTENER ? listeners
                            : kind == GOST_KIND_CONNECTOR ? connectors
                                                          : dialers;
  for (; name && *list; list++)
    if (!strcasecmp(*list, name)) return 1;
  return 0;
}

const char *gost__kind_name(enum gost_kind kind) {
  static const char *const names[] = {"handler", "listener", "connector", "dialer"};
  return names[kind];
}
