/* SOCKS5 (RFC 1928/1929): byte vectors, every-prefix EAGAIN, round trips, malformed input. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "../support/harness.h"
#include "codec/socks5.h"
#include "harness.h"

/* Every strict prefix of a valid message is EAGAIN; the whole decodes with consumed == n. */
#define PREFIXES(decode, buf, n, out)                                          \
  do {                                                                         \
    size_t used_ = 0;                                                          \
    for (size_t i_ = 0; i_ < (n); i_++)                                        \
      ck_assert_int_eq(decode((buf), i_, (out), &used_), GOST_EAGAIN);         \
    ck_assert_int_eq(decode((buf), (n), (out), &used_), GOST_OK);              \
    ck_assert_uint_eq(used_, (n));                                             \
  } while (0)

START_TEST(greeting) {
  uint8_t b[16], o[16];
  size_t n = gost_test_hex("05 02 00 02", b, sizeof b), w;
  struct gost_socks5_greeting g;
  PREFIXES(gost__socks5_decode_greeting, b, n, &g);
  ck_assert(g.nmethods == 2 && g.methods[0] == 0 && g.methods[1] == 2);
  ck_assert_int_eq(gost__socks5_encode_greeting(&g, o, sizeof o, &w), GOST_OK);
  ck_assert(w == n && memcmp(o, b, n) == 0);
  ck_assert_int_eq(gost__socks5_encode_greeting(&g, o, 3, &w), GOST_EINVAL);
  b[0] = 4;
  ck_assert_int_eq(gost__socks5_decode_greeting(b, 1, &g, &w), GOST_EPROTO);
  uint8_t zero[] = {5, 0};
  ck_assert_int_eq(gost__socks5_decode_greeting(zero, 2, &g, &w), GOST_EPROTO);
}
END_TEST

START_TEST(method_and_auth) {
  uint8_t b[600], o[600];
  size_t w, used;
  uint8_t m;
  ck_assert_int_eq(gost__socks5_encode_method(GOST__SOCKS5_METHOD_USERPASS, o, 2, &w), GOST_OK);
  ck_assert(w == 2 && o[0] == 5 && o[1] == 2);
  PREFIXES(gost__socks5_decode_method, o, w, &m);
  ck_assert_uint_eq(m, 2);
  o[0] = 1;
  ck_assert_int_eq(gost__socks5_decode_method(o, 2, &m, &used), GOST_EPROTO);

  size_t n = gost_test_hex("01 05 61 6c 69 63 65 06 73 65 63 72 65 74", b, sizeof b);
  struct gost_socks5_userpass up, up2;
  PREFIXES(gost__socks5_decode_userpass, b, n, &up);
  ck_assert_str_eq(up.user, "alice");
  ck_assert_str_eq(up.pass, "secret");
  ck_assert_int_eq(gost__socks5_encode_userpass(&up, o, sizeof o, &w), GOST_OK);
  ck_assert(w == n && memcmp(o, b, n) == 0);
  /* Longest credentials round-trip. */
  memset(&up2, 0, sizeof up2);
  up2.ulen = up2.plen = 255;
  memset(up2.user, 'u', 255);
  memset(up2.pass, 'p', 255);
  ck_assert_int_eq(gost__socks5_encode_userpass(&up2, o, sizeof o, &w), GOST_OK);
  ck_assert_uint_eq(w, 513);
  PREFIXES(gost__socks5_decode_userpass, o, w, &up);
  ck_assert(up.ulen == 255 && strlen(up.pass) == 255);
  ck_assert_int_eq(gost__socks5_encode_userpass(&up2, o, 512, &w), GOST_EINVAL);
  b[0] = 5;
  ck_assert_int_eq(gost__socks5_decode_userpass(b, n, &up, &used), GOST_EPROTO);
  uint8_t nul[] = {1, 1, 0, 1, 'x'};
  ck_assert_int_eq(gost__socks5_decode_userpass(nul, sizeof nul, &up, &used), GOST_EPROTO);

  ck_assert_int_eq(gost__socks5_encode_userpass_reply(0, o, 2, &w), GOST_OK);
  ck_assert(o[0] == 1 && o[1] == 0);
  PREFIXES(gost__socks5_decode_userpass_reply, o, w, &m);
  ck_assert_uint_eq(m, 0);
}
END_TEST

static const char *requests[] = {
    "05 01 00 01 7f 00 00 01 00 50",                                    /* CONNECT 127.0.0.1:80 */
    "05 01 00 03 0b 65 78 61 6d 70 6c 65 2e 63 6f 6d 01 bb",           /* CONNECT example.com:443 */
    "05 03 00 04 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 00 35", /* UDP [2001:db8::1]:53 */
    "05 02 00 01 00 00 00 00 00 00",                                    /* BIND 0.0.0.0:0 */
};

START_TEST(request_roundtrip) {
  uint8_t b[300], o[300];
  size_t n = gost_test_hex(requests[_i], b, sizeof b), w;
  struct gost_socks5_msg m;
  PREFIXES(gost__socks5_decode_request, b, n, &m);
  ck_assert_uint_eq(m.code, b[1]);
  ck_assert_int_eq(gost__socks5_encode_request(&m, o, sizeof o, &w), GOST_OK);
  ck_assert(w == n && memcmp(o, b, n) == 0);
  ck_assert_int_eq(gost__socks5_encode_request(&m, o, n - 1, &w), GOST_EINVAL);
  /* Replies share the layout. */
  PREFIXES(gost__socks5_decode_reply, b, n, &m);
  ck_assert_int_eq(gost__socks5_encode_reply(&m, o, sizeof o, &w), GOST_OK);
  ck_assert(w == n && memcmp(o, b, n) == 0);
}
END_TEST

