#include "codec/socks5.h"

#include <netinet/in.h>
#include <string.h>

/* ATYP ADDR PORT at p; *used = bytes. Shared by requests, replies and UDP headers. */
static int decode_addr(const uint8_t *p, size_t n, struct gost_socks5_addr *a, size_t *used) {
  size_t alen;
  if (n < 1) return GOST_EAGAIN;
  memset(a, 0, sizeof *a);
  a->atyp = p[0];
  switch (p[0]) {
  case GOST__SOCKS5_ATYP_IPV4: alen = 4; break;
  case GOST__SOCKS5_ATYP_IPV6: alen = 16; break;
  case GOST__SOCKS5_ATYP_DOMAIN:
    if (n < 2) return GOST_EAGAIN;
    alen = 1 + (size_t)p[1];
    if (p[1] == 0) return GOST_EPROTO;
    break;
  default: return GOST_EPROTO;
  }
  if (n < 1 + alen + 2) return GOST_EAGAIN;
  if (p[0] == GOST__SOCKS5_ATYP_DOMAIN) {
    if (memchr(p + 2, 0, p[1])) return GOST_EPROTO; /* keeps host a valid C string */
    a->host_len = p[1];
    memcpy(a->host, p + 2, p[1]);
  } else {
    memcpy(a->ip, p + 1, alen);
  }
  a->port = (uint16_t)(p[1 + alen] << 8 | p[2 + alen]);
  *used = 1 + alen + 2;
  return GOST_OK;
}

static size_t addr_size(const struct gost_socks5_addr *a) {
  switch (a->atyp) {
  case GOST__SOCKS5_ATYP_IPV4: return 1 + 4 + 2;
  case GOST__SOCKS5_ATYP_IPV6: return 1 + 16 + 2;
  case GOST__SOCKS5_ATYP_DOMAIN: return a->host_len ? 1 + 1 + (size_t)a->host_len + 2 : 0;
  default: return 0;
  }
}

static uint8_t *encode_addr(const struct gost_socks5_addr *a, uint8_t *o) {
  *o++ = a->atyp;
  if (a->atyp == GOST__SOCKS5_ATYP_DOMAIN) {
    *o++ = a->host_len;
    memcpy(o, a->host, a->host_len);
    o += a->host_len;
  } else {
    size_t alen = a->atyp == GOST__SOCKS5_ATYP_IPV4 ? 4 : 16;
    memcpy(o, a->ip, alen);
    o += alen;
  }
  *o++ = (uint8_t)(a->port >> 8);
  *o++ = (uint8_t)a->port;
  return o;
}

int gost__socks5_decode_greeting(const uint8_t *p, size_t n, struct gost_socks5_greeting *out,
                                 size_t *consumed) {
  if (n >= 1 && p[0] != GOST__SOCKS5_VERSION) return GOST_EPROTO;
  if (n >= 2 && p[1] == 0) return GOST_EPROTO;
  if (n < 2 || n < 2 + (size_t)p[1]) return GOST_EAGAIN;
  out->nmethods = p[1];
  memcpy(out->methods, p + 2, p[1]);
  *consumed = 2 + (size_t)p[1];
  return GOST_OK;
}

int gost__socks5_encode_greeting(const struct gost_socks5_greeting *in, uint8_t *out, size_t cap,
                                 size_t *written) {
  size_t need = 2 + (size_t)in->nmethods;
  if (in->nmethods == 0 || cap < need) return GOST_EINVAL;
  out[0] = GOST__SOCKS5_VERSION;
  out[1] = in->nmethods;
  memcpy(out + 2, in->methods, in->nmethods);
  *written = need;
  return GOST_OK;
}

/* Two-byte messages: version + one code. */
static int decode_pair(uint8_t ver, const uint8_t *p, size_t n, uint8_t *v, size_t *consumed) {
  if (n >= 1 && p[0] != ver) return GOST_EPROTO;
  if (n < 2) return GOST_EAGAIN;
  *v = p[1];
  *consumed = 2;
  return GOST_OK;
}

