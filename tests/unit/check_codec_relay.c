/* Relay codec: wire-spec §15 vectors, splits, malformed input, Addr text rules. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "codec/relay.h"
#include "codec/uuid.h"
#include "../support/harness.h"
#include "harness.h"

/* §15.1 BIND request, reply; UDP variant; §15.3 UDP CONNECT; §15.2 stream header. */
#define BIND_REQ_TCP                                          \
  "01 02 00 28"                                               \
  "02 00 07 01 c0 a8 01 0a d0 ae"                             \
  "02 00 04 03 00 00 00"                                      \
  "03 00 14 4d 21 09 4e b7 4c 49 16 86 c1 d9 fa 36 ea 67 7b 00 00 00 01"
#define BIND_REQ_UDP                                          \
  "01 82 00 2d 04 00 02 00 01"                                \
  "02 00 07 01 c0 a8 01 0a d0 ae"                             \
  "02 00 04 03 00 00 00"                                      \
  "03 00 14 4d 21 09 4e b7 4c 49 16 86 c1 d9 fa 36 ea 67 7b 00 00 00 01"
#define BIND_REPLY(flags)                                                     \
  "01 00 00 2e"                                                               \
  "02 00 14 03 10 61 36 32 36 35 63 36 64 39 38 34 37 61 34 62 65 00 00"     \
  "03 00 14 34 64 af 8b 49 c5 42 4c 89 ea b4 e9 af 07 5a 7d " flags " 00 00 01"
#define UDP_CONNECT                                                         \
  "01 81 00 3c 04 00 02 00 01"                                              \
  "02 00 07 01 7f 00 00 01 9c 40"                                           \
  "02 00 13 03 0f 64 6e 73 2e 73 72 76 2d 32 2e 6c 6f 63 61 6c 00 00"       \
  "03 00 14 ae de 1f 6a 76 2b 45 da b9 37 b6 63 23 56 55 5a 00 00 00 00"
#define STREAM_HDR                                      \
  "01 00 00 1c 02 00 07 01 cb 00 71 07 c7 38"            \
  "02 00 0f 03 0b 65 78 61 6d 70 6c 65 2e 63 6f 6d 00 50"

#define TID "4d21094e-b74c-4916-86c1-d9fa36ea677b"
#define CID "3464af8b-49c5-424c-89ea-b4e9af075a7d"
#define VID "aede1f6a-762b-45da-b937-b6632356555a"

static uint8_t wire[2048], out[2048];

static size_t hex(const char *h) { return gost_test_hex(h, wire, sizeof wire); }

static void set_tunnel(struct gost_relay_msg *m, const char *id, uint8_t flags, uint8_t weight) {
  ck_assert_int_eq(gost__uuid_parse(id, strlen(id), m->tunnel.id), GOST_OK);
  m->has_tunnel = 1;
  m->tunnel.flags = flags;
  m->tunnel.weight = weight;
}

static void bind_request(struct gost_relay_msg *m, int udp) {
  gost__relay_msg_init(m);
  m->cmd = GOST__RELAY_CMD_BIND;
  m->network = udp ? GOST__RELAY_NET_UDP : GOST__RELAY_NET_TCP;
  ck_assert_int_eq(gost__relay_msg_add_addr(m, "192.168.1.10:53422"), GOST_OK);
  ck_assert_int_eq(gost__relay_msg_add_addr(m, ":0"), GOST_OK);
  set_tunnel(m, TID, 0, 1);
}

static void bind_reply(struct gost_relay_msg *m, int udp) {
  gost__relay_msg_init(m);
  ck_assert_int_eq(gost__relay_msg_add_addr(m, "a6265c6d9847a4be:0"), GOST_OK);
  set_tunnel(m, CID, udp ? GOST__RELAY_TUNNEL_UDP : 0, 1);
}

static void udp_connect(struct gost_relay_msg *m) {
  gost__relay_msg_init(m);
  m->cmd = GOST__RELAY_CMD_CONNECT;
  m->network = GOST__RELAY_NET_UDP;
  gost__relay_msg_add_addr(m, "127.0.0.1:40000");
  gost__relay_msg_add_addr(m, "dns.srv-2.local:0");
  set_tunnel(m, VID, 0, 0);
}

