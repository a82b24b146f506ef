/* UUID codec: lenient parse, canonical format, v4 generation. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "codec/uuid.h"
#include "core/error.h"
#include "harness.h"

#define CANON "4d21094e-b74c-4916-86c1-d9fa36ea677b"
static const uint8_t BYTES[16] = {0x4d, 0x21, 0x09, 0x4e, 0xb7, 0x4c, 0x49, 0x16,
                                  0x86, 0xc1, 0xd9, 0xfa, 0x36, 0xea, 0x67, 0x7b};

static int parse(const char *s, uint8_t id[16]) { return gost__uuid_parse(s, strlen(s), id); }

START_TEST(parse_accepted_forms) {
  static const char *ok[] = {
      CANON,
      "4D21094E-B74C-4916-86C1-D9FA36EA677B",
      "4d21094eb74c491686c1d9fa36ea677b",
      "{4d21094e-b74c-4916-86c1-d9fa36ea677b}",
      "urn:uuid:4d21094e-b74c-4916-86c1-d9fa36ea677b",
      "URN:UUID:4D21094E-b74c-4916-86c1-d9fa36ea677b",
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    uint8_t id[16] = {0};
    ck_assert_msg(parse(ok[i], id) == GOST_OK, "%s", ok[i]);
    ck_assert(memcmp(id, BYTES, 16) == 0);
  }
}
END_TEST

START_TEST(parse_rejected_forms) {
  static const char *bad[] = {
      "",
      "4d21094e-b74c-4916-86c1-d9fa36ea677",    /* short */
      "4d21094e-b74c-4916-86c1-d9fa36ea677bb",  /* long */
      "4d21094eb74c-4916-86c1-d9fa36ea677b-",   /* hyphen misplaced */
      "4d21094e_b74c_4916_86c1_d9fa36ea677b",
      "4d21094e-b74c-4916-86c1-d9fa36ea677g",   /* not hex */
      "4d21094eb74c491686c1d9fa36ea677 ",
      "{4d21094e-b74c-4916-86c1-d9fa36ea677b)",
      "(4d21094e-b74c-4916-86c1-d9fa36ea677b}",
      "{4d21094eb74c491686c1d9fa36ea677b}",     /* braces need the hyphenated form */
      "urn:uuid:4d21094eb74c491686c1d9fa36ea677b",
      "urn:uuix:4d21094e-b74c-4916-86c1-d9fa36ea677b",
      "$4d21094e-b74c-4916-86c1-d9fa36ea677b",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint8_t id[16];
    memset(id, 0xAA, sizeof id);
    ck_assert_msg(parse(bad[i], id) == GOST_EINVAL, "%s", bad[i]);
    ck_assert_uint_eq(id[0], 0xAA); /* untouched on error */
  }
  /* Length is honoured: no reading past it. */
  uint8_t id[16];
  char *p = malloc(35);
  memcpy(p, CANON, 35);
  ck_assert_int_eq(gost__uuid_parse(p, 35, id), GOST_EINVAL);
  free(p);
}
END_TEST

START_TEST(format_and_round_trip) {
  char s[GOST__UUID_STR_LEN + 1];
  gost__uuid_format(BYTES, s);
  ck_assert_str_eq(s, CANON);
  uint8_t id[16], back[16];
  for (int i = 0; i < 256; i++) {
    for (int k = 0; k < 16; k++) id[k] = (uint8_t)(i * 31 + k * 17);
    gost__uuid_format(id, s);
    ck_assert_uint_eq(strlen(s), 36);
    ck_assert_int_eq(parse(s, back), GOST_OK);
    ck_assert(memcmp(id, back, 16) == 0);
  }
}
END_TEST

START_TEST(zero_and_v4) {
  uint8_t z[16] = {0}, id[16], rnd[16];
  ck_assert(gost__uuid_is_zero(z));
  ck_assert(!gost__uuid_is_zero(BYTES));
  z[15] = 1;
  ck_assert(!gost__uuid_is_zero(z));
  memset(rnd, 0xFF, sizeof rnd);
  gost__uuid_v4_from_random(rnd, id);
  char s[37];
  gost__uuid_format(id, s);
  ck_assert_str_eq(s, "ffffffff-ffff-4fff-bfff-ffffffffffff");
  memset(rnd, 0, sizeof rnd);
  gost__uuid_v4_from_random(rnd, id);
  gost__uuid_format(id, s);
  ck_assert_str_eq(s, "00000000-0000-4000-8000-000000000000");
  /* In place is allowed. */
  memcpy(id, BYTES, 16);
  gost__uuid_v4_from_random(id, id);
  ck_assert_uint_eq(id[6] >> 4, 4);
  ck_assert_uint_eq(id[8] >> 6, 2);
  ck_assert_uint_eq(id[0], BYTES[0]);
}
END_TEST

int main(void) {
  Suite *s = suite_create("codec_uuid");
  TCase *tc = tcase_create("uuid");
  tcase_add_test(tc, parse_accepted_forms);
  tcase_add_test(tc, parse_rejected_forms);
  tcase_add_test(tc, format_and_round_trip);
  tcase_add_test(tc, zero_and_v4);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
