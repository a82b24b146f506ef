/* UDP framings (A) length-prefixed and (B) SOCKS5-style. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../support/harness.h"
#include "codec/udpframe.h"
#include "harness.h"

static uint8_t buf[70000 * 2], pay[70000];

START_TEST(a_encode_decode) {
  for (size_t i = 0; i < 29; i++) pay[i] = (uint8_t)i;
  ck_assert_int_eq(gost__udpframe_encode(pay, 29, buf, sizeof buf), 31);
  ck_assert_uint_eq(buf[0], 0x00);
  ck_assert_uint_eq(buf[1], 0x1d); /* §15.3 "00 1d <29-byte DNS query>" */
  const uint8_t *p;
  size_t n, used;
  for (size_t k = 0; k < 31; k++) {
    uint8_t *c = malloc(k ? k : 1);
    memcpy(c, buf, k);
    ck_assert_int_eq(gost__udpframe_decode(c, k, &p, &n, &used), GOST_EAGAIN);
    free(c);
  }
  ck_assert_int_eq(gost__udpframe_decode(buf, 40, &p, &n, &used), GOST_OK);
  ck_assert_uint_eq(n, 29);
  ck_assert_uint_eq(used, 31);
  ck_assert(p == buf + 2 && memcmp(p, pay, 29) == 0);
  /* Empty and maximum datagrams; too big and too small buffers. */
  ck_assert_int_eq(gost__udpframe_encode(NULL, 0, buf, 2), 2);
  ck_assert_int_eq(gost__udpframe_decode(buf, 2, &p, &n, &used), GOST_OK);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(gost__udpframe_encode(pay, 65535, buf, sizeof buf), 65537);
  ck_assert(buf[0] == 0xff && buf[1] == 0xff);
  ck_assert_int_eq(gost__udpframe_decode(buf, 65537, &p, &n, &used), GOST_OK);
  ck_assert_uint_eq(n, 65535);
  ck_assert_int_eq(gost__udpframe_encode(pay, 65536, buf, sizeof buf), GOST_EINVAL);
  ck_assert_int_eq(gost__udpframe_encode(pay, 10, buf, 11), GOST_EINVAL);
  uint8_t hdr[2];
  ck_assert_int_eq(gost__udpframe_encode_hdr(0x2d, hdr), GOST_OK);
  ck_assert(hdr[0] == 0 && hdr[1] == 0x2d);
  ck_assert_int_eq(gost__udpframe_encode_hdr(65536, hdr), GOST_EINVAL);
}
END_TEST

/* Three frames fed with every chunk size; the stream decoder yields each datagram whole. */
START_TEST(a_stream_decoder) {
  static const size_t lens[] = {5, 0, 300};
  size_t total = 0;
  for (int f = 0; f < 3; f++) {
    for (size_t i = 0; i < lens[f]; i++) pay[i] = (uint8_t)(f * 50 + i);
    total += (size_t)gost__udpframe_encode(pay, lens[f], buf + total, sizeof buf - total);
  }
  for (size_t chunk = 1; chunk <= total; chunk++) {
    struct gost_udpframe_dec d;
    uint8_t out[400];
    gost__udpframe_dec_init(&d, out, sizeof out);
    size_t off = 0, got = 0;
    while (off < total) {
      size_t len = total - off < chunk ? total - off : chunk, used, dlen, full;
      int rc = gost__udpframe_dec_feed(&d, buf + off, len, &used, &dlen, &full);
      off += used;
      if (rc == GOST_EAGAIN) {
        ck_assert_uint_eq(used, len);
        continue;
      }
      ck_assert_int_eq(rc, GOST_OK);
      ck_assert_uint_eq(dlen, lens[got]);
      ck_assert_uint_eq(full, lens[got]);
      for (size_t i = 0; i < dlen; i++) ck_assert_uint_eq(out[i], (uint8_t)(got * 50 + i));
      got++;
    }
    ck_assert_uint_eq(got, 3);
  }
}
END_TEST

