#include "transport/bindaddr.h"

#include <netdb.h>
#include <netinet/in.h>
#include <string.h>

#include "core/addr.h"
#include "core/error.h"

int gost__bind_addrs(const char *addr, struct sockaddr_storage out[2]) {
  char host[GOST_ADDR_HOST_MAX];
  uint16_t port;
  socklen_t len;
  int rc = gost__addr_split(addr, host, sizeof host, &port);
  if (rc < 0) return rc;
  if (!*host) {
    gost__addr_to_sockaddr("::", port, &out[0], &len);
    gost__addr_to_sockaddr("0.0.0.0", port, &out[1], &len);
    return 2;
  }
  if (gost__addr_to_sockaddr(host, port, &out[0], &len) == GOST_OK) return 1;
  /* A name to listen on ("localhost:8080") is resolved once at start; blocking here is
   * acceptable because it happens only when a service starts, like Go's net.Listen. */
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
    return gost__error(GOST_ENOTFOUND, "cannot resolve listen address '%s'", addr);
  memset(&out[0], 0, sizeof out[0]);
  memcpy(&out[0], res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (out[0].ss_family == AF_INET) ((struct sockaddr_in *)&out[0])->sin_port = htons(port);
  else ((struct sockaddr_in6 *)&out[0])->sin6_port = htons(port);
  return 1;
}
