#include "codec/uuid.h"

#include <string.h>
#include <strings.h>

#include "core/error.h"

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int gost__uuid_parse(const char *s, size_t len, uint8_t out[GOST__UUID_LEN]) {
  static const char urn[] = "urn:uuid:";
  if (len == 36 + sizeof urn - 1 && strncasecmp(s, urn, sizeof urn - 1) == 0) {
    s += sizeof urn - 1;
    len -= sizeof urn - 1;
  } else if (len == 38 && s[0] == '{' && s[37] == '}') {
    s++;
    len -= 2;
  }
  int hyphens = len == 36;
  if (!hyphens && len != 32) return gost__error(GOST_EINVAL, "uuid: bad length %zu", len);
  uint8_t id[GOST__UUID_LEN];
  size_t pos = 0;
  for (int i = 0; i < GOST__UUID_LEN; i++) {
    /* Hyphens sit before bytes 4, 6, 8 and 10. */
    if (hyphens && (i == 4 || i == 6 || i == 8 || i == 10) && s[pos++] != '-')
      return gost__error(GOST_EINVAL, "uuid: misplaced hyphen");
    int hi = hexval(s[pos]), lo = hexval(s[pos + 1]);
    if (hi < 0 || lo < 0) return gost__error(GOST_EINVAL, "uuid: bad hex digit");
    id[i] = (uint8_t)(hi << 4 | lo);
    pos += 2;
  }
  memcpy(out, id, sizeof id);
  return GOST_OK;
}

void gost__uuid_format(const uint8_t id[GOST__UUID_LEN], char out[GOST__UUID_STR_LEN + 1]) {
  static const char hex[] = "0123456789abcdef";
  size_t pos = 0;
  for (int i = 0; i < GOST__UUID_LEN; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[pos++] = '-';
    out[pos++] = hex[id[i] >> 4];
    out[pos++] = hex[id[i] & 15];
  }
  out[pos] = '\0';
}

int gost__uuid_is_zero(const uint8_t id[GOST__UUID_LEN]) {
  uint8_t acc = 0;
  for (int i = 0; i < GOST__UUID_LEN; i++) acc |= id[i];
  return acc == 0;
}

void gost__uuid_v4_from_random(const uint8_t rnd[GOST__UUID_LEN], uint8_t out[GOST__UUID_LEN]) {
  memmove(out, rnd, GOST__UUID_LEN);
  out[6] = (uint8_t)((out[6] & 0x0F) | 0x40); /* version 4 */
  out[8] = (uint8_t)((out[8] & 0x3F) | 0x80); /* RFC 4122 variant */
}