START_TEST(a_stream_truncates) {
  for (size_t i = 0; i < 100; i++) pay[i] = (uint8_t)i;
  int n = gost__udpframe_encode(pay, 100, buf, sizeof buf);
  n += gost__udpframe_encode(pay, 3, buf + n, sizeof buf - (size_t)n);
  struct gost_udpframe_dec d;
  uint8_t out[8];
  size_t used, dlen, full;
  gost__udpframe_dec_init(&d, out, sizeof out);
  ck_assert_int_eq(gost__udpframe_dec_feed(&d, buf, (size_t)n, &used, &dlen, &full), GOST_OK);
  ck_assert_uint_eq(used, 102);
  ck_assert_uint_eq(dlen, 8);
  ck_assert_uint_eq(full, 100);
  ck_assert(memcmp(out, pay, 8) == 0);
  ck_assert_int_eq(gost__udpframe_dec_feed(&d, buf + used, (size_t)n - used, &used, &dlen, NULL), GOST_OK);
  ck_assert_uint_eq(dlen, 3);
  /* A NULL buffer just discards. */
  gost__udpframe_dec_init(&d, NULL, 100);
  ck_assert_int_eq(gost__udpframe_dec_feed(&d, buf, (size_t)n, &used, &dlen, &full), GOST_OK);
  ck_assert_uint_eq(dlen, 0);
  ck_assert_uint_eq(full, 100);
}
END_TEST

START_TEST(b_socks_vectors) {
  uint8_t want[64];
  struct gost_relay_addr a, b;
  const uint8_t *p;
  size_t n, used;
  size_t wn = gost_test_hex("00 03 ff 01 7f 00 00 01 00 35 61 62 63", want, sizeof want);
  ck_assert_int_eq(gost__relay_addr_from_string(&a, "127.0.0.1:53", 12), GOST_OK);
  ck_assert_int_eq(gost__udpframe_socks_encode(&a, (const uint8_t *)"abc", 3, buf, sizeof buf), (int)wn);
  ck_assert(memcmp(buf, want, wn) == 0);
  for (size_t k = 0; k < wn; k++) {
    uint8_t *c = malloc(k ? k : 1);
    memcpy(c, want, k);
    ck_assert_int_eq(gost__udpframe_socks_decode(c, k, &b, &p, &n, &used), GOST_EAGAIN);
    free(c);
  }
  ck_assert_int_eq(gost__udpframe_socks_decode(want, wn, &b, &p, &n, &used), GOST_OK);
  ck_assert_uint_eq(used, wn);
  ck_assert_uint_eq(n, 3);
  ck_assert(memcmp(p, "abc", 3) == 0);
  ck_assert_str_eq(b.host, "127.0.0.1");
  ck_assert_uint_eq(b.port, 53);
  /* Domain address. */
  wn = gost_test_hex("00 01 ff 03 01 78 00 50 7a", want, sizeof want);
  ck_assert_int_eq(gost__relay_addr_from_string(&a, "x:80", 4), GOST_OK);
  ck_assert_int_eq(gost__udpframe_socks_encode(&a, (const uint8_t *)"z", 1, buf, sizeof buf), (int)wn);
  ck_assert(memcmp(buf, want, wn) == 0);
  for (size_t cap = 0; cap < wn; cap++)
    ck_assert_int_eq(gost__udpframe_socks_encode(&a, (const uint8_t *)"z", 1, buf, cap), GOST_EINVAL);
  /* Malformed: FRAG, ATYP; empty payload refused on encode, read as empty on decode. */
  wn = gost_test_hex("00 01 00 01 7f 00 00 01 00 35 61", want, sizeof want);
  ck_assert_int_eq(gost__udpframe_socks_decode(want, wn, &b, &p, &n, &used), GOST_EPROTO);
  wn = gost_test_hex("00 01 ff 02 7f 00 00 01 00 35 61", want, sizeof want);
  ck_assert_int_eq(gost__udpframe_socks_decode(want, wn, &b, &p, &n, &used), GOST_EPROTO);
  ck_assert_int_eq(gost__udpframe_socks_encode(&a, pay, 0, buf, sizeof buf), GOST_EINVAL);
  ck_assert_int_eq(gost__udpframe_socks_encode(&a, pay, 65536, buf, sizeof buf), GOST_EINVAL);
  wn = gost_test_hex("00 00 ff 03 00 00 00 61", want, sizeof want);
  ck_assert_int_eq(gost__udpframe_socks_decode(want, wn, &b, &p, &n, &used), GOST_OK);
  ck_assert_uint_eq(n, 0);
  ck_assert_uint_eq(used, 7);
}
END_TEST

int main(void) {
  Suite *s = suite_create("codec_udpframe");
  TCase *tc = tcase_create("udpframe");
  tcase_add_test(tc, a_encode_decode);
  tcase_add_test(tc, a_stream_decoder);
  tcase_add_test(tc, a_stream_truncates);
  tcase_add_test(tc, b_socks_vectors);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
