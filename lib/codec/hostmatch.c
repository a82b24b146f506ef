#include "codec/hostmatch.h"

#include <string.h>

#include "codec/relay.h"
#include "codec/uuid.h"
#include "core/error.h"

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* Length-bounded and NUL-safe, unlike strncasecmp. */
static int eq_nocase(const char *a, const char *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (lower(a[i]) != lower(b[i])) return 0;
  return 1;
}

/* Host part of "host[:port]" / "[v6]:port" / "[v6]". */
static void strip_port(const char **s, size_t *len) {
  const char *h, *p;
  size_t hl, pl;
  if (gost__hostport_split(*s, *len, &h, &hl, &p, &pl) == GOST_OK) {
    *s = h;
    *len = hl;
  } else if (*len >= 2 && (*s)[0] == '[' && (*s)[*len - 1] == ']') {
    (*s)++;
    *len -= 2;
  }
}

int gost__hostmatch_rule_normalize(const char *rule, size_t len, char *out, size_t cap) {
  if (len > 0 && rule[0] == '*') {
    rule++;
    len--;
  }
  if (len == 0 || len > GOST__HOSTMATCH_MAX || cap <= len)
    return gost__error(GOST_EINVAL, "ingress: unusable rule hostname");
  for (size_t i = 0; i < len; i++) out[i] = lower(rule[i]);
  out[len] = '\0';
  return (int)len;
}

int gost__hostmatch_iter_init(struct gost_hostmatch_iter *it, const char *host, size_t len) {
  strip_port(&host, &len);
  if (len == 0 || len > GOST__HOSTMATCH_MAX)
    return gost__error(GOST_EINVAL, "ingress: empty or over-long host");
  it->buf[0] = '.';
  for (size_t i = 0; i < len; i++) it->buf[1 + i] = lower(host[i]);
  it->buf[len + 1] = '\0';
  it->len = len + 1;
  it->stage = 0;
  it->pos = 2; /* suffix scan skips buf[0] and the host's first byte (already covered) */
  return GOST_OK;
}

const char *gost__hostmatch_iter_next(struct gost_hostmatch_iter *it, size_t *len) {
  size_t at;
  if (it->stage < 2) {
    at = it->stage == 0 ? 1 : 0;
    it->stage++;
  } else {
    at = it->pos;
    while (at < it->len && it->buf[at] != '.') at++;
    if (at >= it->len) {
      it->pos = it->len;
      return NULL;
    }
    it->pos = at + 1;
  }
  if (len) *len = it->len - at;
  return it->buf + at;
}

int gost__hostmatch_filter(const char *filter, size_t flen, const char *host, size_t hlen) {
  int suffix = 0;
  if (flen > 0 && filter[0] == '*') { /* config parsing turns both *x and *.x into .x */
    filter++;
    flen--;
    suffix = 1;
  }
  if (flen > 0 && filter[0] == '.') {
    filter++;
    flen--;
    suffix = 1;
  }
  if (flen == 0) return 0;
  strip_port(&host, &hlen);
  if (hlen == flen) return eq_nocase(host, filter, flen);
  /* Only a whole label boundary counts: "a.example.com" yes, "badexample.com" no. */
  return suffix && hlen > flen && host[hlen - flen - 1] == '.' &&
         eq_nocase(host + hlen - flen, filter, flen);
}

int gost__hostmatch_endpoint_parse(const char *s, size_t len, uint8_t id[16], int *is_private) {
  int priv = len > 0 && s[0] == '$';
  uint8_t tmp[16];
  if (gost__uuid_parse(s + priv, len - (size_t)priv, tmp) != GOST_OK || gost__uuid_is_zero(tmp))
    return gost__error(GOST_EINVAL, "ingress: bad endpoint '%.*s'", (int)(len > 64 ? 64 : len), s);
  memcpy(id, tmp, 16);
  if (is_private) *is_private = priv;
  return GOST_OK;
}
