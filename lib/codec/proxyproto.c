#include "codec/proxyproto.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static const uint8_t v2sig[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                  0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

/* Two wire bytes kept in network order. */
static uint16_t raw16(const uint8_t *b) {
  uint16_t v;
  memcpy(&v, b, 2);
  return v;
}

/* Fill an AF_INET/AF_INET6 sockaddr from raw address bytes and a port in network order. */
static void set_sa(struct sockaddr_storage *ss, int family, const void *addr, uint16_t nport) {
  memset(ss, 0, sizeof *ss);
  if (family == AF_INET) {
    struct sockaddr_in *in = (struct sockaddr_in *)ss;
    in->sin_family = AF_INET;
    memcpy(&in->sin_addr, addr, 4);
    in->sin_port = nport;
  } else {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    in6->sin6_family = AF_INET6;
    memcpy(&in6->sin6_addr, addr, 16);
    in6->sin6_port = nport;
  }
}

/* Next space-delimited field of the v1 line, copied into buf (bounded). */
static int field(const char **s, const char *end, char *buf, size_t cap) {
  const char *b = *s, *e = b;
  while (e < end && *e != ' ') e++;
  if (e == b || (size_t)(e - b) >= cap) return GOST_EPROTO;
  memcpy(buf, b, (size_t)(e - b));
  buf[e - b] = 0;
  *s = e < end ? e + 1 : e;
  return GOST_OK;
}

static int v1_port(const char *s, uint16_t *nport) {
  unsigned v = 0;
  size_t n = strlen(s);
  if (n == 0 || n > 5 || (n > 1 && s[0] == '0')) return GOST_EPROTO;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return GOST_EPROTO;
    v = v * 10 + (unsigned)(s[i] - '0');
  }
  if (v > 65535) return GOST_EPROTO;
  *nport = htons((uint16_t)v);
  return GOST_OK;
}

static int decode_v1(const uint8_t *p, size_t n, struct gost_pp_info *out) {
  const char *s = (const char *)p, *nl = NULL;
  size_t lim = n < GOST__PP_V1_MAX ? n : GOST__PP_V1_MAX;
  for (size_t i = 1; i < lim && !nl; i++) {
    if (s[i] != '\n') continue;
    if (s[i - 1] != '\r') return GOST_EPROTO; /* the line must end in CRLF */
    nl = s + i;
  }
  if (!nl) return n >= GOST__PP_V1_MAX ? GOST_EPROTO : GOST_EAGAIN;
  const char *end = nl - 1, *cur = s + 6; /* after "PROXY " */
  char proto[8], a1[48], a2[48], p1[8], p2[8];
  uint8_t b1[16], b2[16];
  uint16_t n1, n2;
  out->version = 1;
  out->header_len = (size_t)(nl - s) + 1;
  if (field(&cur, end, proto, sizeof proto)) return GOST_EPROTO;
  if (strcmp(proto, "UNKNOWN") == 0) {
    out->local = 1; /* the rest of the line is to be ignored */
    out->family = AF_UNSPEC;
    return GOST_OK;
  }
  int fam = strcmp(proto, "TCP4") == 0 ? AF_INET : strcmp(proto, "TCP6") == 0 ? AF_INET6 : -1;
  if (fam < 0 || field(&cur, end, a1, sizeof a1) || field(&cur, end, a2, sizeof a2) ||
      field(&cur, end, p1, sizeof p1) || field(&cur, end, p2, sizeof p2) || cur != end ||
      end[-1] == ' ')
    return GOST_EPROTO;
  if (inet_pton(fam, a1, b1) != 1 || inet_pton(fam, a2, b2) != 1 || v1_port(p1, &n1) ||
      v1_port(p2, &n2))
    return GOST_EPROTO;
  out->family = fam;
  set_sa(&out->src, fam, b1, n1);
  set_sa(&out->dst, fam, b2, n2);
  return GOST_OK;
}