static int encode_pair(uint8_t ver, uint8_t v, uint8_t *out, size_t cap, size_t *written) {
  if (cap < 2) return GOST_EINVAL;
  out[0] = ver;
  out[1] = v;
  *written = 2;
  return GOST_OK;
}

int gost__socks5_decode_method(const uint8_t *p, size_t n, uint8_t *method, size_t *consumed) {
  return decode_pair(GOST__SOCKS5_VERSION, p, n, method, consumed);
}

int gost__socks5_encode_method(uint8_t method, uint8_t *out, size_t cap, size_t *written) {
  return encode_pair(GOST__SOCKS5_VERSION, method, out, cap, written);
}

int gost__socks5_decode_userpass_reply(const uint8_t *p, size_t n, uint8_t *status,
                                       size_t *consumed) {
  return decode_pair(GOST__SOCKS5_AUTH_VERSION, p, n, status, consumed);
}

int gost__socks5_encode_userpass_reply(uint8_t status, uint8_t *out, size_t cap, size_t *written) {
  return encode_pair(GOST__SOCKS5_AUTH_VERSION, status, out, cap, written);
}

int gost__socks5_decode_userpass(const uint8_t *p, size_t n, struct gost_socks5_userpass *out,
                                 size_t *consumed) {
  if (n >= 1 && p[0] != GOST__SOCKS5_AUTH_VERSION) return GOST_EPROTO;
  if (n < 2 || n < 2 + (size_t)p[1] + 1) return GOST_EAGAIN;
  size_t ulen = p[1], plen = p[2 + ulen];
  if (n < 3 + ulen + plen) return GOST_EAGAIN;
  if (memchr(p + 2, 0, ulen) || memchr(p + 3 + ulen, 0, plen)) return GOST_EPROTO;
  out->ulen = (uint8_t)ulen;
  out->plen = (uint8_t)plen;
  memcpy(out->user, p + 2, ulen);
  out->user[ulen] = 0;
  memcpy(out->pass, p + 3 + ulen, plen);
  out->pass[plen] = 0;
  *consumed = 3 + ulen + plen;
  return GOST_OK;
}

int gost__socks5_encode_userpass(const struct gost_socks5_userpass *in, uint8_t *out, size_t cap,
                                 size_t *written) {
  size_t need = 3 + (size_t)in->ulen + in->plen;
  if (cap < need) return GOST_EINVAL;
  out[0] = GOST__SOCKS5_AUTH_VERSION;
  out[1] = in->ulen;
  memcpy(out + 2, in->user, in->ulen);
  out[2 + in->ulen] = in->plen;
  memcpy(out + 3 + in->ulen, in->pass, in->plen);
  *written = need;
  return GOST_OK;
}

static int decode_msg(const uint8_t *p, size_t n, struct gost_socks5_msg *out, size_t *consumed) {
  size_t used;
  if (n >= 1 && p[0] != GOST__SOCKS5_VERSION) return GOST_EPROTO;
  if (n >= 3 && p[2] != 0) return GOST_EPROTO; /* RSV */
  if (n < 4) return GOST_EAGAIN;
  int rc = decode_addr(p + 3, n - 3, &out->addr, &used);
  if (rc != GOST_OK) return rc;
  out->code = p[1];
  *consumed = 3 + used;
  return GOST_OK;
}

static int encode_msg(const struct gost_socks5_msg *in, uint8_t *out, size_t cap,
                      size_t *written) {
  size_t as = addr_size(&in->addr);
  if (as == 0 || cap < 3 + as) return GOST_EINVAL;
  out[0] = GOST__SOCKS5_VERSION;
  out[1] = in->code;
  out[2] = 0;
  *written = (size_t)(encode_addr(&in->addr, out + 3) - out);
  return GOST_OK;
}

