/* go-gost/relay v0.5.0 Request/Response codec (wire-spec §2). Pure: no I/O, no allocation. */
#ifndef GOST_CODEC_RELAY_H
#define GOST_CODEC_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define GOST__RELAY_VERSION 0x01

/* Commands (low nibble) and flags (high nibble) of the request's second byte. */
#define GOST__RELAY_CMD_CONNECT 0x01
#define GOST__RELAY_CMD_BIND 0x02
#define GOST__RELAY_CMD_ASSOCIATE 0x03
#define GOST__RELAY_FLAG_UDP 0x80

enum gost_relay_status {
  GOST__RELAY_OK = 0x00,
  GOST__RELAY_BAD_REQUEST = 0x01,
  GOST__RELAY_UNAUTHORIZED = 0x02,
  GOST__RELAY_FORBIDDEN = 0x03,
  GOST__RELAY_TIMEOUT = 0x04,
  GOST__RELAY_SERVICE_UNAVAILABLE = 0x05,
  GOST__RELAY_HOST_UNREACHABLE = 0x06,
  GOST__RELAY_NETWORK_UNREACHABLE = 0x07,
  GOST__RELAY_INTERNAL_SERVER_ERROR = 0x08
};

#define GOST__RELAY_FEAT_USERAUTH 0x01
#define GOST__RELAY_FEAT_ADDR 0x02
#define GOST__RELAY_FEAT_TUNNEL 0x03
#define GOST__RELAY_FEAT_NETWORK 0x04

#define GOST__RELAY_ATYP_IPV4 0x01
#define GOST__RELAY_ATYP_DOMAIN 0x03
#define GOST__RELAY_ATYP_IPV6 0x04

#define GOST__RELAY_NET_TCP 0
#define GOST__RELAY_NET_UDP 1

/* Tunnel feature flags: private (request) / UDP connector (BIND response). */
#define GOST__RELAY_TUNNEL_PRIVATE 0x80
#define GOST__RELAY_TUNNEL_UDP 0x01

#define GOST__RELAY_HOST_MAX 255
#define GOST__RELAY_CRED_MAX 255
/* Longest "host:port" text: bracketed host + ':' + 5 digits + NUL. */
#define GOST__RELAY_ADDR_STR_MAX (GOST__RELAY_HOST_MAX + 2 + 1 + 5 + 1)
/* Largest message the encoder can produce from a struct gost_relay_msg. */
#define GOST__RELAY_MSG_MAX (4 + 5 + (3 + 2 + 2 * GOST__RELAY_CRED_MAX) + 2 * (3 + 4 + GOST__RELAY_HOST_MAX) + 23)

/* Encoder option: the layout of relay <= v0.4 (legacy, §13): 16-byte Tunnel DATA and no Network
 * feature (3.0.0-rc.5 refuses a BIND that carries one; the UDP flag in CMD is enough). */
#define GOST__RELAY_ENC_TUNNEL16 0x01u

/* libgost extension (docs/tunnel.md "Multiplexed visitor sessions"): a CONNECT naming this
 * reserved tunnel ID asks for a multiplexed visitor session. A server that has it answers OK
 * with a Tunnel feature holding the same ID, then runs smux over the connection; any other
 * server knows no such tunnel and refuses it (stock: Host Unreachable or Service Unavailable). */
extern const uint8_t gost__relay_vmux_id[16];

/* An Addr feature. IPv4/IPv6 hosts are held as text; domains verbatim (may be empty). */
struct gost_relay_addr {
  uint8_t atyp;
  uint16_t port;
  size_t host_len;                     /* bytes in host, without the NUL */
  char host[GOST__RELAY_HOST_MAX + 1]; /* always NUL-terminated */
};

struct gost_relay_tunnel {
  uint8_t id[16];
  uint8_t flags;
  uint8_t weight;
};

/* A decoded or to-be-encoded Request (cmd/flags) or Response (status). */
struct gost_relay_msg {
  uint8_t version;
  uint8_t cmd;    /* request: CMD & 0x0F */
  uint8_t flags;  /* request: CMD & 0xF0 */
  uint8_t status; /* response */
  int has_auth;
  uint8_t user_len, pass_len;
  char user[GOST__RELAY_CRED_MAX + 1]; /* NUL-terminated */
  char pass[GOST__RELAY_CRED_MAX + 1];
  int naddr;                       /* 0..2: addr[0] = src, addr[1] = dst */
  struct gost_relay_addr addr[2];
  int has_tunnel;
  int tunnel_legacy;               /* decoded from 16-byte DATA */
  struct gost_relay_tunnel tunnel;
  int network;                     /* GOST__RELAY_NET_*; absent or unknown = tcp */
};

/* Decode one message from buf. GOST_EAGAIN until 4 + FEALEN bytes are present; never looks
 * past them, so *consumed leaves following bytes (smux frames) untouched. A version other
 * than 1 gives GOST_EPROTO with out->version set (the server answers BadRequest); after other
 * errors out is unspecified. *consumed is set only on GOST_OK. Unknown feature types are
 * skipped. */
int gost__relay_decode_request(const uint8_t *buf, size_t len, struct gost_relay_msg *out,
                               size_t *consumed);
int gost__relay_decode_response(const uint8_t *buf, size_t len, struct gost_relay_msg *out,
                                size_t *consumed);

/* Encode in stock order: Network (udp only), UserAuth (if has_auth), Addr src, Addr dst,
 * Tunnel. The request CMD byte is cmd | flags, plus 0x80 for udp. Returns bytes written,
 * or GOST_EINVAL (buffer too small or invalid field). */
int gost__relay_encode_request(const struct gost_relay_msg *m, unsigned opts, uint8_t *buf,
                               size_t cap);
int gost__relay_encode_response(const struct gost_relay_msg *m, unsigned opts, uint8_t *buf,
                                size_t cap);

/* Helpers for building messages; return GOST_OK or GOST_EINVAL. */
void gost__relay_msg_init(struct gost_relay_msg *m);
int gost__relay_msg_set_auth(struct gost_relay_msg *m, const char *user, const char *pass);
/* Append an Addr from "host:port" text; a third one replaces dst, as on receive. */
int gost__relay_msg_add_addr(struct gost_relay_msg *m, const char *hostport);

/* Fill an Addr from "host:port" as the Go encoder does (§2.6): IP literal -> IPv4/IPv6
 * (IPv4-mapped -> IPv4), otherwise domain; no parsable port -> port 0, whole text is host. */
int gost__relay_addr_from_string(struct gost_relay_addr *a, const char *s, size_t len);
/* "host:port" ("[v6]:port" for IPv6) into buf; returns length or GOST_EINVAL if too small. */
int gost__relay_addr_format(const struct gost_relay_addr *a, char *buf, size_t cap);

/* ATYP + address + port. decode: GOST_EAGAIN if short, GOST_EPROTO for an unknown ATYP;
 * *used = bytes taken. encode: bytes written or GOST_EINVAL. Shared with UDP framing (B). */
int gost__relay_addr_decode(const uint8_t *p, size_t len, struct gost_relay_addr *a, size_t *used);
int gost__relay_addr_encode(const struct gost_relay_addr *a, uint8_t *buf, size_t cap);

/* Split "host:port" / "[host]:port" like Go's net.SplitHostPort; GOST_EINVAL if it is not
 * of that shape (caller then treats the whole text as host). Pointers alias s. */
int gost__hostport_split(const char *s, size_t len, const char **host, size_t *hlen,
                         const char **port, size_t *plen);

/* Log names of status codes ("Bad Request", ...); "Unknown" for others. Never NULL. */
const char *gost__relay_status_name(int status);

#endif
