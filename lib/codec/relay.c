#include "codec/relay.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static void wr16(uint8_t *p, size_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

/* ---- host:port text ---- */

static const char *memchr_c(const char *s, size_t len, char c) { return memchr(s, c, len); }

int gost__hostport_split(const char *s, size_t len, const char **host, size_t *hlen,
                         const char **port, size_t *plen) {
  const char *h, *p;
  size_t hl;
  if (len > 0 && s[0] == '[') {
    const char *end = memchr_c(s, len, ']');
    if (!end || (size_t)(end - s) + 1 >= len || end[1] != ':') return GOST_EINVAL;
    h = s + 1;
    hl = (size_t)(end - h);
    if (memchr_c(h, hl, '[')) return GOST_EINVAL;
    p = end + 2;
  } else {
    const char *colon = NULL;
    for (size_t i = len; i > 0; i--)
      if (s[i - 1] == ':') {
        colon = s + i - 1;
        break;
      }
    if (!colon) return GOST_EINVAL;
    h = s;
    hl = (size_t)(colon - s);
    /* An unbracketed host may not hold ':' (bare IPv6) nor brackets. */
    if (memchr_c(h, hl, ':') || memchr_c(h, hl, '[') || memchr_c(h, hl, ']')) return GOST_EINVAL;
    p = colon + 1;
  }
  size_t pl = len - (size_t)(p - s);
  if (memchr_c(p, pl, '[') || memchr_c(p, pl, ']')) return GOST_EINVAL;
  *host = h;
  *hlen = hl;
  *port = p;
  *plen = pl;
  return GOST_OK;
}

/* Decimal 0..65535, or -1. */
static long parse_port(const char *p, size_t len) {
  if (len == 0 || len > 5) return -1;
  long v = 0;
  for (size_t i = 0; i < len; i++) {
    if (p[i] < '0' || p[i] > '9') return -1;
    v = v * 10 + (p[i] - '0');
  }
  return v <= 65535 ? v : -1;
}

static void set_host(struct gost_relay_addr *a, const char *h, size_t n) {
  memcpy(a->host, h, n);
  a->host[n] = '\0';
  a->host_len = n;
}

int gost__relay_addr_from_string(struct gost_relay_addr *a, const char *s, size_t len) {
  const char *h, *p;
  size_t hl, pl;
  long port = 0;
  if (gost__hostport_split(s, len, &h, &hl, &p, &pl) == GOST_OK) {
    port = parse_port(p, pl);
    if (port < 0) port = 0;
  } else {
    h = s;
    hl = len;
  }
  if (hl > GOST__RELAY_HOST_MAX) return gost__error(GOST_EINVAL, "relay: host longer than 255");

  char tmp[GOST__RELAY_HOST_MAX + 1];
  uint8_t ip[16];
  memcpy(tmp, h, hl);
  tmp[hl] = '\0';
  a->port = (uint16_t)port;
  /* Canonical text is stored so that decode(encode(a)) gives back the same struct. */
  if (strlen(tmp) == hl && inet_pton(AF_INET, tmp, ip) == 1) {
    a->atyp = GOST__RELAY_ATYP_IPV4;
  } else if (strlen(tmp) == hl && inet_pton(AF_INET6, tmp, ip) == 1) {
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(ip, mapped, 12) == 0) {
      a->atyp = GOST__RELAY_ATYP_IPV4;
      memmove(ip, ip + 12, 4);
    } else {
      a->atyp = GOST__RELAY_ATYP_IPV6;
    }
  } else {
    a->atyp = GOST__RELAY_ATYP_DOMAIN;
    set_host(a, h, hl);
    return GOST_OK;
  }
  int af = a->atyp == GOST__RELAY_ATYP_IPV4 ? AF_INET : AF_INET6;
  inet_ntop(af, ip, a->host, sizeof a->host);
  a->host_len = strlen(a->host);
  return GOST_OK;
}