START_TEST(request_fields_and_errors) {
  uint8_t b[300];
  size_t n = gost_test_hex(requests[1], b, sizeof b), used;
  struct gost_socks5_msg m;
  ck_assert_int_eq(gost__socks5_decode_request(b, n, &m, &used), GOST_OK);
  ck_assert_uint_eq(m.addr.atyp, GOST__SOCKS5_ATYP_DOMAIN);
  ck_assert_str_eq(m.addr.host, "example.com");
  ck_assert_uint_eq(m.addr.port, 443);
  /* Trailing payload is not consumed. */
  b[n] = 0xaa;
  ck_assert_int_eq(gost__socks5_decode_request(b, n + 1, &m, &used), GOST_OK);
  ck_assert_uint_eq(used, n);
  b[2] = 1; /* RSV */
  ck_assert_int_eq(gost__socks5_decode_request(b, 3, &m, &used), GOST_EPROTO);
  b[2] = 0, b[3] = 2; /* ATYP */
  ck_assert_int_eq(gost__socks5_decode_request(b, n, &m, &used), GOST_EPROTO);
  b[3] = 3, b[4] = 0; /* empty domain */
  ck_assert_int_eq(gost__socks5_decode_request(b, n, &m, &used), GOST_EPROTO);
  b[4] = 11, b[6] = 0; /* NUL in domain */
  ck_assert_int_eq(gost__socks5_decode_request(b, n, &m, &used), GOST_EPROTO);
  uint8_t v4[] = {4, 1, 0, 80, 127, 0, 0, 1, 0};
  ck_assert_int_eq(gost__socks5_decode_request(v4, sizeof v4, &m, &used), GOST_EPROTO);
  /* Encoder refuses an unset address. */
  memset(&m, 0, sizeof m);
  ck_assert_int_eq(gost__socks5_encode_request(&m, b, sizeof b, &used), GOST_EINVAL);
  ck_assert_int_eq(gost__socks5_addr_set_domain(&m.addr, "a.b", 3, 8080), GOST_OK);
  m.code = GOST__SOCKS5_CMD_CONNECT;
  ck_assert_int_eq(gost__socks5_encode_request(&m, b, sizeof b, &used), GOST_OK);
  ck_assert_uint_eq(used, 4 + 1 + 3 + 2);
  ck_assert_int_eq(gost__socks5_addr_set_domain(&m.addr, "", 0, 1), GOST_EINVAL);
}
END_TEST

START_TEST(udp_header) {
  uint8_t b[64], o[64];
  size_t n = gost_test_hex("00 00 00 01 0a 00 00 01 00 35 de ad be ef", b, sizeof b), w;
  struct gost_socks5_udp u;
  ck_assert_int_eq(gost__socks5_decode_udp(b, n, &u), GOST_OK);
  ck_assert(u.frag == 0 && u.addr.port == 53 && u.data_len == 4 && u.data == b + 10);
  ck_assert_int_eq(gost__socks5_encode_udp(&u, o, sizeof o, &w), GOST_OK);
  ck_assert(w == n && memcmp(o, b, n) == 0);
  ck_assert_int_eq(gost__socks5_encode_udp(&u, o, n - 1, &w), GOST_EINVAL);
  /* A truncated datagram is malformed, not incomplete. */
  for (size_t i = 0; i < 10; i++) ck_assert_int_eq(gost__socks5_decode_udp(b, i, &u), GOST_EPROTO);
  ck_assert_int_eq(gost__socks5_decode_udp(b, 10, &u), GOST_OK);
  ck_assert_uint_eq(u.data_len, 0);
  b[1] = 1;
  ck_assert_int_eq(gost__socks5_decode_udp(b, n, &u), GOST_EPROTO);
}
END_TEST

START_TEST(sockaddr_helpers) {
  struct sockaddr_in6 in6 = {0};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(8443);
  inet_pton(AF_INET6, "2001:db8::7", &in6.sin6_addr);
  struct gost_socks5_addr a;
  ck_assert_int_eq(gost__socks5_addr_from_sockaddr((struct sockaddr *)&in6, &a), GOST_OK);
  ck_assert(a.atyp == GOST__SOCKS5_ATYP_IPV6 && a.port == 8443);
  struct sockaddr_storage ss;
  socklen_t len;
  ck_assert_int_eq(gost__socks5_addr_to_sockaddr(&a, &ss, &len), GOST_OK);
  ck_assert(len == sizeof in6 && memcmp(&ss, &in6, sizeof in6) == 0);
  struct sockaddr_in in = {0};
  in.sin_family = AF_INET;
  in.sin_port = htons(80);
  in.sin_addr.s_addr = htonl(0x7f000001);
  ck_assert_int_eq(gost__socks5_addr_from_sockaddr((struct sockaddr *)&in, &a), GOST_OK);
  ck_assert(a.atyp == GOST__SOCKS5_ATYP_IPV4 && a.ip[0] == 127 && a.ip[3] == 1);
  gost__socks5_addr_set_domain(&a, "x", 1, 1);
  ck_assert_int_eq(gost__socks5_addr_to_sockaddr(&a, &ss, &len), GOST_EINVAL);
}
END_TEST

int main(void) {
  Suite *s = suite_create("socks5");
  TCase *tc = tcase_create("codec");
  tcase_add_test(tc, greeting);
  tcase_add_test(tc, method_and_auth);
  tcase_add_loop_test(tc, request_roundtrip, 0, (int)(sizeof requests / sizeof requests[0]));
  tcase_add_test(tc, request_fields_and_errors);
  tcase_add_test(tc, udp_header);
  tcase_add_test(tc, sockaddr_helpers);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