int gost__socks5_decode_request(const uint8_t *p, size_t n, struct gost_socks5_msg *out,
                                size_t *consumed) {
  return decode_msg(p, n, out, consumed);
}

int gost__socks5_encode_request(const struct gost_socks5_msg *in, uint8_t *out, size_t cap,
                                size_t *written) {
  return encode_msg(in, out, cap, written);
}

int gost__socks5_decode_reply(const uint8_t *p, size_t n, struct gost_socks5_msg *out,
                              size_t *consumed) {
  return decode_msg(p, n, out, consumed);
}

int gost__socks5_encode_reply(const struct gost_socks5_msg *in, uint8_t *out, size_t cap,
                              size_t *written) {
  return encode_msg(in, out, cap, written);
}

int gost__socks5_decode_udp(const uint8_t *p, size_t n, struct gost_socks5_udp *out) {
  size_t used;
  if (n < 4 || p[0] != 0 || p[1] != 0) return GOST_EPROTO;
  if (decode_addr(p + 3, n - 3, &out->addr, &used) != GOST_OK) return GOST_EPROTO;
  out->frag = p[2];
  out->data = p + 3 + used;
  out->data_len = n - 3 - used;
  return GOST_OK;
}

int gost__socks5_encode_udp(const struct gost_socks5_udp *in, uint8_t *out, size_t cap,
                            size_t *written) {
  size_t as = addr_size(&in->addr);
  if (as == 0 || cap < 3 + as || cap - 3 - as < in->data_len) return GOST_EINVAL;
  out[0] = out[1] = 0;
  out[2] = in->frag;
  uint8_t *o = encode_addr(&in->addr, out + 3);
  if (in->data_len) memmove(o, in->data, in->data_len); /* data may already sit in out */
  *written = (size_t)(o - out) + in->data_len;
  return GOST_OK;
}

int gost__socks5_addr_from_sockaddr(const struct sockaddr *sa, struct gost_socks5_addr *out) {
  memset(out, 0, sizeof *out);
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    out->atyp = GOST__SOCKS5_ATYP_IPV4;
    memcpy(out->ip, &in->sin_addr, 4);
    out->port = ntohs(in->sin_port);
    return GOST_OK;
  }
  if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    out->atyp = GOST__SOCKS5_ATYP_IPV6;
    memcpy(out->ip, &in6->sin6_addr, 16);
    out->port = ntohs(in6->sin6_port);
    return GOST_OK;
  }
  return GOST_EINVAL;
}

int gost__socks5_addr_to_sockaddr(const struct gost_socks5_addr *a, struct sockaddr_storage *ss,
                                  socklen_t *len) {
  memset(ss, 0, sizeof *ss);
  if (a->atyp == GOST__SOCKS5_ATYP_IPV4) {
    struct sockaddr_in *in = (struct sockaddr_in *)ss;
    in->sin_family = AF_INET;
    memcpy(&in->sin_addr, a->ip, 4);
    in->sin_port = htons(a->port);
    *len = sizeof *in;
    return GOST_OK;
  }
  if (a->atyp == GOST__SOCKS5_ATYP_IPV6) {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    in6->sin6_family = AF_INET6;
    memcpy(&in6->sin6_addr, a->ip, 16);
    in6->sin6_port = htons(a->port);
    *len = sizeof *in6;
    return GOST_OK;
  }
  return GOST_EINVAL;
}

int gost__socks5_addr_set_domain(struct gost_socks5_addr *a, const char *host, size_t len,
                                 uint16_t port) {
  if (len == 0 || len > GOST__SOCKS5_NAME_MAX || memchr(host, 0, len)) return GOST_EINVAL;
  memset(a, 0, sizeof *a);
  a->atyp = GOST__SOCKS5_ATYP_DOMAIN;
  a->host_len = (uint8_t)len;
  memcpy(a->host, host, len);
  a->port = port;
  return GOST_OK;
}
