#include "codec/bypassmatch.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "codec/hostmatch.h"
#include "core/error.h"


static void lower(char *s) {
  for (; *s; s++) *s = (char)tolower((unsigned char)*s);
}

static int ip_parse(const char *s, uint8_t out[16]) {
  if (inet_pton(AF_INET, s, out) == 1) return AF_INET;
  if (inet_pton(AF_INET6, s, out) == 1) return AF_INET6;
  return 0;
}

static size_t ip_len(int family) { return family == AF_INET ? 4 : 16; }

static int parse_cidr(struct gost_bypass_pat *p, const char *s) {
  char ip[64];
  const char *slash = strchr(s, '/');
  if (!slash || (size_t)(slash - s) >= sizeof ip) return 0;
  memcpy(ip, s, (size_t)(slash - s));
  ip[slash - s] = '\0';
  char *end;
  unsigned long bits = strtoul(slash + 1, &end, 10);
  if (*end || end == slash + 1 || !(p->family = ip_parse(ip, p->lo))) return 0;
  if (bits > ip_len(p->family) * 8) return 0;
  p->kind = GOST__BYPASS_CIDR;
  p->prefix = (unsigned)bits;
  return 1;
}

static int parse_range(struct gost_bypass_pat *p, const char *s) {
  char a[64], b[64];
  const char *dash = strchr(s, '-');
  if (!dash || (size_t)(dash - s) >= sizeof a || strlen(dash + 1) >= sizeof b) return 0;
  memcpy(a, s, (size_t)(dash - s));
  a[dash - s] = '\0';
  strcpy(b, dash + 1);
  int fa = ip_parse(a, p->lo), fb = ip_parse(b, p->hi);
  if (!fa || fa != fb || memcmp(p->lo, p->hi, ip_len(fa)) > 0) return 0;
  p->kind = GOST__BYPASS_RANGE;
  p->family = fa;
  return 1;
}

/* "host", "host:port", "host:lo-hi", "[v6]:port"; a bare IPv6 literal is a host. As stock,
 * a port that does not parse means every port. */
static int parse_hostport(struct gost_bypass_pat *p, const char *s, int kind) {
  p->kind = kind;
  p->plo = 0;
  p->phi = 65535;
  const char *colon = strrchr(s, ':');
  int hostport = colon && (s[0] == '[' || strchr(s, ':') == colon);
  uint16_t lo, hi;
  if (hostport && gost__addr_split_range(s, p->host, sizeof p->host, &lo, &hi) == GOST_OK && p->host[0]) {
    p->plo = lo, p->phi = hi;
  } else {
    if (hostport) { /* unparsable port: the host part alone */
      size_t n = (size_t)(colon - s);
      if (s[0] == '[') s++, n -= 2;
      if (n == 0 || n >= sizeof p->host) return 0;
      memcpy(p->host, s, n);
      p->host[n] = '\0';
    } else if (strlen(s) >= sizeof p->host) {
      return 0;
    } else {
      strcpy(p->host, s);
    }
  }
  lower(p->host);
  return p->host[0] != '\0';
}

int gost__bypass_pat_parse(struct gost_bypass_pat *p, const char *s) {
  memset(p, 0, sizeof *p);
  if (!*s) return 0;
  if (strchr(s, '/')) return parse_cidr(p, s);
  if (strpbrk(s, "*?")) return parse_hostport(p, s, GOST__BYPASS_GLOB);
  if (strchr(s, '-') && parse_range(p, s)) return 1;
  return parse_hostport(p, s, GOST__BYPASS_ADDR);
}

static int in_cidr(const struct gost_bypass_pat *p, const uint8_t ip[16]) {
  unsigned full = p->prefix / 8, rest = p->prefix % 8;
  if (memcmp(ip, p->lo, full)) return 0;
  if (!rest) return 1;
  uint8_t mask = (uint8_t)(0xff << (8 - rest));
  return (ip[full] & mask) == (p->lo[full] & mask);
}

static int addr_match(const struct gost_bypass_pat *p, const char *host, size_t hlen) {
  struct gost_hostmatch_iter it;
  if (gost__hostmatch_iter_init(&it, host, hlen) != GOST_OK) return 0;
  const char *cand;
  size_t clen;
  while ((cand = gost__hostmatch_iter_next(&it, &clen)))
    if (!strcmp(cand, p->host)) return 1;
  return 0;
}

int gost__bypass_pat_match(const struct gost_bypass_pat *p, const struct gost_bypass_target *t) {
  const char *host = t->host;
  int family = t->family;
  const uint8_t *ip = t->ip;
  uint16_t port = t->port;
  switch (p->kind) {
  case GOST__BYPASS_CIDR: return family == p->family && in_cidr(p, ip);
  case GOST__BYPASS_RANGE:
    return family == p->family && memcmp(ip, p->lo, ip_len(family)) >= 0 && memcmp(ip, p->hi, ip_len(family)) <= 0;
  case GOST__BYPASS_GLOB: return port >= p->plo && port <= p->phi && fnmatch(p->host, host, 0) == 0;
  default: return port >= p->plo && port <= p->phi && addr_match(p, host, strlen(host));
  }
}

int gost__bypass_target_parse(struct gost_bypass_target *t, const char *addr) {
  t->port = 0;
  if (gost__addr_split(addr, t->host, sizeof t->host, &t->port) != GOST_OK) { /* a bare IPv6 literal or a name */
    if (strlen(addr) >= sizeof t->host) return GOST_EINVAL;
    strcpy(t->host, addr);
  }
  lower(t->host);
  t->family = ip_parse(t->host, t->ip);
  return t->host[0] ? GOST_OK : GOST_EINVAL;
}

