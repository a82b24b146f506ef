/* SOCKS5 decoders with encode(decode(x)) == x where the encoding is canonical. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/socks5.h"

static uint8_t out[70000];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t used, w;
  uint8_t b;
  struct gost_socks5_greeting g;
  struct gost_socks5_userpass up;
  struct gost_socks5_msg m;
  struct gost_socks5_udp u;
  if (gost__socks5_decode_greeting(data, size, &g, &used) == GOST_OK) {
    if (gost__socks5_encode_greeting(&g, out, sizeof out, &w) || w != used || memcmp(out, data, w))
      abort();
  }
  if (gost__socks5_decode_userpass(data, size, &up, &used) == GOST_OK) {
    if (gost__socks5_encode_userpass(&up, out, sizeof out, &w) || w != used || memcmp(out, data, w))
      abort();
  }
  if (gost__socks5_decode_request(data, size, &m, &used) == GOST_OK) {
    if (gost__socks5_encode_request(&m, out, sizeof out, &w) || w != used || memcmp(out, data, w))
      abort();
  }
  gost__socks5_decode_reply(data, size, &m, &used);
  gost__socks5_decode_method(data, size, &b, &used);
  gost__socks5_decode_userpass_reply(data, size, &b, &used);
  if (gost__socks5_decode_udp(data, size, &u) == GOST_OK) {
    if (gost__socks5_encode_udp(&u, out, sizeof out, &w) || w != size || memcmp(out, data, w))
      abort();
  }
  return 0;
}