static void addr_eq(const struct gost_relay_addr *a, const struct gost_relay_addr *b) {
  ck_assert_uint_eq(a->atyp, b->atyp);
  ck_assert_uint_eq(a->port, b->port);
  ck_assert_uint_eq(a->host_len, b->host_len);
  ck_assert(memcmp(a->host, b->host, a->host_len + 1) == 0);
}

static void msg_eq(const struct gost_relay_msg *a, const struct gost_relay_msg *b, int req) {
  ck_assert_uint_eq(a->version, b->version);
  if (req) {
    ck_assert_uint_eq(a->cmd, b->cmd);
    ck_assert_uint_eq(a->flags | (a->network ? 0x80 : 0), b->flags | (b->network ? 0x80 : 0));
  } else {
    ck_assert_uint_eq(a->status, b->status);
  }
  ck_assert_int_eq(a->has_auth, b->has_auth);
  if (a->has_auth) {
    ck_assert_uint_eq(a->user_len, b->user_len);
    ck_assert_uint_eq(a->pass_len, b->pass_len);
    ck_assert(memcmp(a->user, b->user, a->user_len) == 0);
    ck_assert(memcmp(a->pass, b->pass, a->pass_len) == 0);
  }
  ck_assert_int_eq(a->naddr, b->naddr);
  for (int i = 0; i < a->naddr; i++) addr_eq(&a->addr[i], &b->addr[i]);
  ck_assert_int_eq(a->has_tunnel, b->has_tunnel);
  if (a->has_tunnel) ck_assert(memcmp(&a->tunnel, &b->tunnel, sizeof a->tunnel) == 0);
  ck_assert_int_eq(a->network, b->network);
}

typedef int (*decode_fn)(const uint8_t *, size_t, struct gost_relay_msg *, size_t *);
typedef int (*encode_fn)(const struct gost_relay_msg *, unsigned, uint8_t *, size_t);

/* Byte-exact encode, decode back to the same struct, and every split gives EAGAIN. Prefixes
 * live in exact-size heap copies so ASan catches any read past them. */
static void check_vector(const struct gost_relay_msg *m, const char *h, int req) {
  encode_fn enc = req ? gost__relay_encode_request : gost__relay_encode_response;
  decode_fn dec = req ? gost__relay_decode_request : gost__relay_decode_response;
  size_t n = hex(h);
  int w = enc(m, 0, out, sizeof out);
  ck_assert_int_eq(w, (int)n);
  ck_assert(memcmp(out, wire, n) == 0);
  for (size_t cap = 0; cap < n; cap++) ck_assert_int_eq(enc(m, 0, out, cap), GOST_EINVAL);

  struct gost_relay_msg d;
  size_t used = 0;
  for (size_t k = 0; k < n; k++) {
    uint8_t *p = malloc(k ? k : 1);
    memcpy(p, wire, k);
    ck_assert_int_eq(dec(p, k, &d, &used), GOST_EAGAIN);
    free(p);
  }
  wire[n] = 0xEE; /* a following smux byte must stay unread */
  ck_assert_int_eq(dec(wire, n + 1, &d, &used), GOST_OK);
  ck_assert_uint_eq(used, n);
  msg_eq(m, &d, req);
}

START_TEST(bind_request_tcp) {
  struct gost_relay_msg m;
  bind_request(&m, 0);
  check_vector(&m, BIND_REQ_TCP, 1);
  struct gost_relay_msg d;
  size_t used;
  ck_assert_int_eq(gost__relay_decode_request(wire, hex(BIND_REQ_TCP), &d, &used), GOST_OK);
  ck_assert_uint_eq(d.cmd, GOST__RELAY_CMD_BIND);
  ck_assert_uint_eq(d.flags, 0);
  ck_assert_int_eq(d.network, GOST__RELAY_NET_TCP);
  ck_assert_int_eq(d.naddr, 2);
  ck_assert_str_eq(d.addr[0].host, "192.168.1.10");
  ck_assert_uint_eq(d.addr[0].port, 53422);
  ck_assert_uint_eq(d.addr[1].atyp, GOST__RELAY_ATYP_DOMAIN);
  ck_assert_uint_eq(d.addr[1].host_len, 0);
  ck_assert_uint_eq(d.addr[1].port, 0);
  char s[37];
  gost__uuid_format(d.tunnel.id, s);
  ck_assert_str_eq(s, TID);
  ck_assert_uint_eq(d.tunnel.weight, 1);
  ck_assert_int_eq(d.tunnel_legacy, 0);
}
END_TEST