static int decode_v2(const uint8_t *p, size_t n, struct gost_pp_info *out) {
  if (n >= 13 && (p[12] >> 4) != 2) return GOST_EPROTO;
  if (n >= 13 && (p[12] & 0x0f) > 1) return GOST_EPROTO;
  if (n < GOST__PP_V2_HDR) return GOST_EAGAIN;
  size_t len = (size_t)p[14] << 8 | p[15];
  if (len > GOST__PP_V2_MAX_EXTRA) return GOST_EPROTO;
  if (n < GOST__PP_V2_HDR + len) return GOST_EAGAIN;
  const uint8_t *a = p + GOST__PP_V2_HDR;
  out->version = 2;
  out->header_len = GOST__PP_V2_HDR + len;
  out->family = AF_UNSPEC;
  if ((p[12] & 0x0f) == 0) { /* LOCAL: health checks and the like */
    out->local = 1;
    return GOST_OK;
  }
  if (p[13] == 0x11) { /* TCP over IPv4 */
    if (len < 12) return GOST_EPROTO;
    out->family = AF_INET;
    set_sa(&out->src, AF_INET, a, raw16(a + 8));
    set_sa(&out->dst, AF_INET, a + 4, raw16(a + 10));
  } else if (p[13] == 0x21) { /* TCP over IPv6 */
    if (len < 36) return GOST_EPROTO;
    out->family = AF_INET6;
    set_sa(&out->src, AF_INET6, a, raw16(a + 32));
    set_sa(&out->dst, AF_INET6, a + 16, raw16(a + 34));
  } else if ((p[13] >> 4) > 3 || (p[13] & 0x0f) > 2) {
    return GOST_EPROTO;
  }
  return GOST_OK;
}

int gost__proxyproto_decode(const uint8_t *p, size_t n, struct gost_pp_info *out) {
  memset(out, 0, sizeof *out);
  size_t k = n < 12 ? n : 12;
  if (memcmp(p, v2sig, k) == 0) return k < 12 ? GOST_EAGAIN : decode_v2(p, n, out);
  k = n < 6 ? n : 6;
  if (memcmp(p, "PROXY ", k) == 0) return k < 6 ? GOST_EAGAIN : decode_v1(p, n, out);
  return GOST_EPROTO;
}

/* Raw address and port (network order) of an AF_INET/AF_INET6 sockaddr. */
static const void *sa_addr(const struct sockaddr_storage *ss, uint16_t *nport) {
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
    *nport = in->sin_port;
    return &in->sin_addr;
  }
  const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
  *nport = in6->sin6_port;
  return &in6->sin6_addr;
}

static int encode_v1(const struct gost_pp_info *in, uint8_t *out, size_t cap, size_t *written) {
  char line[GOST__PP_V1_MAX + 1], s1[INET6_ADDRSTRLEN], s2[INET6_ADDRSTRLEN];
  int n;
  if (in->local || in->family == AF_UNSPEC) {
    n = snprintf(line, sizeof line, "PROXY UNKNOWN\r\n");
  } else {
    uint16_t p1, p2;
    const void *a1 = sa_addr(&in->src, &p1), *a2 = sa_addr(&in->dst, &p2);
    if (!inet_ntop(in->family, a1, s1, sizeof s1) || !inet_ntop(in->family, a2, s2, sizeof s2))
      return GOST_EINVAL;
    n = snprintf(line, sizeof line, "PROXY %s %s %s %u %u\r\n",
                 in->family == AF_INET ? "TCP4" : "TCP6", s1, s2, ntohs(p1), ntohs(p2));
  }
  if (n < 0 || (size_t)n >= sizeof line || (size_t)n > cap) return GOST_EINVAL;
  memcpy(out, line, (size_t)n);
  *written = (size_t)n;
  return GOST_OK;
}

static int encode_v2(const struct gost_pp_info *in, uint8_t *out, size_t cap, size_t *written) {
  int local = in->local || in->family == AF_UNSPEC;
  size_t alen = local ? 0 : in->family == AF_INET ? 12 : 36;
  if (cap < GOST__PP_V2_HDR + alen) return GOST_EINVAL;
  memcpy(out, v2sig, 12);
  out[12] = local ? 0x20 : 0x21;
  out[13] = local ? 0x00 : in->family == AF_INET ? 0x11 : 0x21;
  out[14] = 0;
  out[15] = (uint8_t)alen;
  if (!local) {
    uint16_t p1, p2;
    size_t w = in->family == AF_INET ? 4 : 16;
    memcpy(out + 16, sa_addr(&in->src, &p1), w);
    memcpy(out + 16 + w, sa_addr(&in->dst, &p2), w);
    memcpy(out + 16 + 2 * w, &p1, 2); /* already network order */
    memcpy(out + 18 + 2 * w, &p2, 2);
  }
  *written = GOST__PP_V2_HDR + alen;
  return GOST_OK;
}

int gost__proxyproto_encode(const struct gost_pp_info *in, uint8_t *out, size_t cap,
                            size_t *written) {
  if (!in->local && in->family != AF_UNSPEC &&
      ((in->family != AF_INET && in->family != AF_INET6) || in->src.ss_family != in->family ||
       in->dst.ss_family != in->family))
    return GOST_EINVAL;
  if (in->version == 1) return encode_v1(in, out, cap, written);
  if (in->version == 2) return encode_v2(in, out, cap, written);
  return GOST_EINVAL;
}
