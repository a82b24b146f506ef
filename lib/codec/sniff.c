#include "codec/sniff.h"

#include <string.h>

enum gost_sniff_kind gost__sniff_first_byte(uint8_t b) {
  if (b == 0x16) return GOST__SNIFF_TLS;
  if (b == 0x01) return GOST__SNIFF_RELAY;
  return GOST__SNIFF_HTTP;
}

/* Text prefixes; only the first GOST__SNIFF_PEEK bytes of each are ever compared. */
static const struct {
  const char *text;
  enum gost_sniff_kind kind;
} prefixes[] = {
    {"GET ", GOST__SNIFF_HTTP},     {"POST ", GOST__SNIFF_HTTP},  {"PUT ", GOST__SNIFF_HTTP},
    {"HEAD ", GOST__SNIFF_HTTP},    {"DELETE ", GOST__SNIFF_HTTP}, {"OPTIONS ", GOST__SNIFF_HTTP},
    {"PATCH ", GOST__SNIFF_HTTP},   {"CONNECT ", GOST__SNIFF_HTTP}, {"TRACE ", GOST__SNIFF_HTTP},
    {"PRI * ", GOST__SNIFF_HTTP},   {"SSH-", GOST__SNIFF_SSH},
};

int gost__sniff_detect(const uint8_t *p, size_t n, enum gost_sniff_kind *kind) {
  int pending = 0;
  *kind = GOST__SNIFF_UNKNOWN;
  if (n == 0) return GOST_EAGAIN;
  if (n > GOST__SNIFF_PEEK) n = GOST__SNIFF_PEEK;

  /* TLS: record type 0x16, then a 0x0301..0x0304 version. */
  if (p[0] == 0x16) {
    if (n < 3) return GOST_EAGAIN;
    if (p[1] == 0x03 && p[2] >= 0x01 && p[2] <= 0x04) *kind = GOST__SNIFF_TLS;
    return GOST_OK;
  }
  for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
    size_t need = strlen(prefixes[i].text);
    if (need > GOST__SNIFF_PEEK) need = GOST__SNIFF_PEEK;
    size_t cmp = n < need ? n : need;
    if (memcmp(p, prefixes[i].text, cmp) != 0) continue;
    if (cmp == need) {
      *kind = prefixes[i].kind;
      return GOST_OK;
    }
    pending = 1;
  }
  return pending ? GOST_EAGAIN : GOST_OK;
}

const char *gost__sniff_kind_name(enum gost_sniff_kind kind) {
  switch (kind) {
  case GOST__SNIFF_TLS: return "tls";
  case GOST__SNIFF_RELAY: return "relay";
  case GOST__SNIFF_HTTP: return "http";
  case GOST__SNIFF_SSH: return "ssh";
  default: return "unknown";
  }
}