START_TEST(bind_request_udp) {
  struct gost_relay_msg m;
  bind_request(&m, 1);
  check_vector(&m, BIND_REQ_UDP, 1);
  struct gost_relay_msg d;
  size_t used;
  ck_assert_int_eq(gost__relay_decode_request(wire, hex(BIND_REQ_UDP), &d, &used), GOST_OK);
  ck_assert_uint_eq(d.cmd, GOST__RELAY_CMD_BIND);
  ck_assert_uint_eq(d.flags, GOST__RELAY_FLAG_UDP);
  ck_assert_int_eq(d.network, GOST__RELAY_NET_UDP);
}
END_TEST

START_TEST(bind_reply_tcp_udp) {
  struct gost_relay_msg m, d;
  size_t used;
  bind_reply(&m, 0);
  check_vector(&m, BIND_REPLY("00"), 0);
  bind_reply(&m, 1);
  check_vector(&m, BIND_REPLY("01"), 0);
  ck_assert_int_eq(gost__relay_decode_response(wire, hex(BIND_REPLY("01")), &d, &used), GOST_OK);
  ck_assert_uint_eq(d.status, GOST__RELAY_OK);
  ck_assert_str_eq(d.addr[0].host, "a6265c6d9847a4be");
  ck_assert_uint_eq(d.tunnel.flags, GOST__RELAY_TUNNEL_UDP);
  char s[37];
  gost__uuid_format(d.tunnel.id, s);
  ck_assert_str_eq(s, CID);
}
END_TEST

START_TEST(udp_connect_vector) {
  struct gost_relay_msg m, d;
  size_t used;
  udp_connect(&m);
  check_vector(&m, UDP_CONNECT, 1);
  ck_assert_int_eq(gost__relay_decode_request(wire, hex(UDP_CONNECT), &d, &used), GOST_OK);
  ck_assert_uint_eq(d.cmd, GOST__RELAY_CMD_CONNECT);
  ck_assert_str_eq(d.addr[1].host, "dns.srv-2.local");
  gost__relay_msg_init(&m); /* "<- 01 00 00 00" */
  check_vector(&m, "01 00 00 00", 0);
}
END_TEST

START_TEST(stream_header_vector) {
  struct gost_relay_msg m;
  gost__relay_msg_init(&m);
  gost__relay_msg_add_addr(&m, "203.0.113.7:51000");
  gost__relay_msg_add_addr(&m, "example.com:80");
  check_vector(&m, STREAM_HDR, 0);
}
END_TEST

START_TEST(error_statuses_and_names) {
  struct gost_relay_msg m, d;
  size_t used;
  gost__relay_msg_init(&m);
  m.status = GOST__RELAY_NETWORK_UNREACHABLE;
  check_vector(&m, "01 07 00 00", 0);
  ck_assert_int_eq(gost__relay_decode_response(wire, 4, &d, &used), GOST_OK);
  ck_assert_uint_eq(d.status, 7);
  ck_assert_str_eq(gost__relay_status_name(0), "OK");
  ck_assert_str_eq(gost__relay_status_name(1), "Bad Request");
  ck_assert_str_eq(gost__relay_status_name(5), "Service Unavailable");
  ck_assert_str_eq(gost__relay_status_name(8), "Internal Server Error");
  ck_assert_str_eq(gost__relay_status_name(9), "Unknown");
  ck_assert_str_eq(gost__relay_status_name(-1), "Unknown");
}
END_TEST

START_TEST(userauth_round_trip) {
  struct gost_relay_msg m;
  udp_connect(&m);
  ck_assert_int_eq(gost__relay_msg_set_auth(&m, "user", "p@ss"), GOST_OK);
  check_vector(&m,
               "01 81 00 49 04 00 02 00 01 01 00 0a 04 75 73 65 72 04 70 40 73 73"
               "02 00 07 01 7f 00 00 01 9c 40"
               "02 00 13 03 0f 64 6e 73 2e 73 72 76 2d 32 2e 6c 6f 63 61 6c 00 00"
               "03 00 14 ae de 1f 6a 76 2b 45 da b9 37 b6 63 23 56 55 5a 00 00 00 00",
               1);
  ck_assert_int_eq(gost__relay_msg_set_auth(&m, "", NULL), GOST_OK);
  ck_assert_int_eq(m.has_auth, 1);
  uint8_t big[300];
  memset(big, 'u', sizeof big);
  big[256] = 0;
  ck_assert_int_eq(gost__relay_msg_set_auth(&m, (char *)big, "x"), GOST_EINVAL);
  big[255] = 0;
  ck_assert_int_eq(gost__relay_msg_set_auth(&m, (char *)big, (char *)big), GOST_OK);
  int n = gost__relay_encode_request(&m, 0, out, sizeof out);
  ck_assert_int_gt(n, 0);
  ck_assert_int_le(n, GOST__RELAY_MSG_MAX);
  struct gost_relay_msg d;
  size_t used;
  ck_assert_int_eq(gost__relay_decode_request(out, (size_t)n, &d, &used), GOST_OK);
  msg_eq(&m, &d, 1);
}
END_TEST

