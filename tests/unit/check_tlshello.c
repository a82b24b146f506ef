/* ClientHello parsing: a real hello captured from `openssl s_client -servername example.com
 * -alpn h2,http/1.1 -tls1_2`, the same hello re-split across two records, and malformed input. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "codec/tlshello.h"
#include "../support/harness.h"
#include "harness.h"

static const char *hello_hex =
    "16030100dd010000d90303547d73891533471d3de3b02fb2a94a09fa574621da6c16bbb2557fdb5612f988000038"
    "c02cc030009fcca9cca8ccaac02bc02f009ec024c028006bc023c0270067c00ac0140039c009c0130033009d009c"
    "003d003c0035002f00ff0100007800000010000e00000b6578616d706c652e636f6d000b000403000102000a000c"
    "000a001d0017001e00190018002300000010000e000c02683208687474702f312e310016000000170000000d002a"
    "0028040305030603080708080809080a080b080408050806040105010601030303010302040205020602";

static uint8_t hello[512];
static size_t hello_len;
static struct gost_tls_hello *h;

static void setup(void) {
  hello_len = gost_test_hex(hello_hex, hello, sizeof hello);
  h = malloc(sizeof *h);
}

static void teardown(void) { free(h); }

static void check_example(const struct gost_tls_hello *x) {
  ck_assert(x->has_sni);
  ck_assert_str_eq(x->sni, "example.com");
  ck_assert_uint_eq(x->sni_len, 11);
  ck_assert_uint_eq(x->legacy_version, 0x0303);
  ck_assert_uint_eq(x->nalpn, 2);
  ck_assert(x->alpn[0].n == 2 && memcmp(x->alpn[0].p, "h2", 2) == 0);
  ck_assert(x->alpn[1].n == 8 && memcmp(x->alpn[1].p, "http/1.1", 8) == 0);
}

START_TEST(real_hello) {
  ck_assert_uint_eq(hello_len, 226);
  ck_assert_int_eq(gost__tlshello_parse(hello, hello_len, h), GOST_OK);
  check_example(h);
  ck_assert_uint_eq(h->record_bytes, 226);
  for (size_t i = 0; i < hello_len; i++)
    ck_assert_int_eq(gost__tlshello_parse(hello, i, h), GOST_EAGAIN);
  /* Bytes after the hello (a second record) are not part of it. */
  uint8_t more[600];
  memcpy(more, hello, hello_len);
  memcpy(more + hello_len, "\x14\x03\x03\x00\x01\x01", 6);
  ck_assert_int_eq(gost__tlshello_parse(more, hello_len + 6, h), GOST_OK);
  ck_assert_uint_eq(h->record_bytes, 226);
}
END_TEST

/* Re-frame the handshake into two records, cut at k bytes of handshake. */
static size_t split_records(size_t k, uint8_t *out) {
  const uint8_t *hs = hello + 5;
  size_t hl = hello_len - 5;
  uint8_t *o = out;
  *o++ = 0x16, *o++ = 0x03, *o++ = 0x01, *o++ = (uint8_t)(k >> 8), *o++ = (uint8_t)k;
  memcpy(o, hs, k), o += k;
  *o++ = 0x16, *o++ = 0x03, *o++ = 0x03, *o++ = (uint8_t)((hl - k) >> 8), *o++ = (uint8_t)(hl - k);
  memcpy(o, hs + k, hl - k), o += hl - k;
  return (size_t)(o - out);
}

START_TEST(two_records) {
  uint8_t buf[600];
  size_t n = split_records(100, buf);
  ck_assert_uint_eq(n, 231);
  ck_assert_int_eq(gost__tlshello_parse(buf, n, h), GOST_OK);
  check_example(h);
  ck_assert_uint_eq(h->record_bytes, 231);
  for (size_t i = 0; i < n; i++) ck_assert_int_eq(gost__tlshello_parse(buf, i, h), GOST_EAGAIN);
  /* Every record cut point, including inside the 4-byte handshake header. */
  for (size_t k = 1; k < hello_len - 5; k++) {
    n = split_records(k, buf);
    ck_assert_int_eq(gost__tlshello_parse(buf, n, h), GOST_OK);
    check_example(h);
  }
}
END_TEST

