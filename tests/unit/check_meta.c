#include <check.h>
#include <stdlib.h>

#include "core/meta.h"
#include "harness.h"

START_TEST(durations) {
  static const struct {
    const char *in;
    long long ms;
  } v[] = {{"10s", 10000}, {"500ms", 500}, {"1m", 60000},  {"1h", 3600000}, {"1.5s", 1500},
           {"5", 5000},    {"1m30s", 90000}, {"", -1},     {"abc", -1},     {"10x", -1},
           {"-1s", -1}};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
    ck_assert_msg(gost__duration_ms(v[i].in) == v[i].ms, "%s", v[i].in);
  ck_assert_int_eq(gost__duration_ms(NULL), -1);
}
END_TEST

START_TEST(bools) {
  ck_assert_int_eq(gost__str_bool("TRUE", 0), 1);
  ck_assert_int_eq(gost__str_bool("on", 0), 1);
  ck_assert_int_eq(gost__str_bool("1", 0), 1);
  ck_assert_int_eq(gost__str_bool("No", 1), 0);
  ck_assert_int_eq(gost__str_bool("off", 1), 0);
  ck_assert_int_eq(gost__str_bool("maybe", 7), 7);
  ck_assert_int_eq(gost__str_bool(NULL, 3), 3);
}
END_TEST

START_TEST(keys_case_insensitive) {
  json_t *m = json_object();
  ck_assert_int_eq(gost__meta_set(m, "tunnelID", "abc"), 0);
  ck_assert_str_eq(gost__meta_str(m, "TUNNELID", NULL), "abc");
  ck_assert_str_eq(gost__meta_str(m, "tunnelid", NULL), "abc");
  ck_assert_str_eq(gost__meta_str(m, "missing", "def"), "def");
  gost__meta_set_json(m, "KeepAlive", json_true());
  ck_assert_int_eq(gost__meta_bool(m, "keepalive", 0), 1);
  ck_assert_str_eq(gost__meta_str(m, "keepAlive", NULL), "true");
  gost__meta_set_json(m, "ttl", json_integer(7));
  ck_assert_int_eq(gost__meta_duration_ms(m, "TTL", 5000), 7000);
  ck_assert_int_eq(gost__meta_int(m, "ttl", 0), 7);
  gost__meta_set(m, "bad", "soon");
  ck_assert_int_eq(gost__meta_duration_ms(m, "bad", 5000), 5000);
  ck_assert_int_eq(gost__meta_duration_ms(NULL, "x", 42), 42);
  json_decref(m);
}
END_TEST

int main(void) {
  Suite *s = suite_create("meta");
  TCase *tc = tcase_create("meta");
  tcase_add_test(tc, durations);
  tcase_add_test(tc, bools);
  tcase_add_test(tc, keys_case_insensitive);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
