/* PROXY protocol v1/v2: spec examples, every-prefix EAGAIN, round trips, malformed headers. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/harness.h"
#include "codec/proxyproto.h"
#include "harness.h"

static struct gost_pp_info pp;

static void sa(struct sockaddr_storage *ss, int fam, const char *ip, uint16_t port) {
  memset(ss, 0, sizeof *ss);
  if (fam == AF_INET) {
    struct sockaddr_in *in = (struct sockaddr_in *)ss;
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    ck_assert_int_eq(inet_pton(AF_INET, ip, &in->sin_addr), 1);
  } else {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    ck_assert_int_eq(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
  }
}

static void decode_all_prefixes(const uint8_t *b, size_t n) {
  for (size_t i = 0; i < n; i++) ck_assert_int_eq(gost__proxyproto_decode(b, i, &pp), GOST_EAGAIN);
  ck_assert_int_eq(gost__proxyproto_decode(b, n, &pp), GOST_OK);
  ck_assert_uint_eq(pp.header_len, n);
}

START_TEST(v1_tcp4) {
  const char *s = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
  decode_all_prefixes((const uint8_t *)s, strlen(s));
  struct sockaddr_storage src, dst;
  sa(&src, AF_INET, "192.168.0.1", 56324);
  sa(&dst, AF_INET, "192.168.0.11", 443);
  ck_assert(pp.version == 1 && !pp.local && pp.family == AF_INET);
  ck_assert(memcmp(&pp.src, &src, sizeof(struct sockaddr_in)) == 0);
  ck_assert(memcmp(&pp.dst, &dst, sizeof(struct sockaddr_in)) == 0);
  uint8_t out[128];
  size_t w;
  ck_assert_int_eq(gost__proxyproto_encode(&pp, out, sizeof out, &w), GOST_OK);
  ck_assert(w == strlen(s) && memcmp(out, s, w) == 0);
  ck_assert_int_eq(gost__proxyproto_encode(&pp, out, w - 1, &w), GOST_EINVAL);
}
END_TEST

START_TEST(v1_tcp6_unknown) {
  const char *s = "PROXY TCP6 2001:db8::1 ::1 65535 1\r\nGET";
  ck_assert_int_eq(gost__proxyproto_decode((const uint8_t *)s, strlen(s), &pp), GOST_OK);
  ck_assert(pp.family == AF_INET6 && pp.header_len == strlen(s) - 3);
  uint8_t out[128];
  size_t w;
  ck_assert_int_eq(gost__proxyproto_encode(&pp, out, sizeof out, &w), GOST_OK);
  ck_assert(w == pp.header_len && memcmp(out, s, w) == 0);
  const char *u = "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n";
  decode_all_prefixes((const uint8_t *)u, strlen(u));
  ck_assert(pp.local && pp.family == AF_UNSPEC);
  ck_assert_int_eq(gost__proxyproto_encode(&pp, out, sizeof out, &w), GOST_OK);
  ck_assert(w == 15 && memcmp(out, "PROXY UNKNOWN\r\n", 15) == 0);
}
END_TEST

static const char *v1_bad[] = {
    "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",          /* LF only */
    "PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n",
    "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",
    "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",
    "PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n",
    "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n",
    "PROXY TCP4 ::1 5.6.7.8 1 2\r\n",
    "PROXY TCP6 1.2.3.4 ::1 1 2\r\n",
    "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n",
    "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
    "PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n",
    "PROXY \r\n",
    "proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
    "GET / HTTP/1.1\r\n",
};

START_TEST(v1_malformed) {
  const char *s = v1_bad[_i];
  ck_assert_msg(gost__proxyproto_decode((const uint8_t *)s, strlen(s), &pp) == GOST_EPROTO,
                "accepted %s", s);
}
END_TEST

START_TEST(v1_oversize) {
  char line[200];
  memcpy(line, "PROXY UNKNOWN ", 14);
  memset(line + 14, 'x', sizeof line - 14);
  ck_assert_int_eq(gost__proxyproto_decode((uint8_t *)line, 106, &pp), GOST_EAGAIN);
  ck_assert_int_eq(gost__proxyproto_decode((uint8_t *)line, 107, &pp), GOST_EPROTO);
  memcpy(line + 105, "\r\n", 2); /* exactly 107 bytes is still valid */
  ck_assert_int_eq(gost__proxyproto_decode((uint8_t *)line, 107, &pp), GOST_OK);
}
END_TEST

static const char *sig = "0d0a0d0a000d0a515549540a";

