/* A small lenient UUID reader for ingress endpoints (Go's uuid.Parse accepts the same forms). */
#include <string.h>
#include <strings.h>

#include "gost/error.h"
#include "ingress/ingress.h"

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* 32 hex digits, dashes allowed only at the canonical positions when dashed != 0. */
static int parse_hex(const char *s, size_t len, int dashed, uint8_t out[GOST__INGRESS_ID_LEN]) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    if (dashed && (i == 8 || i == 13 || i == 18 || i == 23)) {
      if (s[i] != '-') return GOST_EINVAL;
      continue;
    }
    int hi = hexval(s[i]), lo = i + 1 < len ? hexval(s[i + 1]) : -1;
    if (hi < 0 || lo < 0 || n >= GOST__INGRESS_ID_LEN) return GOST_EINVAL;
    out[n++] = (uint8_t)(hi << 4 | lo);
    i++;
  }
  return n == GOST__INGRESS_ID_LEN ? GOST_OK : GOST_EINVAL;
}

int gost__ingress_uuid_parse(const char *s, uint8_t out[GOST__INGRESS_ID_LEN]) {
  if (!s) return GOST_EINVAL;
  size_t len = strlen(s);
  if (len == 45 && !strncasecmp(s, "urn:uuid:", 9)) s += 9, len -= 9;
  else if (len == 38 && s[0] == '{' && s[37] == '}') s += 1, len -= 2;
  if (len == 36) return parse_hex(s, len, 1, out);
  if (len == 32) return parse_hex(s, len, 0, out);
  return GOST_EINVAL;
}

void gost__ingress_uuid_format(const uint8_t id[GOST__INGRESS_ID_LEN], char out[37]) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  for (size_t i = 0; i < GOST__INGRESS_ID_LEN; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
    out[o++] = hex[id[i] >> 4];
    out[o++] = hex[id[i] & 15];
  }
  out[o] = '\0';
}