START_TEST(legacy_tunnel16) {
  struct gost_relay_msg m, d;
  size_t used;
  gost__relay_msg_init(&m);
  m.cmd = GOST__RELAY_CMD_CONNECT;
  set_tunnel(&m, VID, 0x80, 9); /* flags/weight cannot travel in 16 bytes */
  const char *h = "01 01 00 13 03 00 10 ae de 1f 6a 76 2b 45 da b9 37 b6 63 23 56 55 5a";
  size_t n = hex(h);
  ck_assert_int_eq(gost__relay_encode_request(&m, GOST__RELAY_ENC_TUNNEL16, out, sizeof out), (int)n);
  ck_assert(memcmp(out, wire, n) == 0);
  ck_assert_int_eq(gost__relay_decode_request(wire, n, &d, &used), GOST_OK);
  ck_assert_int_eq(d.has_tunnel, 1);
  ck_assert_int_eq(d.tunnel_legacy, 1);
  ck_assert_uint_eq(d.tunnel.flags, 0);
  ck_assert_uint_eq(d.tunnel.weight, 0);
  ck_assert(memcmp(d.tunnel.id, m.tunnel.id, 16) == 0);
}
END_TEST

START_TEST(tunnel_data_lengths) {
  struct gost_relay_msg d;
  size_t used;
  /* 24 bytes: extra trailing bytes ignored. */
  size_t n = hex("01 01 00 1b 03 00 18 ae de 1f 6a 76 2b 45 da b9 37 b6 63 23 56 55 5a 80 00 00 05 ff ff ff ff");
  ck_assert_int_eq(gost__relay_decode_request(wire, n, &d, &used), GOST_OK);
  ck_assert_uint_eq(d.tunnel.flags, 0x80);
  ck_assert_uint_eq(d.tunnel.weight, 5);
  ck_assert_int_eq(d.tunnel_legacy, 0);
  /* 15, 17, 18, 19 bytes are malformed. */
  static const int bad[] = {0, 15, 17, 18, 19};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    memset(wire, 0x11, sizeof wire);
    wire[0] = 1, wire[1] = 1, wire[2] = 0, wire[3] = (uint8_t)(3 + bad[i]);
    wire[4] = 3, wire[5] = 0, wire[6] = (uint8_t)bad[i];
    ck_assert_int_eq(gost__relay_decode_request(wire, 7 + (size_t)bad[i], &d, &used), GOST_EPROTO);
  }
}
END_TEST

START_TEST(unknown_feature_skipped) {
  struct gost_relay_msg m, d;
  size_t used;
  udp_connect(&m);
  /* Same as §15.3 with a type-0x09 feature between the Addrs, and an empty one at the end. */
  size_t n = hex("01 81 00 45 04 00 02 00 01"
                 "02 00 07 01 7f 00 00 01 9c 40"
                 "09 00 03 aa bb cc"
                 "02 00 13 03 0f 64 6e 73 2e 73 72 76 2d 32 2e 6c 6f 63 61 6c 00 00"
                 "03 00 14 ae de 1f 6a 76 2b 45 da b9 37 b6 63 23 56 55 5a 00 00 00 00"
                 "7f 00 00");
  ck_assert_int_eq(gost__relay_decode_request(wire, n, &d, &used), GOST_OK);
  ck_assert_uint_eq(used, n);
  msg_eq(&m, &d, 1);
}
END_TEST

