#include "core/addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static int parse_port(const char *p, size_t n, uint16_t *out) {
  if (n == 0 || n > 5) return GOST_EINVAL;
  unsigned v = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') return GOST_EINVAL;
    v = v * 10 + (unsigned)(p[i] - '0');
  }
  if (v > 65535) return GOST_EINVAL;
  *out = (uint16_t)v;
  return GOST_OK;
}

/* Host part and the port text after it (NULL when absent). */
static int split_host(const char *s, char *host, size_t cap, const char **port) {
  const char *h = s, *he;
  *port = NULL;
  if (*s == '[') {
    he = strchr(s, ']');
    if (!he) return GOST_EINVAL;
    h = s + 1;
    if (he[1] == ':') *port = he + 2;
    else if (he[1] != '\0') return GOST_EINVAL;
  } else {
    const char *c = strchr(s, ':');
    if (c && strchr(c + 1, ':')) { /* bare IPv6 without port */
      he = s + strlen(s);
    } else if (c) {
      he = c;
      *port = c + 1;
    } else {
      he = s + strlen(s);
    }
  }
  size_t n = (size_t)(he - h);
  if (n + 1 > cap) return GOST_EINVAL;
  memcpy(host, h, n);
  host[n] = '\0';
  return GOST_OK;
}

int gost__addr_split_range(const char *s, char *host, size_t cap, uint16_t *lo, uint16_t *hi) {
  const char *p;
  if (!s || split_host(s, host, cap, &p) < 0)
    return gost__error(GOST_EINVAL, "bad address '%s'", s ? s : "(null)");
  if (!p) {
    *lo = *hi = 0;
    return GOST_OK;
  }
  const char *dash = strchr(p, '-');
  size_t n1 = dash ? (size_t)(dash - p) : strlen(p);
  if (parse_port(p, n1, lo) < 0) return gost__error(GOST_EINVAL, "bad port in '%s'", s);
  *hi = *lo;
  if (dash && (parse_port(dash + 1, strlen(dash + 1), hi) < 0 || *hi < *lo))
    return gost__error(GOST_EINVAL, "bad port range in '%s'", s);
  return GOST_OK;
}

int gost__addr_split(const char *s, char *host, size_t cap, uint16_t *port) {
  uint16_t lo, hi;
  int rc = gost__addr_split_range(s, host, cap, &lo, &hi);
  if (rc < 0) return rc;
  if (lo != hi) return gost__error(GOST_EINVAL, "port range not allowed in '%s'", s);
  *port = lo;
  return GOST_OK;
}

int gost__addr_join(char *out, size_t cap, const char *host, uint16_t port) {
  int v6 = strchr(host, ':') != NULL;
  int n = snprintf(out, cap, v6 ? "[%s]:%u" : "%s:%u", host, (unsigned)port);
  return n < 0 || (size_t)n >= cap ? GOST_EINVAL : n;
}

void gost__addr_list_free(const struct gost_mem *mem, char **list, size_t n) {
  if (!list) return;
  for (size_t i = 0; i < n; i++) gost__mem_free(mem, list[i]);
  gost__mem_free(mem, list);
}

int gost__addr_expand(const struct gost_mem *mem, const char *s, size_t max, char ***out,
                      size_t *n) {
  char host[GOST_ADDR_HOST_MAX], buf[GOST_ADDR_STR_MAX];
  uint16_t lo, hi;
  *out = NULL;
  *n = 0;
  int rc = gost__addr_split_range(s, host, sizeof host, &lo, &hi);
  if (rc < 0) return rc;
  size_t count = (size_t)hi - lo + 1;
  if (count > max) return gost__error(GOST_EINVAL, "port range in '%s' too large", s);
  char **list = gost__mem_calloc(mem, count, sizeof *list);
  if (!list) return GOST_ENOMEM;
  for (size_t i = 0; i < count; i++) {
    gost__addr_join(buf, sizeof buf, host, (uint16_t)(lo + i));
    list[i] = gost__mem_strdup(mem, buf);
    if (!list[i]) {
      gost__addr_list_free(mem, list, i);
      return GOST_ENOMEM;
    }
  }
  *out = list;
  *n = count;
  return GOST_OK;
}

int gost__addr_is_ip(const char *host) {
  unsigned char tmp[sizeof(struct in6_addr)];
  if (!host) return 0;
  if (inet_pton(AF_INET, host, tmp) == 1) return AF_INET;
  if (inet_pton(AF_INET6, host, tmp) == 1) return AF_INET6;
  return 0;
}

int gost__addr_to_sockaddr(const char *host, uint16_t port, struct sockaddr_storage *ss,
                           socklen_t *len) {
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons(port);
    *len = sizeof *a4;
    return GOST_OK;
  }
  if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(port);
    *len = sizeof *a6;
    return GOST_OK;
  }
  return GOST_EINVAL;
}

int gost__sockaddr_fmt(const struct sockaddr *sa, char *out, size_t cap) {
  char ip[INET6_ADDRSTRLEN];
  if (cap) *out = '\0';
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
  } else {
    return 0;
  }
  return gost__addr_join(out, cap, ip, gost__sockaddr_port(sa));
}

uint16_t gost__sockaddr_port(const struct sockaddr *sa) {
  if (sa->sa_family == AF_INET) return ntohs(((const struct sockaddr_in *)sa)->sin_port);
  if (sa->sa_family == AF_INET6) return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
  return 0;
}

socklen_t gost__sockaddr_len(const struct sockaddr *sa) {
  if (sa->sa_family == AF_INET) return sizeof(struct sockaddr_in);
  if (sa->sa_family == AF_INET6) return sizeof(struct sockaddr_in6);
  return 0;
}
