/* PROXY protocol decoder; decoded TCP addresses must survive an encode/decode round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/proxyproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct gost_pp_info a, b;
  uint8_t out[GOST__PP_V1_MAX + GOST__PP_V2_ENCODED_MAX];
  size_t w;
  if (gost__proxyproto_decode(data, size, &a) != GOST_OK) return 0;
  if (a.header_len > size) abort();
  for (int v = 1; v <= 2; v++) {
    a.version = v;
    if (gost__proxyproto_encode(&a, out, sizeof out, &w) != GOST_OK) abort();
    if (gost__proxyproto_decode(out, w, &b) != GOST_OK || b.header_len != w) abort();
    if (b.family != a.family) abort();
    if (a.family != AF_UNSPEC && (memcmp(&a.src, &b.src, sizeof a.src) || memcmp(&a.dst, &b.dst, sizeof a.dst)))
      abort();
  }
  return 0;
}
