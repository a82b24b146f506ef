/* HAProxy PROXY protocol v1 (text) and v2 (binary) headers, TCP over IPv4/IPv6. Pure. */
#ifndef GOST_CODEC_PROXYPROTO_H
#define GOST_CODEC_PROXYPROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/error.h"

#define GOST__PP_V1_MAX 107           /* longest v1 line, CRLF included */
#define GOST__PP_V2_HDR 16            /* signature + ver/cmd + fam + len */
#define GOST__PP_V2_MAX_EXTRA 2048    /* accepted address + TLV bytes after the 16 */
#define GOST__PP_V2_ENCODED_MAX (16 + 36)

struct gost_pp_info {
  int version;                  /* 1 or 2 */
  int local;                    /* v2 LOCAL or v1 UNKNOWN: use the real connection addresses */
  int family;                   /* AF_INET, AF_INET6, or AF_UNSPEC (local or unsupported) */
  struct sockaddr_storage src, dst; /* valid for AF_INET/AF_INET6, ports in network order */
  size_t header_len;            /* bytes the header took; payload follows */
};

/* Decode a v1 or v2 header at the start of the first n bytes of a connection. GOST_OK,
 * GOST_EAGAIN when incomplete, GOST_EPROTO when it is not a valid header. A v2 PROXY header
 * for UDP or unix sockets decodes with family AF_UNSPEC; TLVs are skipped. */
int gost__proxyproto_decode(const uint8_t *p, size_t n, struct gost_pp_info *out);

/* Encode in->version (1 or 2). in->local (or family AF_UNSPEC) gives "PROXY UNKNOWN" / v2
 * LOCAL; otherwise src and dst must both be of in->family. GOST_EINVAL on bad input or when
 * cap is too small. */
int gost__proxyproto_encode(const struct gost_pp_info *in, uint8_t *out, size_t cap,
                            size_t *written);

#endif
