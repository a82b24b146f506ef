#include "codec/base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int gost__base64_encode(const uint8_t *in, size_t n, char *out, size_t cap, size_t *out_len) {
  size_t need = GOST__BASE64_ENCODED_LEN(n), o = 0;
  if (cap < need + 1) return GOST_EINVAL;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16;
    if (i + 1 < n) v |= (uint32_t)in[i + 1] << 8;
    if (i + 2 < n) v |= in[i + 2];
    out[o++] = alphabet[v >> 18 & 63];
    out[o++] = alphabet[v >> 12 & 63];
    out[o++] = i + 1 < n ? alphabet[v >> 6 & 63] : '=';
    out[o++] = i + 2 < n ? alphabet[v & 63] : '=';
  }
  out[o] = 0;
  *out_len = o;
  return GOST_OK;
}

static int value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int gost__base64_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *out_len) {
  size_t pad = 0, o = 0;
  uint32_t acc = 0;
  int bits = 0;
  /* Padding only as the last one or two characters of a 4-aligned input. */
  while (pad < 2 && n > pad && in[n - 1 - pad] == '=') pad++;
  if (pad && n % 4) return GOST_EPROTO;
  size_t body = n - pad;
  if (body % 4 == 1) return GOST_EPROTO;
  if (body / 4 * 3 + (body % 4 ? body % 4 - 1 : 0) > cap) return GOST_EINVAL;
  for (size_t i = 0; i < body; i++) {
    int v = value(in[i]);
    if (v < 0) return GOST_EPROTO;
    acc = acc << 6 | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (uint8_t)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  *out_len = o;
  return GOST_OK;
}