START_TEST(v2_vectors) {
  uint8_t b[128], out[128];
  char hex[256];
  size_t n, w;
  /* PROXY TCP4 192.168.0.1:56324 -> 192.168.0.11:443 */
  snprintf(hex, sizeof hex, "%s 21 11 000c c0a80001 c0a8000b dc04 01bb", sig);
  n = gost_test_hex(hex, b, sizeof b);
  decode_all_prefixes(b, n);
  ck_assert(pp.version == 2 && pp.family == AF_INET && !pp.local);
  struct sockaddr_storage src;
  sa(&src, AF_INET, "192.168.0.1", 56324);
  ck_assert(memcmp(&pp.src, &src, sizeof(struct sockaddr_in)) == 0);
  ck_assert_int_eq(gost__proxyproto_encode(&pp, out, sizeof out, &w), GOST_OK);
  ck_assert(w == n && memcmp(out, b, n) == 0);

  /* TCP6 with a trailing TLV (skipped). */
  snprintf(hex, sizeof hex, "%s 21 21 0029 20010db8000000000000000000000001 "
           "00000000000000000000000000000001 1f90 0050 04 0002 6869", sig);
  n = gost_test_hex(hex, b, sizeof b);
  decode_all_prefixes(b, n);
  ck_assert(pp.family == AF_INET6);
  ck_assert_uint_eq(ntohs(((struct sockaddr_in6 *)&pp.dst)->sin6_port), 80);
  ck_assert_int_eq(gost__proxyproto_encode(&pp, out, sizeof out, &w), GOST_OK);
  ck_assert(w == n - 5 && memcmp(out + 16, b + 16, 36) == 0 && out[15] == 36);

  /* LOCAL, and a UDP PROXY header that decodes without addresses. */
  snprintf(hex, sizeof hex, "%s 20 00 0000", sig);
  n = gost_test_hex(hex, b, sizeof b);
  decode_all_prefixes(b, n);
  ck_assert(pp.local && pp.family == AF_UNSPEC);
  ck_assert_int_eq(gost__proxyproto_encode(&pp, out, sizeof out, &w), GOST_OK);
  ck_assert(w == n && memcmp(out, b, n) == 0);
  snprintf(hex, sizeof hex, "%s 21 12 000c 01020304 05060708 0001 0002", sig);
  n = gost_test_hex(hex, b, sizeof b);
  ck_assert_int_eq(gost__proxyproto_decode(b, n, &pp), GOST_OK);
  ck_assert(!pp.local && pp.family == AF_UNSPEC && pp.header_len == n);
}
END_TEST

START_TEST(v2_malformed) {
  uint8_t b[128];
  char hex[256];
  static const char *tails[] = {
      "11 11 000c c0a80001 c0a8000b dc04 01bb", /* version 1 in the binary header */
      "22 11 000c c0a80001 c0a8000b dc04 01bb", /* command 2 */
      "21 11 000b c0a80001 c0a8000b dc04 01",   /* address block too short */
      "21 21 000c c0a80001 c0a8000b dc04 01bb", /* TCP6 with 12 bytes */
      "21 51 0000",                             /* unknown family */
      "21 11 ffff",                             /* over the length bound */
  };
  for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
    snprintf(hex, sizeof hex, "%s %s", sig, tails[i]);
    size_t n = gost_test_hex(hex, b, sizeof b);
    ck_assert_msg(gost__proxyproto_decode(b, n, &pp) == GOST_EPROTO, "accepted %s", tails[i]);
  }
  b[11] = 0x0b; /* broken signature */
  ck_assert_int_eq(gost__proxyproto_decode(b, 16, &pp), GOST_EPROTO);
}
END_TEST

/* Encode -> decode round trips for every version and family. */
START_TEST(roundtrip) {
  static const struct {
    int fam;
    const char *a, *b;
  } c[] = {{AF_INET, "10.1.2.3", "203.0.113.7"}, {AF_INET6, "fe80::1", "2001:db8:ffff::abcd"}};
  for (int v = 1; v <= 2; v++)
    for (size_t i = 0; i < 2; i++) {
      struct gost_pp_info in = {.version = v, .family = c[i].fam};
      sa(&in.src, c[i].fam, c[i].a, 51000);
      sa(&in.dst, c[i].fam, c[i].b, 443);
      uint8_t out[128];
      size_t w;
      ck_assert_int_eq(gost__proxyproto_encode(&in, out, sizeof out, &w), GOST_OK);
      decode_all_prefixes(out, w);
      ck_assert(pp.version == v && pp.family == c[i].fam);
      ck_assert(memcmp(&pp.src, &in.src, sizeof in.src) == 0);
      ck_assert(memcmp(&pp.dst, &in.dst, sizeof in.dst) == 0);
    }
  struct gost_pp_info bad = {.version = 3, .family = AF_UNSPEC};
  uint8_t out[128];
  size_t w;
  ck_assert_int_eq(gost__proxyproto_encode(&bad, out, sizeof out, &w), GOST_EINVAL);
  bad.version = 2;
  bad.family = AF_INET;
  sa(&bad.src, AF_INET6, "::1", 1);
  sa(&bad.dst, AF_INET, "1.2.3.4", 1);
  ck_assert_int_eq(gost__proxyproto_encode(&bad, out, sizeof out, &w), GOST_EINVAL);
}
END_TEST

int main(void) {
  Suite *s = suite_create("proxyproto");
  TCase *tc = tcase_create("codec");
  tcase_add_test(tc, v1_tcp4);
  tcase_add_test(tc, v1_tcp6_unknown);
  tcase_add_loop_test(tc, v1_malformed, 0, (int)(sizeof v1_bad / sizeof v1_bad[0]));
  tcase_add_test(tc, v1_oversize);
  tcase_add_test(tc, v2_vectors);
  tcase_add_test(tc, v2_malformed);
  tcase_add_test(tc, roundtrip);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