START_TEST(positional_addrs_and_network) {
  struct gost_relay_msg d;
  size_t used;
  /* Three Addrs: third replaces dst. Network 0x0002 (ip) counts as tcp. */
  size_t n = hex("01 01 00 1b 04 00 02 00 02"
                 "02 00 04 03 00 00 01 02 00 04 03 00 00 02 02 00 05 03 01 78 00 03");
  ck_assert_int_eq(gost__relay_decode_request(wire, n, &d, &used), GOST_OK);
  ck_assert_int_eq(d.naddr, 2);
  ck_assert_uint_eq(d.addr[0].port, 1);
  ck_assert_str_eq(d.addr[1].host, "x");
  ck_assert_uint_eq(d.addr[1].port, 3);
  ck_assert_int_eq(d.network, GOST__RELAY_NET_TCP);
  ck_assert_int_eq(d.has_tunnel, 0);
  /* FUDP alone does not make it udp: the Network feature decides. */
  n = hex("01 81 00 00");
  ck_assert_int_eq(gost__relay_decode_request(wire, n, &d, &used), GOST_OK);
  ck_assert_uint_eq(d.flags, 0x80);
  ck_assert_int_eq(d.network, GOST__RELAY_NET_TCP);
  /* IPv6 Addr. */
  n = hex("01 01 00 16 02 00 13 04 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 01 bb");
  ck_assert_int_eq(gost__relay_decode_request(wire, n, &d, &used), GOST_OK);
  ck_assert_str_eq(d.addr[0].host, "2001:db8::1");
  ck_assert_uint_eq(d.addr[0].port, 443);
}
END_TEST

START_TEST(malformed) {
  static const struct {
    const char *hex;
    int rc;
  } cases[] = {
      {"02", GOST_EPROTO},                                  /* bad version, decided at once */
      {"00 01 00 00", GOST_EPROTO},                         /* bad version */
      {"01 01 00 02 02 00", GOST_EPROTO},                   /* FEALEN too short for a header */
      {"01 01 00 05 02 00 07 01 7f", GOST_EPROTO},          /* feature LEN beyond FEALEN */
      {"01 01 00 09 02 00 04 03 00 00 00 02 00", GOST_EPROTO}, /* FEALEN oversize vs features */
      {"01 01 00 0a 02 00 07 05 7f 00 00 01 00 50", GOST_EPROTO}, /* unknown ATYP */
      {"01 01 00 09 02 00 06 01 7f 00 00 01 00", GOST_EPROTO},    /* short IPv4 */
      {"01 01 00 07 02 00 04 03 05 61 00", GOST_EPROTO},          /* domain N beyond DATA */
      {"01 01 00 04 02 00 01 04", GOST_EPROTO},                   /* short IPv6 */
      {"01 01 00 03 02 00 00", GOST_EPROTO},                      /* empty Addr */
      {"01 01 00 04 01 00 01 00", GOST_EPROTO},                   /* UserAuth LEN 1 */
      {"01 01 00 05 01 00 02 05 00", GOST_EPROTO},                /* ULEN beyond DATA */
      {"01 01 00 07 01 00 04 01 61 03 62", GOST_EPROTO},          /* PLEN beyond DATA */
      {"01 01 00 04 04 00 01 01", GOST_EPROTO},                   /* Network LEN 1 */
      {"01 01 00 05 02 00 07 01 7f", GOST_EPROTO},
      {"01 01 00 0a 02 00 07 01 7f 00", GOST_EAGAIN},             /* truncated */
      {"01 01", GOST_EAGAIN},
      {"", GOST_EAGAIN},
  };
  struct gost_relay_msg d;
  size_t used = 12345;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t n = hex(cases[i].hex);
    uint8_t *p = malloc(n ? n : 1);
    memcpy(p, wire, n);
    ck_assert_msg(gost__relay_decode_request(p, n, &d, &used) == cases[i].rc, "case %zu", i);
    ck_assert_msg(gost__relay_decode_response(p, n, &d, &used) == cases[i].rc, "case %zu", i);
    free(p);
  }
  ck_assert_uint_eq(used, 12345); /* only set on success */
  hex("07 01 00 00");
  ck_assert_int_eq(gost__relay_decode_request(wire, 4, &d, &used), GOST_EPROTO);
  ck_assert_uint_eq(d.version, 7); /* lets the server answer BadRequest */
}
END_TEST

