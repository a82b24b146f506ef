/* Bypass patterns and groups (model/bypass.c, codec/bypassmatch.c) against stock GOST's
 * matcher semantics (docs/bypass.md). */
#include <check.h>
#include <stdlib.h>

#include "harness.h"
#include "gost/error.h"
#include "model/bypass.h"

static void *m_alloc(size_t n, void *u) { return (void)u, malloc(n); }
static void *m_realloc(void *p, size_t n, void *u) { return (void)u, realloc(p, n); }
static void m_free(void *p, void *u) { (void)u, free(p); }
static const struct gost_mem mem = {m_alloc, m_realloc, m_free, NULL};

static struct gost_bypass *group(int white, const char *const *pats, size_t n) {
  struct gost_bypass *g = NULL;
  ck_assert_int_eq(gost__bypass_add(&mem, &g, white, pats, n), 0);
  return g;
}

START_TEST(classes) {
  static const char *const pats[] = {"10.0.0.0/8",        "192.168.1.10-192.168.1.20", "*.glob.test",
                                     "*.port.test:80",    ".suffix.test",              "exact.test",
                                     "ranged.test:1000-2000", "2001:db8::/32",         "::1"};
  struct gost_bypass *g = group(0, pats, sizeof pats / sizeof *pats);
  static const struct { const char *addr; int held; } cases[] = {
      {"10.1.2.3:443", 1},         {"11.0.0.1:443", 0},          {"192.168.1.15:1", 1},
      {"192.168.1.21:1", 0},       {"a.glob.test:9", 1},         {"A.GLOB.TEST", 1},
      {"glob.test:9", 0},          {"x.port.test:80", 1},        {"x.port.test:81", 0},
      {"suffix.test:1", 1},        {"deep.a.suffix.test:1", 1},  {"badsuffix.test:1", 0},
      {"exact.test:5", 1},         {"sub.exact.test:5", 0},      {"ranged.test:1500", 1},
      {"ranged.test:2001", 0},     {"[2001:db8::1]:443", 1},     {"[2001:db9::1]:443", 0},
      {"::1", 1},                  {"[::1]:22", 1},              {"", 0}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    ck_assert_msg(gost__bypass_contains(g, cases[i].addr) == cases[i].held, "%s: expected %d", cases[i].addr,
                  cases[i].held);
  gost__bypass_free_all(&mem, &g);
  ck_assert_ptr_null(g);
}
END_TEST

START_TEST(whitelist_and_groups) {
  static const char *const local[] = {"127.0.0.0/8"}, *const ads[] = {"*.ads.test"},
                           *const lan[] = {"192.168.0.0/16"};
  struct gost_bypass *g = group(1, local, 1);
  ck_assert_int_eq(gost__bypass_contains(g, "127.0.0.1:80"), 0);
  ck_assert_int_eq(gost__bypass_contains(g, "8.8.8.8:53"), 1); /* not listed: held back */
  /* with a blacklist: held when every whitelist holds it, or any blacklist matches */
  ck_assert_int_eq(gost__bypass_add(&mem, &g, 0, ads, 1), 0);
  ck_assert_int_eq(gost__bypass_contains(g, "127.0.0.1:80"), 0);
  ck_assert_int_eq(gost__bypass_contains(g, "x.ads.test:80"), 1);
  /* a second whitelist: an address listed by either one is let through */
  ck_assert_int_eq(gost__bypass_add(&mem, &g, 1, lan, 1), 0);
  ck_assert_int_eq(gost__bypass_contains(g, "192.168.3.3:1"), 0);
  ck_assert_int_eq(gost__bypass_contains(g, "8.8.8.8:53"), 1);
  gost__bypass_free_all(&mem, &g);
  ck_assert_int_eq(gost__bypass_contains(NULL, "8.8.8.8:53"), 0);
}
END_TEST

START_TEST(bad_patterns_add_nothing) {
  static const char *const bad[][2] = {{"ok.test", ""},        {"10.0.0.0/33", "x"},   {"1.2.3.4/x", "x"},
                                       {"::1/129", "x"},       {"a.test", NULL}};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    struct gost_bypass *g = NULL;
    ck_assert_int_eq(gost__bypass_add(&mem, &g, 0, bad[i], 2), GOST_EINVAL);
    ck_assert_ptr_null(g);
  }
  /* a reversed range is not a range: it is an address that matches nothing numeric */
  static const char *const rev[] = {"10.0.0.9-10.0.0.1"};
  struct gost_bypass *g = group(0, rev, 1);
  ck_assert_int_eq(gost__bypass_contains(g, "10.0.0.5:1"), 0);
  gost__bypass_free_all(&mem, &g);
}
END_TEST

int main(void) {
  Suite *s = suite_create("bypass");
  TCase *tc = tcase_create("match");
  tcase_add_test(tc, classes);
  tcase_add_test(tc, whitelist_and_groups);
  tcase_add_test(tc, bad_patterns_add_nothing);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