int gost__relay_addr_format(const struct gost_relay_addr *a, char *buf, size_t cap) {
  int v6 = a->atyp == GOST__RELAY_ATYP_IPV6;
  if (a->host_len > GOST__RELAY_HOST_MAX) return GOST_EINVAL;
  char port[8];
  int pn = snprintf(port, sizeof port, ":%u", (unsigned)a->port);
  size_t need = a->host_len + (v6 ? 2 : 0) + (size_t)pn + 1;
  if (cap < need) return gost__error(GOST_EINVAL, "relay: address buffer too small");
  size_t off = 0;
  if (v6) buf[off++] = '[';
  memcpy(buf + off, a->host, a->host_len);
  off += a->host_len;
  if (v6) buf[off++] = ']';
  memcpy(buf + off, port, (size_t)pn + 1);
  return (int)(off + (size_t)pn);
}

/* ---- Addr wire form ---- */

int gost__relay_addr_decode(const uint8_t *p, size_t len, struct gost_relay_addr *a, size_t *used) {
  size_t n;
  if (len < 1) return GOST_EAGAIN;
  switch (p[0]) {
    case GOST__RELAY_ATYP_IPV4: n = 1 + 4 + 2; break;
    case GOST__RELAY_ATYP_IPV6: n = 1 + 16 + 2; break;
    case GOST__RELAY_ATYP_DOMAIN:
      if (len < 2) return GOST_EAGAIN;
      n = 1 + 1 + (size_t)p[1] + 2;
      break;
    default: return gost__error(GOST_EPROTO, "relay: unknown address type 0x%02x", p[0]);
  }
  if (len < n) return GOST_EAGAIN;
  a->atyp = p[0];
  a->port = rd16(p + n - 2);
  if (p[0] == GOST__RELAY_ATYP_DOMAIN) {
    set_host(a, (const char *)p + 2, p[1]);
  } else {
    inet_ntop(p[0] == GOST__RELAY_ATYP_IPV4 ? AF_INET : AF_INET6, p + 1, a->host, sizeof a->host);
    a->host_len = strlen(a->host);
  }
  *used = n;
  return GOST_OK;
}

int gost__relay_addr_encode(const struct gost_relay_addr *a, uint8_t *buf, size_t cap) {
  size_t n;
  if (a->host_len > GOST__RELAY_HOST_MAX) return gost__error(GOST_EINVAL, "relay: host too long");
  switch (a->atyp) {
    case GOST__RELAY_ATYP_IPV4: n = 7; break;
    case GOST__RELAY_ATYP_IPV6: n = 19; break;
    case GOST__RELAY_ATYP_DOMAIN: n = 4 + a->host_len; break;
    default: return gost__error(GOST_EINVAL, "relay: unknown address type 0x%02x", a->atyp);
  }
  if (cap < n) return gost__error(GOST_EINVAL, "relay: buffer too small for address");
  buf[0] = a->atyp;
  if (a->atyp == GOST__RELAY_ATYP_DOMAIN) {
    buf[1] = (uint8_t)a->host_len;
    memcpy(buf + 2, a->host, a->host_len);
  } else {
    int af = a->atyp == GOST__RELAY_ATYP_IPV4 ? AF_INET : AF_INET6;
    if (strlen(a->host) != a->host_len || inet_pton(af, a->host, buf + 1) != 1)
      return gost__error(GOST_EINVAL, "relay: bad IP literal '%s'", a->host);
  }
  wr16(buf + n - 2, a->port);
  return (int)n;
}

/* ---- messages ---- */

void gost__relay_msg_init(struct gost_relay_msg *m) {
  memset(m, 0, sizeof *m);
  m->version = GOST__RELAY_VERSION;
}

int gost__relay_msg_set_auth(struct gost_relay_msg *m, const char *user, const char *pass) {
  size_t ul = user ? strlen(user) : 0, pl = pass ? strlen(pass) : 0;
  if (ul > GOST__RELAY_CRED_MAX || pl > GOST__RELAY_CRED_MAX)
    return gost__error(GOST_EINVAL, "relay: username or password longer than 255");
  memcpy(m->user, user ? user : "", ul + 1);
  memcpy(m->pass, pass ? pass : "", pl + 1);
  m->user_len = (uint8_t)ul;
  m->pass_len = (uint8_t)pl;
  m->has_auth = 1;
  return GOST_OK;
}

int gost__relay_msg_add_addr(struct gost_relay_msg *m, const char *hostport) {
  struct gost_relay_addr a;
  int rc = gost__relay_addr_from_string(&a, hostport, strlen(hostport));
  if (rc != GOST_OK) return rc;
  m->addr[m->naddr < 2 ? m->naddr++ : 1] = a;
  return GOST_OK;
}