START_TEST(encode_rejects_bad_fields) {
  struct gost_relay_msg m;
  gost__relay_msg_init(&m);
  m.cmd = 0x12;
  ck_assert_int_eq(gost__relay_encode_request(&m, 0, out, sizeof out), GOST_EINVAL);
  m.cmd = 1;
  m.network = 7;
  ck_assert_int_eq(gost__relay_encode_request(&m, 0, out, sizeof out), GOST_EINVAL);
  m.network = 0;
  m.naddr = 1;
  m.addr[0].atyp = GOST__RELAY_ATYP_IPV4;
  strcpy(m.addr[0].host, "not-an-ip");
  m.addr[0].host_len = 9;
  ck_assert_int_eq(gost__relay_encode_request(&m, 0, out, sizeof out), GOST_EINVAL);
  m.addr[0].atyp = 9;
  ck_assert_int_eq(gost__relay_encode_request(&m, 0, out, sizeof out), GOST_EINVAL);
  m.addr[0].atyp = GOST__RELAY_ATYP_DOMAIN;
  ck_assert_int_eq(gost__relay_encode_request(&m, 0, out, sizeof out), 4 + 3 + 4 + 9);
}
END_TEST

START_TEST(addr_from_string) {
  static const struct {
    const char *in;
    uint8_t atyp;
    const char *host;
    uint16_t port;
    const char *text;
  } cases[] = {
      {"192.168.1.10:53422", GOST__RELAY_ATYP_IPV4, "192.168.1.10", 53422, "192.168.1.10:53422"},
      {":0", GOST__RELAY_ATYP_DOMAIN, "", 0, ":0"},
      {"", GOST__RELAY_ATYP_DOMAIN, "", 0, ":0"},
      {"hello", GOST__RELAY_ATYP_DOMAIN, "hello", 0, "hello:0"},
      {":8080", GOST__RELAY_ATYP_DOMAIN, "", 8080, ":8080"},
      {"[::1]:80", GOST__RELAY_ATYP_IPV6, "::1", 80, "[::1]:80"},
      {"::1", GOST__RELAY_ATYP_IPV6, "::1", 0, "[::1]:0"},
      {"[::ffff:1.2.3.4]:5", GOST__RELAY_ATYP_IPV4, "1.2.3.4", 5, "1.2.3.4:5"},
      {"[2001:DB8:0::1]:443", GOST__RELAY_ATYP_IPV6, "2001:db8::1", 443, "[2001:db8::1]:443"},
      {"Example.COM:65535", GOST__RELAY_ATYP_DOMAIN, "Example.COM", 65535, "Example.COM:65535"},
      {"example.com:http", GOST__RELAY_ATYP_DOMAIN, "example.com", 0, "example.com:0"},
      {"example.com:65536", GOST__RELAY_ATYP_DOMAIN, "example.com", 0, "example.com:0"},
      {"a:b:c", GOST__RELAY_ATYP_DOMAIN, "a:b:c", 0, "a:b:c:0"},
      {"[::1]", GOST__RELAY_ATYP_DOMAIN, "[::1]", 0, "[::1]:0"},
      {"0.0.0.0:0", GOST__RELAY_ATYP_IPV4, "0.0.0.0", 0, "0.0.0.0:0"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct gost_relay_addr a, b;
    char text[GOST__RELAY_ADDR_STR_MAX];
    ck_assert_int_eq(gost__relay_addr_from_string(&a, cases[i].in, strlen(cases[i].in)), GOST_OK);
    ck_assert_msg(a.atyp == cases[i].atyp, "case %zu", i);
    ck_assert_str_eq(a.host, cases[i].host);
    ck_assert_uint_eq(a.host_len, strlen(cases[i].host));
    ck_assert_uint_eq(a.port, cases[i].port);
    int n = gost__relay_addr_format(&a, text, sizeof text);
    ck_assert_int_eq(n, (int)strlen(cases[i].text));
    ck_assert_str_eq(text, cases[i].text);
    ck_assert_int_eq(gost__relay_addr_format(&a, text, (size_t)n), GOST_EINVAL);
    /* Wire round trip. */
    size_t used;
    int w = gost__relay_addr_encode(&a, out, sizeof out);
    ck_assert_int_gt(w, 0);
    ck_assert_int_eq(gost__relay_addr_decode(out, (size_t)w, &b, &used), GOST_OK);
    ck_assert_uint_eq(used, (size_t)w);
    addr_eq(&a, &b);
  }
  char big[300];
  memset(big, 'a', sizeof big);
  struct gost_relay_addr a;
  ck_assert_int_eq(gost__relay_addr_from_string(&a, big, 255), GOST_OK);
  ck_assert_int_eq(gost__relay_addr_from_string(&a, big, 256), GOST_EINVAL);
  memcpy(big + 255, ":80", 3);
  ck_assert_int_eq(gost__relay_addr_from_string(&a, big, 258), GOST_OK);
  ck_assert_uint_eq(a.port, 80);
  char text[GOST__RELAY_ADDR_STR_MAX];
  ck_assert_int_eq(gost__relay_addr_format(&a, text, sizeof text), 258);
}
END_TEST

START_TEST(hostport_split) {
  const char *h, *p;
  size_t hl, pl;
  ck_assert_int_eq(gost__hostport_split("a.b:80", 6, &h, &hl, &p, &pl), GOST_OK);
  ck_assert(hl == 3 && memcmp(h, "a.b", 3) == 0 && pl == 2 && memcmp(p, "80", 2) == 0);
  ck_assert_int_eq(gost__hostport_split("[fe80::1]:", 10, &h, &hl, &p, &pl), GOST_OK);
  ck_assert(hl == 7 && pl == 0);
  ck_assert_int_eq(gost__hostport_split("a.b", 3, &h, &hl, &p, &pl), GOST_EINVAL);
  ck_assert_int_eq(gost__hostport_split("[a]b:1", 6, &h, &hl, &p, &pl), GOST_EINVAL);
  ck_assert_int_eq(gost__hostport_split("[a:1", 4, &h, &hl, &p, &pl), GOST_EINVAL);
  ck_assert_int_eq(gost__hostport_split("a]:1", 4, &h, &hl, &p, &pl), GOST_EINVAL);
  ck_assert_int_eq(gost__hostport_split("a:1]", 4, &h, &hl, &p, &pl), GOST_EINVAL);
}
END_TEST

/* Encode -> decode -> equal over a spread of generated messages. */
START_TEST(round_trips) {
  static const char *addrs[] = {"1.2.3.4:1", "[::2]:2", ":0", "x.y:65535", "name"};
  for (int i = 0; i < 400; i++) {
    struct gost_relay_msg m, d;
    size_t used;
    int req = i & 1;
    gost__relay_msg_init(&m);
    m.cmd = (uint8_t)(i % 4);
    m.status = (uint8_t)(i % 9);
    m.network = (i >> 1) & 1;
    if (i % 3 == 0) gost__relay_msg_set_auth(&m, i % 6 ? "u" : "", "pw");
    for (int k = 0; k < (i >> 2) % 3; k++) gost__relay_msg_add_addr(&m, addrs[(i + k) % 5]);
    if ((i >> 3) & 1) {
      m.has_tunnel = 1;
      for (int k = 0; k < 16; k++) m.tunnel.id[k] = (uint8_t)(i * 7 + k);
      m.tunnel.flags = (uint8_t)i;
      m.tunnel.weight = (uint8_t)(i >> 1);
    }
    encode_fn enc = req ? gost__relay_encode_request : gost__relay_encode_response;
    decode_fn dec = req ? gost__relay_decode_request : gost__relay_decode_response;
    int n = enc(&m, 0, out, sizeof out);
    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(dec(out, (size_t)n, &d, &used), GOST_OK);
    ck_assert_uint_eq(used, (size_t)n);
    msg_eq(&m, &d, req);
  }
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("codec_relay");
  TCase *tc = tcase_create("relay");
  tcase_add_test(tc, bind_request_tcp);
  tcase_add_test(tc, bind_request_udp);
  tcase_add_test(tc, bind_reply_tcp_udp);
  tcase_add_test(tc, udp_connect_vector);
  tcase_add_test(tc, stream_header_vector);
  tcase_add_test(tc, error_statuses_and_names);
  tcase_add_test(tc, userauth_round_trip);
  tcase_add_test(tc, legacy_tunnel16);
  tcase_add_test(tc, tunnel_data_lengths);
  tcase_add_test(tc, unknown_feature_skipped);
  tcase_add_test(tc, positional_addrs_and_network);
  tcase_add_test(tc, malformed);
  tcase_add_test(tc, encode_rejects_bad_fields);
  tcase_add_test(tc, addr_from_string);
  tcase_add_test(tc, hostport_split);
  tcase_add_test(tc, round_trips);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return gost_test_run(suite());
}
