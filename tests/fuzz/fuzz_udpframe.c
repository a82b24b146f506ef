/* UDP framings: zero-copy and streaming decoders must agree, and re-encoding a decoded frame
 * must give back the input bytes. */
#include <stdlib.h>
#include <string.h>

#include "codec/udpframe.h"

static uint8_t enc[GOST__UDPFRAME_MAX + 3 + 4 + GOST__RELAY_HOST_MAX];

static void framing_a(const uint8_t *data, size_t size) {
  static uint8_t out[512];
  const uint8_t *p;
  size_t n = 0, used;
  int rc = gost__udpframe_decode(data, size, &p, &n, &used);
  if (rc == GOST_OK) {
    if (used != n + 2 || used > size) abort();
    if (gost__udpframe_encode(p, n, enc, sizeof enc) != (int)used || memcmp(enc, data, used)) abort();
  } else if (rc != GOST_EAGAIN) {
    abort();
  }
  /* Stream decoder, chunk size from the first byte, small buffer to force truncation. */
  struct gost_udpframe_dec d;
  size_t chunk = size ? (size_t)data[0] % 17 + 1 : 1, off = 0, dlen, full;
  gost__udpframe_dec_init(&d, out, size ? (size_t)data[size - 1] : 0);
  int first = 1;
  while (off < size) {
    size_t len = size - off < chunk ? size - off : chunk;
    rc = gost__udpframe_dec_feed(&d, data + off, len, &used, &dlen, &full);
    if (used > len) abort();
    if (rc == GOST_OK) {
      if (dlen > d.cap || dlen > full) abort();
      if (first && (full != n || memcmp(out, data + 2, dlen))) abort();
      first = 0;
    } else if (rc != GOST_EAGAIN || used != len) {
      abort();
    }
    off += used;
  }
}

static void framing_b(const uint8_t *data, size_t size) {
  struct gost_relay_addr a;
  const uint8_t *p;
  size_t n, used;
  int rc = gost__udpframe_socks_decode(data, size, &a, &p, &n, &used);
  if (rc == GOST_OK) {
    if (used > size) abort();
    if (n > 0 && (gost__udpframe_socks_encode(&a, p, n, enc, sizeof enc) != (int)used ||
                  memcmp(enc, data, used)))
      abort();
  } else if (rc != GOST_EAGAIN && rc != GOST_EPROTO) {
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  framing_a(data, size);
  framing_b(data, size);
  return 0;
}
