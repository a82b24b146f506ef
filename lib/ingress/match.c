/* Ingress host matching (wire-spec §5.4), lower-casing both sides unlike stock GOST. */
#include <ctype.h>
#include <string.h>

#include "gost/error.h"
#include "ingress/ingress.h"

int gost__ingress_host_norm(const char *in, char *out, size_t cap) {
  if (!in) return GOST_EINVAL;
  while (isspace((unsigned char)*in)) in++;
  size_t len = strlen(in);
  while (len && isspace((unsigned char)in[len - 1])) len--;
  if (len && in[0] == '*') in++, len--; /* "*.a.com" -> ".a.com", "*a.com" -> "a.com" */
  if (!len || len > GOST__INGRESS_HOST_MAX || len + 1 > cap) return GOST_EINVAL;
  for (size_t i = 0; i < len; i++) out[i] = (char)tolower((unsigned char)in[i]);
  out[len] = '\0';
  return (int)len;
}

/* Host without its port: "a.com:80" -> "a.com", "[::1]:80" -> "::1"; bare IPv6 kept. */
static size_t strip_port(const char *host, char *out, size_t cap) {
  const char *start = host, *end = host + strlen(host);
  if (*host == '[') {
    const char *rb = strchr(host, ']');
    if (rb) start = host + 1, end = rb;
  } else {
    const char *colon = strchr(host, ':');
    if (colon && !strchr(colon + 1, ':')) end = colon;
  }
  size_t len = (size_t)(end - start);
  if (len + 1 > cap) return 0;
  for (size_t i = 0; i < len; i++) out[i] = (char)tolower((unsigned char)start[i]);
  out[len] = '\0';
  return len;
}

static const struct gost_ingress_rule *find(const struct gost_ingress *ing, const char *key) {
  for (size_t i = 0; i < ing->nrules; i++)
    if (!strcmp(ing->rules[i].host, key)) return &ing->rules[i];
  return NULL;
}

const struct gost_ingress_rule *gost__ingress_match(const struct gost_ingress *ing,
                                                    const char *host) {
  char buf[GOST__INGRESS_HOST_MAX + 2];
  if (!ing || !host) return NULL;
  buf[0] = '.';
  size_t len = strip_port(host, buf + 1, sizeof buf - 1);
  if (!len) return NULL;
  const struct gost_ingress_rule *r = find(ing, buf + 1);
  if (!r) r = find(ing, buf); /* ".example.com" also covers the apex */
  for (size_t i = 2; !r && i <= len; i++)
    if (buf[i] == '.') r = find(ing, buf + i);
  return r;
}