START_TEST(minimal_hello) {
  /* TLS 1.0 hello without extensions: no SNI, no ALPN, still valid. */
  const char *hex = "16 0301 002f 01 00002b 0301" /* record + handshake headers, version */
                    "0000000000000000000000000000000000000000000000000000000000000000"
                    "00 0004 002f 0035 01 00";
  uint8_t b[128];
  size_t n = gost_test_hex(hex, b, sizeof b);
  ck_assert_uint_eq(n, 52);
  ck_assert_int_eq(gost__tlshello_parse(b, n, h), GOST_OK);
  ck_assert(!h->has_sni && h->nalpn == 0 && h->legacy_version == 0x0301);
}
END_TEST

/* Offset of a byte pattern inside the hello. */
static size_t find(const char *pat, size_t n) {
  for (size_t i = 0; i + n <= hello_len; i++)
    if (memcmp(hello + i, pat, n) == 0) return i;
  ck_abort_msg("pattern not found");
  return 0;
}

START_TEST(malformed) {
  uint8_t b[600];
  size_t sni = find("\x00\x00\x00\x10\x00\x0e", 6), alpn = find("\x00\x10\x00\x0e\x00\x0c", 6);
#define MUTATE(off, val)                                                   \
  do {                                                                     \
    memcpy(b, hello, hello_len);                                           \
    b[off] = (val);                                                        \
    ck_assert_int_eq(gost__tlshello_parse(b, hello_len, h), GOST_EPROTO); \
  } while (0)
  MUTATE(0, 0x17);          /* application data record */
  MUTATE(1, 0x02);          /* record version major */
  MUTATE(5, 0x02);          /* ServerHello, not ClientHello */
  MUTATE(8, 0xd8);          /* handshake length one short: trailing byte */
  MUTATE(43, 33);           /* session id longer than 32 */
  MUTATE(sni + 3, 0x11);    /* SNI extension length off by one */
  MUTATE(sni + 5, 0x0f);    /* server name list length */
  MUTATE(sni + 12, 0x00);   /* NUL inside the host name */
  MUTATE(alpn + 6, 0x00);   /* empty protocol name */
  MUTATE(alpn + 1, 0x00);   /* ALPN turned into a second SNI extension */
#undef MUTATE
  /* Zero-length record, oversize record, oversize handshake (fails before it arrives). */
  uint8_t z[] = {0x16, 0x03, 0x01, 0x00, 0x00};
  ck_assert_int_eq(gost__tlshello_parse(z, sizeof z, h), GOST_EPROTO);
  uint8_t big_rec[] = {0x16, 0x03, 0x01, 0x40, 0x01, 0x01};
  ck_assert_int_eq(gost__tlshello_parse(big_rec, sizeof big_rec, h), GOST_EPROTO);
  uint8_t big_hs[] = {0x16, 0x03, 0x01, 0x10, 0x00, 0x01, 0x00, 0x40, 0x01};
  ck_assert_int_eq(gost__tlshello_parse(big_hs, sizeof big_hs, h), GOST_EPROTO);
  uint8_t http[] = "GET / HTTP/1.1\r\n";
  ck_assert_int_eq(gost__tlshello_parse(http, 1, h), GOST_EPROTO);
  /* Truncated inside the body (record claims fewer bytes than the handshake needs, then a
   * non-handshake record follows). */
  memcpy(b, hello, 105);
  b[3] = 0, b[4] = 100;
  memcpy(b + 105, "\x15\x03\x03\x00\x02\x02\x28", 7);
  ck_assert_int_eq(gost__tlshello_parse(b, 112, h), GOST_EPROTO);
}
END_TEST

START_TEST(server_hello_detect) {
  uint8_t sh[] = {0x16, 0x03, 0x03, 0x00, 0x5a, 0x02, 0x00};
  ck_assert_int_eq(gost__tlshello_detect_server(sh, sizeof sh), GOST_OK);
  for (size_t i = 0; i < 6; i++) ck_assert_int_eq(gost__tlshello_detect_server(sh, i), GOST_EAGAIN);
  ck_assert_int_eq(gost__tlshello_detect_server(hello, hello_len), GOST_EPROTO);
  uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02};
  ck_assert_int_eq(gost__tlshello_detect_server(alert, 1), GOST_EPROTO);
}
END_TEST

int main(void) {
  Suite *s = suite_create("tlshello");
  TCase *tc = tcase_create("client_hello");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, real_hello);
  tcase_add_test(tc, two_records);
  tcase_add_test(tc, minimal_hello);
  tcase_add_test(tc, malformed);
  tcase_add_test(tc, server_hello_detect);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
