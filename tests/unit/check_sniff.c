/* Protocol sniffing: entrypoint first byte and the client's 5-byte detection. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "codec/sniff.h"
#include "harness.h"

START_TEST(first_byte) {
  ck_assert_int_eq(gost__sniff_first_byte(0x16), GOST__SNIFF_TLS);
  ck_assert_int_eq(gost__sniff_first_byte(0x01), GOST__SNIFF_RELAY);
  ck_assert_int_eq(gost__sniff_first_byte('G'), GOST__SNIFF_HTTP);
  ck_assert_int_eq(gost__sniff_first_byte(0x00), GOST__SNIFF_HTTP);
  ck_assert_str_eq(gost__sniff_kind_name(GOST__SNIFF_SSH), "ssh");
}
END_TEST

static const struct {
  const char *in;
  size_t n;
  int rc;
  enum gost_sniff_kind kind;
} vec[] = {
    {"\x16\x03\x01\x00\xdd", 5, GOST_OK, GOST__SNIFF_TLS},
    {"\x16\x03\x04", 3, GOST_OK, GOST__SNIFF_TLS},
    {"\x16\x03\x05\x00\x10", 5, GOST_OK, GOST__SNIFF_UNKNOWN},
    {"\x16\x02\x01\x00\x10", 5, GOST_OK, GOST__SNIFF_UNKNOWN},
    {"\x16\x03", 2, GOST_EAGAIN, GOST__SNIFF_UNKNOWN},
    {"GET /", 5, GOST_OK, GOST__SNIFF_HTTP},
    {"GET ", 4, GOST_OK, GOST__SNIFF_HTTP},
    {"GE", 2, GOST_EAGAIN, GOST__SNIFF_UNKNOWN},
    {"POST ", 5, GOST_OK, GOST__SNIFF_HTTP},
    {"PUT /", 5, GOST_OK, GOST__SNIFF_HTTP},
    {"HEAD ", 5, GOST_OK, GOST__SNIFF_HTTP},
    {"DELET", 5, GOST_OK, GOST__SNIFF_HTTP},
    {"OPTIO", 5, GOST_OK, GOST__SNIFF_HTTP},
    {"PATCH", 5, GOST_OK, GOST__SNIFF_HTTP},
    {"CONNE", 5, GOST_OK, GOST__SNIFF_HTTP},
    {"TRACE", 5, GOST_OK, GOST__SNIFF_HTTP},
    {"PRI *", 5, GOST_OK, GOST__SNIFF_HTTP},
    {"P", 1, GOST_EAGAIN, GOST__SNIFF_UNKNOWN},
    {"PRX *", 5, GOST_OK, GOST__SNIFF_UNKNOWN},
    {"SSH-2", 5, GOST_OK, GOST__SNIFF_SSH},
    {"SSH-", 4, GOST_OK, GOST__SNIFF_SSH},
    {"SSH", 3, GOST_EAGAIN, GOST__SNIFF_UNKNOWN},
    {"get /", 5, GOST_OK, GOST__SNIFF_UNKNOWN},
    {"\x05\x01\x00", 3, GOST_OK, GOST__SNIFF_UNKNOWN},
    {"GETX ", 5, GOST_OK, GOST__SNIFF_UNKNOWN},
    {"", 0, GOST_EAGAIN, GOST__SNIFF_UNKNOWN},
};

START_TEST(detect_vectors) {
  enum gost_sniff_kind k;
  int rc = gost__sniff_detect((const uint8_t *)vec[_i].in, vec[_i].n, &k);
  ck_assert_msg(rc == vec[_i].rc, "vector %d rc %d", _i, rc);
  ck_assert_msg(k == vec[_i].kind, "vector %d kind %d", _i, k);
}
END_TEST

/* Extra bytes beyond the 5-byte peek never change the verdict. */
START_TEST(detect_long_input) {
  enum gost_sniff_kind k;
  const char *req = "OPTIONS * HTTP/1.1\r\n";
  ck_assert_int_eq(gost__sniff_detect((const uint8_t *)req, strlen(req), &k), GOST_OK);
  ck_assert_int_eq(k, GOST__SNIFF_HTTP);
  const char *ssh = "SSH-2.0-OpenSSH_9.6\r\n";
  ck_assert_int_eq(gost__sniff_detect((const uint8_t *)ssh, strlen(ssh), &k), GOST_OK);
  ck_assert_int_eq(k, GOST__SNIFF_SSH);
}
END_TEST

/* Every prefix of a detectable input is EAGAIN until enough bytes decide it. */
START_TEST(detect_prefixes) {
  static const char *ins[] = {"\x16\x03\x03\x00\x01", "CONNECT ", "PRI * HTTP/2.0", "SSH-2.0"};
  for (size_t i = 0; i < sizeof ins / sizeof ins[0]; i++) {
    size_t n = strlen(ins[i]);
    enum gost_sniff_kind final, k;
    ck_assert_int_eq(gost__sniff_detect((const uint8_t *)ins[i], n, &final), GOST_OK);
    ck_assert_int_ne(final, GOST__SNIFF_UNKNOWN);
    for (size_t j = 0; j < n; j++) {
      int rc = gost__sniff_detect((const uint8_t *)ins[i], j, &k);
      ck_assert(rc == GOST_EAGAIN || (rc == GOST_OK && k == final));
    }
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("sniff");
  TCase *tc = tcase_create("detect");
  tcase_add_test(tc, first_byte);
  tcase_add_loop_test(tc, detect_vectors, 0, (int)(sizeof vec / sizeof vec[0]));
  tcase_add_test(tc, detect_long_input);
  tcase_add_test(tc, detect_prefixes);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