static int decode_features(const uint8_t *p, size_t len, struct gost_relay_msg *m) {
  while (len > 0) {
    if (len < 3) return gost__error(GOST_EPROTO, "relay: truncated feature header");
    uint8_t type = p[0];
    size_t flen = rd16(p + 1);
    const uint8_t *d = p + 3;
    if (flen > len - 3) return gost__error(GOST_EPROTO, "relay: feature length %zu beyond list", flen);
    switch (type) {
      case GOST__RELAY_FEAT_USERAUTH: {
        size_t ul = flen >= 1 ? d[0] : 0;
        if (flen < 2 || 2 + ul > flen || 2 + ul + d[1 + ul] > flen)
          return gost__error(GOST_EPROTO, "relay: short UserAuth feature");
        m->has_auth = 1;
        m->user_len = (uint8_t)ul;
        memcpy(m->user, d + 1, ul);
        m->user[ul] = '\0';
        m->pass_len = d[1 + ul];
        memcpy(m->pass, d + 2 + ul, m->pass_len);
        m->pass[m->pass_len] = '\0';
        break;
      }
      case GOST__RELAY_FEAT_ADDR: {
        struct gost_relay_addr a;
        size_t used;
        int rc = gost__relay_addr_decode(d, flen, &a, &used);
        if (rc == GOST_EAGAIN) return gost__error(GOST_EPROTO, "relay: short Addr feature");
        if (rc != GOST_OK) return rc;
        /* Positional: first = src, later ones = dst (a third replaces dst, as in stock). */
        m->addr[m->naddr < 2 ? m->naddr++ : 1] = a;
        break;
      }
      case GOST__RELAY_FEAT_TUNNEL:
        /* 16 = relay <= v0.4; 17..19 was never valid in any release. */
        if (flen < 16 || (flen > 16 && flen < 20))
          return gost__error(GOST_EPROTO, "relay: Tunnel feature of %zu bytes", flen);
        m->has_tunnel = 1;
        memcpy(m->tunnel.id, d, 16);
        m->tunnel_legacy = flen == 16;
        m->tunnel.flags = flen >= 20 ? d[16] : 0;
        m->tunnel.weight = flen >= 20 ? d[19] : 0;
        break;
      case GOST__RELAY_FEAT_NETWORK:
        if (flen < 2) return gost__error(GOST_EPROTO, "relay: short Network feature");
        m->network = rd16(d) == 1 ? GOST__RELAY_NET_UDP : GOST__RELAY_NET_TCP;
        break;
      default: break; /* forward compatible: nightly adds feature types */
    }
    p += 3 + flen;
    len -= 3 + flen;
  }
  return GOST_OK;
}

static int decode_msg(const uint8_t *buf, size_t len, struct gost_relay_msg *out,
                      size_t *consumed, int is_request) {
  if (len < 1) return GOST_EAGAIN;
  if (buf[0] != GOST__RELAY_VERSION) {
    gost__relay_msg_init(out);
    out->version = buf[0];
    return gost__error(GOST_EPROTO, "relay: bad version 0x%02x", buf[0]);
  }
  if (len < 4) return GOST_EAGAIN;
  size_t fealen = rd16(buf + 2);
  if (len - 4 < fealen) return GOST_EAGAIN;
  gost__relay_msg_init(out);
  if (is_request) {
    out->cmd = buf[1] & 0x0F;
    out->flags = buf[1] & 0xF0;
  } else {
    out->status = buf[1];
  }
  int rc = decode_features(buf + 4, fealen, out);
  if (rc != GOST_OK) return rc;
  *consumed = 4 + fealen;
  return GOST_OK;
}

int gost__relay_decode_request(const uint8_t *buf, size_t len, struct gost_relay_msg *out,
                               size_t *consumed) {
  return decode_msg(buf, len, out, consumed, 1);
}

int gost__relay_decode_response(const uint8_t *buf, size_t len, struct gost_relay_msg *out,
                                size_t *consumed) {
  return decode_msg(buf, len, out, consumed, 0);
}

