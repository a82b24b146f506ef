#include "codec/tlshello.h"

#include <string.h>

#define REC_HANDSHAKE 0x16
#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2
#define EXT_SNI 0
#define EXT_ALPN 16

/* Bounds-checked reader over the reassembled handshake. */
struct rd {
  const uint8_t *p;
  size_t n, off;
  int bad;
};

static uint32_t get(struct rd *r, size_t w) {
  uint32_t v = 0;
  if (r->bad || r->n - r->off < w) {
    r->bad = 1;
    return 0;
  }
  for (size_t i = 0; i < w; i++) v = v << 8 | r->p[r->off++];
  return v;
}

static const uint8_t *take(struct rd *r, size_t w) {
  if (r->bad || r->n - r->off < w) {
    r->bad = 1;
    return NULL;
  }
  r->off += w;
  return r->p + r->off - w;
}

/* A sub-reader over the next len bytes. */
static struct rd sub(struct rd *r, size_t len) {
  const uint8_t *p = take(r, len);
  return (struct rd){p, p ? len : 0, 0, p == NULL};
}

static int parse_sni(struct rd e, struct gost_tls_hello *h) {
  struct rd list = sub(&e, get(&e, 2));
  if (e.bad || e.off != e.n || list.n == 0) return GOST_EPROTO;
  while (!list.bad && list.off < list.n) {
    uint32_t type = get(&list, 1);
    uint32_t len = get(&list, 2);
    const uint8_t *name = take(&list, len);
    if (list.bad) return GOST_EPROTO;
    if (type != 0 || h->has_sni) continue; /* only the first host_name counts */
    if (len == 0 || len > GOST__TLS_MAX_SNI || memchr(name, 0, len)) return GOST_EPROTO;
    memcpy(h->sni, name, len);
    h->sni[len] = 0;
    h->sni_len = len;
    h->has_sni = 1;
  }
  return list.bad ? GOST_EPROTO : GOST_OK;
}

static int parse_alpn(struct rd e, struct gost_tls_hello *h) {
  struct rd list = sub(&e, get(&e, 2));
  if (e.bad || e.off != e.n || list.n < 2) return GOST_EPROTO;
  while (list.off < list.n) {
    uint32_t len = get(&list, 1);
    const uint8_t *p = take(&list, len);
    if (list.bad || len == 0 || h->nalpn == GOST__TLS_MAX_ALPN) return GOST_EPROTO;
    h->alpn[h->nalpn++] = (struct gost_tls_alpn){p, (uint8_t)len};
  }
  return GOST_OK;
}

/* ClientHello body (RFC 8446 4.1.2, also fine for TLS 1.0-1.2). */
static int parse_client_hello(struct rd r, struct gost_tls_hello *h) {
  int seen_sni = 0, seen_alpn = 0;
  h->legacy_version = (uint16_t)get(&r, 2);
  take(&r, 32); /* random */
  uint32_t sid = get(&r, 1);
  if (sid > 32) return GOST_EPROTO;
  take(&r, sid);
  uint32_t cs = get(&r, 2);
  if (cs < 2 || cs % 2) return GOST_EPROTO;
  take(&r, cs);
  uint32_t comp = get(&r, 1);
  if (comp < 1) return GOST_EPROTO;
  take(&r, comp);
  if (r.bad) return GOST_EPROTO;
  if (r.off == r.n) return GOST_OK; /* no extensions (SSL 3 style) */
  struct rd exts = sub(&r, get(&r, 2));
  if (r.bad || r.off != r.n) return GOST_EPROTO;
  while (exts.off < exts.n) {
    uint32_t type = get(&exts, 2);
    struct rd e = sub(&exts, get(&exts, 2));
    if (exts.bad) return GOST_EPROTO;
    int rc = GOST_OK;
    if (type == EXT_SNI) {
      if (seen_sni++) return GOST_EPROTO;
      rc = parse_sni(e, h);
    } else if (type == EXT_ALPN) {
      if (seen_alpn++) return GOST_EPROTO;
      rc = parse_alpn(e, h);
    }
    if (rc != GOST_OK) return rc;
  }
  return GOST_OK;
}

int gost__tlshello_parse(const uint8_t *buf, size_t len, struct gost_tls_hello *out) {
  size_t off = 0;
  out->hs_len = 0;
  /* Gather record payloads until the handshake header's length is satisfied. */
  for (;;) {
    if (out->hs_len >= 4) {
      size_t need = 4 + ((size_t)out->hs[1] << 16 | (size_t)out->hs[2] << 8 | out->hs[3]);
      if (out->hs[0] != HS_CLIENT_HELLO || need > GOST__TLS_MAX_HANDSHAKE) return GOST_EPROTO;
      if (out->hs_len >= need) {
        /* Trailing bytes would belong to a second handshake message: not a lone hello. */
        if (out->hs_len != need) return GOST_EPROTO;
        break;
      }
    }
    if (len - off < 5) {
      /* Reject early what can never become a handshake record. */
      if (len > off && buf[off] != REC_HANDSHAKE) return GOST_EPROTO;
      if (len - off > 1 && buf[off + 1] != 0x03) return GOST_EPROTO;
      return GOST_EAGAIN;
    }
    const uint8_t *rh = buf + off;
    size_t rlen = (size_t)rh[3] << 8 | rh[4];
    if (rh[0] != REC_HANDSHAKE || rh[1] != 0x03 || rlen == 0 || rlen > GOST__TLS_MAX_RECORD)
      return GOST_EPROTO;
    if (out->hs_len + rlen > GOST__TLS_MAX_HANDSHAKE) return GOST_EPROTO;
    if (len - off - 5 < rlen) {
      /* Copy what is here to learn the handshake length early; oversize fails before EAGAIN. */
      size_t have = len - off - 5;
      memcpy(out->hs + out->hs_len, rh + 5, have);
      if (out->hs_len + have >= 4) {
        size_t need = 4 + ((size_t)out->hs[1] << 16 | (size_t)out->hs[2] << 8 | out->hs[3]);
        if (out->hs[0] != HS_CLIENT_HELLO || need > GOST__TLS_MAX_HANDSHAKE) return GOST_EPROTO;
      } else if (out->hs_len + have >= 1 && out->hs[0] != HS_CLIENT_HELLO) {
        return GOST_EPROTO;
      }
      return GOST_EAGAIN;
    }
    memcpy(out->hs + out->hs_len, rh + 5, rlen);
    out->hs_len += rlen;
    off += 5 + rlen;
  }
  out->record_bytes = off;
  out->legacy_version = 0;
  out->has_sni = 0;
  out->sni[0] = 0;
  out->sni_len = 0;
  out->nalpn = 0;
  struct rd r = {out->hs + 4, out->hs_len - 4, 0, 0};
  return parse_client_hello(r, out);
}

int gost__tlshello_detect_server(const uint8_t *buf, size_t len) {
  static const uint8_t want[] = {REC_HANDSHAKE, 0x03};
  size_t n = len < 2 ? len : 2;
  if (memcmp(buf, want, n) != 0) return GOST_EPROTO;
  if (len < 6) return GOST_EAGAIN;
  return buf[5] == HS_SERVER_HELLO ? GOST_OK : GOST_EPROTO;
}
