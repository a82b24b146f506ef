#include "codec/udpframe.h"

#include <string.h>

int gost__udpframe_encode_hdr(size_t len, uint8_t hdr[2]) {
  if (len > GOST__UDPFRAME_MAX) return gost__error(GOST_EINVAL, "udp: datagram of %zu bytes", len);
  hdr[0] = (uint8_t)(len >> 8);
  hdr[1] = (uint8_t)len;
  return GOST_OK;
}

int gost__udpframe_encode(const uint8_t *payload, size_t len, uint8_t *buf, size_t cap) {
  if (len > GOST__UDPFRAME_MAX) return gost__error(GOST_EINVAL, "udp: datagram of %zu bytes", len);
  if (cap < 2 + len) return gost__error(GOST_EINVAL, "udp: output buffer too small");
  gost__udpframe_encode_hdr(len, buf);
  if (len) memcpy(buf + 2, payload, len);
  return (int)(2 + len);
}

int gost__udpframe_decode(const uint8_t *buf, size_t len, const uint8_t **payload, size_t *plen,
                          size_t *consumed) {
  if (len < 2) return GOST_EAGAIN;
  size_t n = (size_t)buf[0] << 8 | buf[1];
  if (len - 2 < n) return GOST_EAGAIN;
  *payload = buf + 2;
  *plen = n;
  *consumed = 2 + n;
  return GOST_OK;
}

void gost__udpframe_dec_init(struct gost_udpframe_dec *d, uint8_t *out, size_t cap) {
  memset(d, 0, sizeof *d);
  d->out = out;
  d->cap = out ? cap : 0;
}

int gost__udpframe_dec_feed(struct gost_udpframe_dec *d, const uint8_t *in, size_t len,
                            size_t *consumed, size_t *dlen, size_t *full_len) {
  size_t i = 0;
  while (d->hdr_got < 2 && i < len) d->hdr[d->hdr_got++] = in[i++];
  if (d->hdr_got < 2) {
    *consumed = i;
    return GOST_EAGAIN;
  }
  d->want = (size_t)d->hdr[0] << 8 | d->hdr[1];
  size_t take = d->want - d->got;
  if (take > len - i) take = len - i;
  if (d->got < d->cap) {
    size_t keep = d->cap - d->got < take ? d->cap - d->got : take;
    if (keep) memcpy(d->out + d->got, in + i, keep);
  }
  d->got += take;
  i += take;
  *consumed = i;
  if (d->got < d->want) return GOST_EAGAIN;
  *dlen = d->want < d->cap ? d->want : d->cap;
  if (full_len) *full_len = d->want;
  d->hdr_got = 0;
  d->got = d->want = 0;
  return GOST_OK;
}

int gost__udpframe_socks_encode(const struct gost_relay_addr *addr, const uint8_t *payload,
                                size_t len, uint8_t *buf, size_t cap) {
  if (len == 0 || len > GOST__UDPFRAME_MAX)
    return gost__error(GOST_EINVAL, "udp: SOCKS-framed datagram of %zu bytes", len);
  if (cap < 3) return gost__error(GOST_EINVAL, "udp: output buffer too small");
  int n = gost__relay_addr_encode(addr, buf + 3, cap - 3);
  if (n < 0) return n;
  size_t off = 3 + (size_t)n;
  if (cap - off < len) return gost__error(GOST_EINVAL, "udp: output buffer too small");
  buf[0] = (uint8_t)(len >> 8);
  buf[1] = (uint8_t)len;
  buf[2] = GOST__UDPFRAME_SOCKS_FRAG;
  memcpy(buf + off, payload, len);
  return (int)(off + len);
}

int gost__udpframe_socks_decode(const uint8_t *buf, size_t len, struct gost_relay_addr *addr,
                                const uint8_t **payload, size_t *plen, size_t *consumed) {
  if (len < 3) return GOST_EAGAIN;
  if (buf[2] != GOST__UDPFRAME_SOCKS_FRAG)
    return gost__error(GOST_EPROTO, "udp: SOCKS frame with FRAG 0x%02x", buf[2]);
  size_t n = (size_t)buf[0] << 8 | buf[1], used;
  int rc = gost__relay_addr_decode(buf + 3, len - 3, addr, &used);
  if (rc != GOST_OK) return rc;
  size_t off = 3 + used;
  if (len - off < n) return GOST_EAGAIN;
  *payload = buf + off;
  *plen = n;
  *consumed = off + n;
  return GOST_OK;
}