/* Reserve a feature header; returns offset of DATA or 0 when out of room. */
static size_t feature_hdr(uint8_t *buf, size_t cap, size_t off, uint8_t type, size_t dlen) {
  if (cap < off || cap - off < 3 + dlen) return 0;
  buf[off] = type;
  wr16(buf + off + 1, dlen);
  return off + 3;
}

static int encode_msg(const struct gost_relay_msg *m, unsigned opts, uint8_t *buf, size_t cap,
                      uint8_t byte1) {
  size_t off = 4, d;
  if (m->naddr < 0 || m->naddr > 2 || (m->network != GOST__RELAY_NET_TCP && m->network != GOST__RELAY_NET_UDP))
    return gost__error(GOST_EINVAL, "relay: invalid message fields");
  if (cap < 4) goto small;
  /* relay <= v0.4 (3.0.0-rc) has no Network feature: the cmd's UDP flag says it */
  if (m->network == GOST__RELAY_NET_UDP && !(opts & GOST__RELAY_ENC_TUNNEL16)) {
    if (!(d = feature_hdr(buf, cap, off, GOST__RELAY_FEAT_NETWORK, 2))) goto small;
    wr16(buf + d, 1);
    off = d + 2;
  }
  if (m->has_auth) {
    size_t n = 2 + (size_t)m->user_len + m->pass_len;
    if (!(d = feature_hdr(buf, cap, off, GOST__RELAY_FEAT_USERAUTH, n))) goto small;
    buf[d] = m->user_len;
    memcpy(buf + d + 1, m->user, m->user_len);
    buf[d + 1 + m->user_len] = m->pass_len;
    memcpy(buf + d + 2 + m->user_len, m->pass, m->pass_len);
    off = d + n;
  }
  for (int i = 0; i < m->naddr; i++) {
    /* Encode first, then fill in the header once the length is known. */
    if (cap - off < 3) goto small;
    int n = gost__relay_addr_encode(&m->addr[i], buf + off + 3, cap - off - 3);
    if (n < 0) return n;
    feature_hdr(buf, cap, off, GOST__RELAY_FEAT_ADDR, (size_t)n);
    off += 3 + (size_t)n;
  }
  if (m->has_tunnel) {
    int legacy = (opts & GOST__RELAY_ENC_TUNNEL16) != 0;
    if (!(d = feature_hdr(buf, cap, off, GOST__RELAY_FEAT_TUNNEL, legacy ? 16 : 20))) goto small;
    memcpy(buf + d, m->tunnel.id, 16);
    if (!legacy) {
      buf[d + 16] = m->tunnel.flags;
      buf[d + 17] = buf[d + 18] = 0;
      buf[d + 19] = m->tunnel.weight;
    }
    off = d + (legacy ? 16 : 20);
  }
  buf[0] = GOST__RELAY_VERSION;
  buf[1] = byte1;
  wr16(buf + 2, off - 4); /* off - 4 <= GOST__RELAY_MSG_MAX, far below 65535 */
  return (int)off;
small:
  return gost__error(GOST_EINVAL, "relay: output buffer too small (%zu)", cap);
}

int gost__relay_encode_request(const struct gost_relay_msg *m, unsigned opts, uint8_t *buf,
                               size_t cap) {
  if (m->cmd > 0x0F || (m->flags & 0x0F))
    return gost__error(GOST_EINVAL, "relay: bad cmd 0x%02x / flags 0x%02x", m->cmd, m->flags);
  uint8_t b = (uint8_t)(m->cmd | m->flags);
  if (m->network == GOST__RELAY_NET_UDP) b |= GOST__RELAY_FLAG_UDP; /* stock sends both */
  return encode_msg(m, opts, buf, cap, b);
}

int gost__relay_encode_response(const struct gost_relay_msg *m, unsigned opts, uint8_t *buf,
                                size_t cap) {
  return encode_msg(m, opts, buf, cap, m->status);
}

const uint8_t gost__relay_vmux_id[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                          0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};

const char *gost__relay_status_name(int status) {
  static const char *const names[] = {
      "OK",          "Bad Request",      "Unauthorized",        "Forbidden",
      "Timeout",     "Service Unavailable", "Host Unreachable", "Network Unreachable",
      "Internal Server Error"};
  if (status < 0 || (size_t)status >= sizeof names / sizeof names[0]) return "Unknown";
  return names[status];
}
