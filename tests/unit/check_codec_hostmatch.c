/* Ingress lookup candidates, rule normalisation, client filter.host, endpoint strings. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "codec/hostmatch.h"
#include "core/error.h"
#include "harness.h"

/* Joins all candidates with '|' for compact comparison. */
static const char *candidates(const char *host) {
  static char joined[2048];
  struct gost_hostmatch_iter it;
  joined[0] = '\0';
  if (gost__hostmatch_iter_init(&it, host, strlen(host)) != GOST_OK) return NULL;
  const char *c;
  size_t n;
  while ((c = gost__hostmatch_iter_next(&it, &n))) {
    ck_assert_uint_eq(n, strlen(c));
    if (joined[0]) strcat(joined, "|");
    strcat(joined, c);
  }
  ck_assert_ptr_null(gost__hostmatch_iter_next(&it, &n)); /* stays exhausted */
  return joined;
}

START_TEST(lookup_order) {
  ck_assert_str_eq(candidates("a.b.example.com"),
                   "a.b.example.com|.a.b.example.com|.b.example.com|.example.com|.com");
  ck_assert_str_eq(candidates("example.com"), "example.com|.example.com|.com");
  ck_assert_str_eq(candidates("localhost"), "localhost|.localhost");
  ck_assert_str_eq(candidates("A.Example.COM:8443"), "a.example.com|.a.example.com|.example.com|.com");
  ck_assert_str_eq(candidates("[::1]:80"), "::1|.::1");
  ck_assert_str_eq(candidates("[::1]"), "::1|.::1");
  ck_assert_str_eq(candidates("1.2.3.4:80"), "1.2.3.4|.1.2.3.4|.2.3.4|.3.4|.4");
  ck_assert_ptr_null(candidates(""));
  ck_assert_ptr_null(candidates(":80"));
  char big[300];
  memset(big, 'a', sizeof big);
  big[255] = 0;
  ck_assert_ptr_nonnull(candidates(big));
  big[255] = 'a';
  big[256] = 0;
  ck_assert_ptr_null(candidates(big));
}
END_TEST

START_TEST(rule_normalize) {
  char out[300];
  ck_assert_int_eq(gost__hostmatch_rule_normalize("*.Example.com", 13, out, sizeof out), 12);
  ck_assert_str_eq(out, ".example.com");
  ck_assert_int_eq(gost__hostmatch_rule_normalize("*example.com", 12, out, sizeof out), 11);
  ck_assert_str_eq(out, "example.com");
  ck_assert_int_eq(gost__hostmatch_rule_normalize(".a.com", 6, out, sizeof out), 6);
  ck_assert_str_eq(out, ".a.com");
  ck_assert_int_eq(gost__hostmatch_rule_normalize("*", 1, out, sizeof out), GOST_EINVAL);
  ck_assert_int_eq(gost__hostmatch_rule_normalize("", 0, out, sizeof out), GOST_EINVAL);
  ck_assert_int_eq(gost__hostmatch_rule_normalize("abc", 3, out, 3), GOST_EINVAL);
  ck_assert_int_eq(gost__hostmatch_rule_normalize("abc", 3, out, 4), 3);
}
END_TEST

/* A normalised "*.example.com" rule is found for the apex and subdomains only. */
START_TEST(lookup_with_rules) {
  char rule[64];
  gost__hostmatch_rule_normalize("*.example.com", 13, rule, sizeof rule);
  static const struct {
    const char *host;
    int hit;
  } cases[] = {{"example.com", 1}, {"a.example.com:80", 1}, {"A.B.EXAMPLE.COM", 1},
               {"badexample.com", 0}, {"example.org", 0}, {"com", 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct gost_hostmatch_iter it;
    int hit = 0;
    const char *c;
    ck_assert_int_eq(gost__hostmatch_iter_init(&it, cases[i].host, strlen(cases[i].host)), GOST_OK);
    while ((c = gost__hostmatch_iter_next(&it, NULL)))
      if (strcmp(c, rule) == 0) hit = 1;
    ck_assert_msg(hit == cases[i].hit, "%s", cases[i].host);
  }
}
END_TEST

static int filt(const char *f, const char *h) { return gost__hostmatch_filter(f, strlen(f), h, strlen(h)); }

START_TEST(filter_host) {
  static const char *suffix_forms[] = {".example.com", "*.example.com", "*example.com", ".EXAMPLE.com"};
  for (size_t i = 0; i < 4; i++) {
    const char *f = suffix_forms[i];
    ck_assert_msg(filt(f, "example.com"), "%s", f);
    ck_assert(filt(f, "a.example.com"));
    ck_assert(filt(f, "x.y.Example.Com:8080"));
    ck_assert(!filt(f, "badexample.com"));
    ck_assert(!filt(f, "example.com.evil"));
    ck_assert(!filt(f, "xample.com"));
    ck_assert(!filt(f, ""));
  }
  ck_assert(filt("example.com", "EXAMPLE.com"));
  ck_assert(filt("example.com", "example.com:80"));
  ck_assert(!filt("example.com", "a.example.com"));
  ck_assert(!filt("example.com", "example.co"));
  ck_assert(filt("::1", "[::1]:53"));
  ck_assert(!filt("", "example.com"));
  ck_assert(!filt("*", "example.com"));
  ck_assert(!filt(".", "example.com"));
}
END_TEST

START_TEST(endpoint_parse) {
  uint8_t id[16];
  int priv = -1;
  const char *s = "4d21094e-b74c-4916-86c1-d9fa36ea677b";
  ck_assert_int_eq(gost__hostmatch_endpoint_parse(s, strlen(s), id, &priv), GOST_OK);
  ck_assert_int_eq(priv, 0);
  ck_assert_uint_eq(id[0], 0x4d);
  s = "$4D21094E-B74C-4916-86C1-D9FA36EA677B";
  ck_assert_int_eq(gost__hostmatch_endpoint_parse(s, strlen(s), id, &priv), GOST_OK);
  ck_assert_int_eq(priv, 1);
  ck_assert_uint_eq(id[15], 0x7b);
  static const char *bad[] = {"", "$", "$$4d21094e-b74c-4916-86c1-d9fa36ea677b", "not-a-uuid",
                              "00000000-0000-0000-0000-000000000000",
                              "$00000000000000000000000000000000"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ck_assert_msg(gost__hostmatch_endpoint_parse(bad[i], strlen(bad[i]), id, &priv) == GOST_EINVAL,
                  "%s", bad[i]);
}
END_TEST

int main(void) {
  Suite *s = suite_create("codec_hostmatch");
  TCase *tc = tcase_create("hostmatch");
  tcase_add_test(tc, lookup_order);
  tcase_add_test(tc, rule_normalize);
  tcase_add_test(tc, lookup_with_rules);
  tcase_add_test(tc, filter_host);
  tcase_add_test(tc, endpoint_parse);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
