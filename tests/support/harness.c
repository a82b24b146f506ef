#include "harness.h"

#include <ctype.h>

size_t gost_test_hex(const char *hex, uint8_t *out, size_t cap) {
  size_t n = 0;
  int hi = -1;
  for (; *hex && n < cap; hex++) {
    if (!isxdigit((unsigned char)*hex)) continue;
    int v = isdigit((unsigned char)*hex) ? *hex - '0' : (tolower((unsigned char)*hex) - 'a' + 10);
    if (hi < 0) hi = v;
    else {
      out[n++] = (uint8_t)(hi << 4 | v);
      hi = -1;
    }
  }
  return n;
}
