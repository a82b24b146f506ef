/* Small text codecs for command-line URLs: percent-encoding and port ranges. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"
#include "gost/error.h"

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = tolower(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int gost__pct_decode(char *s, int plus) {
  char *o = s;
  for (; *s; s++) {
    if (*s == '%') {
      int hi = hexval((unsigned char)s[1]), lo = hi >= 0 ? hexval((unsigned char)s[2]) : -1;
      if (hi < 0 || lo < 0) return GOST_EINVAL;
      *o++ = (char)(hi << 4 | lo);
      s += 2;
    } else *o++ = plus && *s == '+' ? ' ' : *s;
  }
  *o = '\0';
  return GOST_OK;
}

int gost__port_range(const char *addr, char *host, size_t cap, unsigned *lo, unsigned *hi) {
  const char *colon = strrchr(addr, ':'), *dash = colon ? strchr(colon, '-') : NULL;
  *lo = *hi = 0;
  if (!dash) return GOST_OK; /* no range: the caller keeps addr as is */
  if ((size_t)(colon - addr) + 1 > cap) return GOST_EINVAL;
  char *end;
  unsigned long a = strtoul(colon + 1, &end, 10), b;
  if (end != dash || end == colon + 1) return GOST_EINVAL;
  b = strtoul(dash + 1, &end, 10);
  if (*end || end == dash + 1 || a > b || b > 65535 || b - a >= 1024) return GOST_EINVAL;
  memcpy(host, addr, (size_t)(colon - addr));
  host[colon - addr] = '\0';
  *lo = (unsigned)a;
  *hi = (unsigned)b;
  return GOST_OK;
}
