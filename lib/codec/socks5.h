/* SOCKS5 (RFC 1928) and username/password sub-negotiation (RFC 1929) messages. Pure.
 * Decoders take the bytes received so far: GOST_OK with *consumed, GOST_EAGAIN when incomplete,
 * GOST_EPROTO when malformed. Encoders return GOST_EINVAL for bad fields or a short buffer. */
#ifndef GOST_CODEC_SOCKS5_H
#define GOST_CODEC_SOCKS5_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/error.h"

#define GOST__SOCKS5_VERSION 0x05
#define GOST__SOCKS5_AUTH_VERSION 0x01

#define GOST__SOCKS5_METHOD_NONE 0x00
#define GOST__SOCKS5_METHOD_GSSAPI 0x01
#define GOST__SOCKS5_METHOD_USERPASS 0x02
#define GOST__SOCKS5_METHOD_NO_ACCEPTABLE 0xff

#define GOST__SOCKS5_CMD_CONNECT 0x01
#define GOST__SOCKS5_CMD_BIND 0x02
#define GOST__SOCKS5_CMD_UDP_ASSOCIATE 0x03
/* GOST extensions: BIND multiplexed over the control connection (smux, one stream per peer),
 * and UDP over the control connection in framing (B) */
#define GOST__SOCKS5_CMD_MUX_BIND 0xF2
#define GOST__SOCKS5_CMD_UDP_TUN 0xF3

#define GOST__SOCKS5_ATYP_IPV4 0x01
#define GOST__SOCKS5_ATYP_DOMAIN 0x03
#define GOST__SOCKS5_ATYP_IPV6 0x04

enum gost_socks5_rep {
  GOST__SOCKS5_REP_SUCCEEDED = 0x00,
  GOST__SOCKS5_REP_FAILURE = 0x01,
  GOST__SOCKS5_REP_NOT_ALLOWED = 0x02,
  GOST__SOCKS5_REP_NET_UNREACHABLE = 0x03,
  GOST__SOCKS5_REP_HOST_UNREACHABLE = 0x04,
  GOST__SOCKS5_REP_CONN_REFUSED = 0x05,
  GOST__SOCKS5_REP_TTL_EXPIRED = 0x06,
  GOST__SOCKS5_REP_CMD_UNSUPPORTED = 0x07,
  GOST__SOCKS5_REP_ATYP_UNSUPPORTED = 0x08
};

#define GOST__SOCKS5_NAME_MAX 255
/* Longest request/reply: 4 + 1 + 255 + 2. */
#define GOST__SOCKS5_MSG_MAX 262

/* DST/BND address. ip holds 4 or 16 bytes per atyp; host (NUL-terminated) for domains. */
struct gost_socks5_addr {
  uint8_t atyp;
  uint8_t ip[16];
  uint8_t host_len;
  char host[GOST__SOCKS5_NAME_MAX + 1];
  uint16_t port;
};

struct gost_socks5_greeting {
  uint8_t nmethods; /* 1..255 */
  uint8_t methods[255];
};

struct gost_socks5_userpass {
  uint8_t ulen, plen;
  char user[GOST__SOCKS5_NAME_MAX + 1]; /* NUL-terminated copies */
  char pass[GOST__SOCKS5_NAME_MAX + 1];
};

/* Request (code = CMD) or reply (code = REP): the same layout on the wire. */
struct gost_socks5_msg {
  uint8_t code;
  struct gost_socks5_addr addr;
};

/* UDP relay header; data points into the decoded datagram. */
struct gost_socks5_udp {
  uint8_t frag;
  struct gost_socks5_addr addr;
  const uint8_t *data;
  size_t data_len;
};

int gost__socks5_decode_greeting(const uint8_t *p, size_t n, struct gost_socks5_greeting *out,
                                 size_t *consumed);
int gost__socks5_encode_greeting(const struct gost_socks5_greeting *in, uint8_t *out, size_t cap,
                                 size_t *written);
/* Method selection: VER METHOD. */
int gost__socks5_decode_method(const uint8_t *p, size_t n, uint8_t *method, size_t *consumed);
int gost__socks5_encode_method(uint8_t method, uint8_t *out, size_t cap, size_t *written);
/* RFC 1929 request; empty user/password are tolerated on decode. */
int gost__socks5_decode_userpass(const uint8_t *p, size_t n, struct gost_socks5_userpass *out,
                                 size_t *consumed);
int gost__socks5_encode_userpass(const struct gost_socks5_userpass *in, uint8_t *out, size_t cap,
                                 size_t *written);
/* RFC 1929 reply: VER(0x01) STATUS (0 = success). */
int gost__socks5_decode_userpass_reply(const uint8_t *p, size_t n, uint8_t *status,
                                       size_t *consumed);
int gost__socks5_encode_userpass_reply(uint8_t status, uint8_t *out, size_t cap, size_t *written);
/* Request VER CMD RSV ATYP ADDR PORT. Any CMD value decodes; the handler answers 0x07. An
 * unknown ATYP cannot be framed and is GOST_EPROTO. */
int gost__socks5_decode_request(const uint8_t *p, size_t n, struct gost_socks5_msg *out,
                                size_t *consumed);
int gost__socks5_encode_request(const struct gost_socks5_msg *in, uint8_t *out, size_t cap,
                                size_t *written);
/* Reply VER REP RSV ATYP ADDR PORT. */
int gost__socks5_decode_reply(const uint8_t *p, size_t n, struct gost_socks5_msg *out,
                              size_t *consumed);
int gost__socks5_encode_reply(const struct gost_socks5_msg *in, uint8_t *out, size_t cap,
                              size_t *written);
/* UDP header RSV(2) FRAG ATYP ADDR PORT DATA over one whole datagram: truncation is
 * GOST_EPROTO, never GOST_EAGAIN. */
int gost__socks5_decode_udp(const uint8_t *p, size_t n, struct gost_socks5_udp *out);
/* Writes the header followed by data_len bytes of data. */
int gost__socks5_encode_udp(const struct gost_socks5_udp *in, uint8_t *out, size_t cap,
                            size_t *written);

/* Address helpers: AF_INET/AF_INET6 sockaddr <-> IPv4/IPv6 addr. GOST_EINVAL otherwise. */
int gost__socks5_addr_from_sockaddr(const struct sockaddr *sa, struct gost_socks5_addr *out);
int gost__socks5_addr_to_sockaddr(const struct gost_socks5_addr *a, struct sockaddr_storage *ss,
                                  socklen_t *len);
/* Set a domain address (1..255 bytes, no NUL). */
int gost__socks5_addr_set_domain(struct gost_socks5_addr *a, const char *host, size_t len,
                                 uint16_t port);

#endif
