#include "io/bindaddr.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

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

static int listen_on(const struct sockaddr_storage *a, int type, int *out) {
  int fd = socket(a->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int one = 1, zero = 0;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  /* "" host binds [::] first: accept IPv4 there too */
  if (a->ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  if (bind(fd, (const struct sockaddr *)a, gost__sockaddr_len((const struct sockaddr *)a)) < 0 ||
      (type == SOCK_STREAM && listen(fd, 511) < 0)) {
    int e = errno;
    close(fd);
    return -e;
  }
  *out = fd;
  return 0;
}

int gost__listen_fd(const char *addr, int type, struct sockaddr_storage *local) {
  struct sockaddr_storage cand[2];
  int n = gost__bind_addrs(addr ? addr : ":0", cand);
  if (n < 0) return n;
  int fd = -1, e = 0;
  for (int i = 0; i < n && fd < 0; i++) e = listen_on(&cand[i], type, &fd);
  if (fd < 0)
    return gost__error_sys(gost__errno_to_code(-e), -e, "listen %s%s: %s",
                           type == SOCK_STREAM ? "" : "udp ", addr ? addr : "", strerror(-e));
  socklen_t len = sizeof *local;
  memset(local, 0, sizeof *local);
  getsockname(fd, (struct sockaddr *)local, &len);
  return fd;
}
