/* gost_sockaddr: an IPv4 or IPv6 socket address in 28 bytes. Every stream and per-connection
 * object keeps its addresses in one (a sockaddr_storage is 128 bytes, and a tunnelled connection
 * holds several streams in each process: docs/performance.md, memory per idle connection).
 * It is a struct sockaddr: pass &a->sa to socket calls and to gost__sockaddr_fmt. */
#ifndef GOST_CORE_SOCKADDR_H
#define GOST_CORE_SOCKADDR_H

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "core/addr.h"

typedef union gost_sockaddr {
  struct sockaddr sa; /* sa.sa_family: AF_INET, AF_INET6, or 0 when unknown */
  struct sockaddr_in in4;
  struct sockaddr_in6 in6;
} gost_sockaddr;

_Static_assert(sizeof(gost_sockaddr) == sizeof(struct sockaddr_in6), "gost_sockaddr is compact");

static inline int gost__sa_family(const gost_sockaddr *a) { return a->sa.sa_family; }
static inline void gost__sa_clear(gost_sockaddr *a) { memset(a, 0, sizeof *a); }
/* Keeps sa when it is IPv4 or IPv6 (returns 1); anything else, or NULL, leaves a unknown (0). */
static inline int gost__sa_set(gost_sockaddr *a, const struct sockaddr *sa) {
  socklen_t len = sa ? gost__sockaddr_len(sa) : 0;
  gost__sa_clear(a);
  if (len) memcpy(a, sa, len);
  return len != 0;
}
/* The length for socket calls: 0 when unknown. */
static inline socklen_t gost__sa_len(const gost_sockaddr *a) { return gost__sockaddr_len(&a->sa); }
/* Widens to a sockaddr_storage (zeroed past the address; family 0 when unknown); returns the
 * length. For codecs and calls that take the wide type. */
static inline socklen_t gost__sa_to_storage(const gost_sockaddr *a, struct sockaddr_storage *ss) {
  socklen_t len = gost__sa_len(a);
  memset(ss, 0, sizeof *ss);
  if (len) memcpy(ss, a, len);
  return len;
}
/* "1.2.3.4:80" / "[::1]:80"; "" when unknown. Returns the length or GOST_EINVAL. */
static inline int gost__sa_fmt(const gost_sockaddr *a, char *out, size_t cap) {
  return gost__sockaddr_fmt(&a->sa, out, cap);
}

#endif
