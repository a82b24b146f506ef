/* Ingress rules and lookup (wire-spec §5.4, case-insensitive), UUIDs, endpoint names. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "codec/uuid.h"
#include "gost/gost.h"
#include "ingress/ingress.h"
#include "harness.h"

static gost_ctx_t *ctx;
static gost_ingress_t *ing;

static void setup(void) {
  ck_assert_int_eq(gost_ctx_new(&ctx), 0);
  ck_assert_int_eq(gost_ingress_new(&ing, ctx, "ingress-0"), 0);
}
static void teardown(void) { gost_ctx_free(ctx); }

#define T1 "4d21094e-b74c-4916-86c1-d9fa36ea677b"
#define T2 "ac74d9dd-3125-442a-a7c1-f9e49e05faca"
#define T3 "aede1f6a-762b-45da-b937-b6632356555a"

/* Returns the matched ID (static buffer) or "" and sets *priv. */
static const char *look(const char *host, int *priv) {
  static char id[37];
  int p = -1;
  if (gost_ingress_lookup(ing, host, id, sizeof id, &p) != GOST_OK) return "";
  if (priv) *priv = p;
  return id;
}

START_TEST(match_table) {
  ck_assert_int_eq(gost_ingress_set_rule(ing, ".example.com", T1), 0);
  ck_assert_int_eq(gost_ingress_set_rule(ing, "example.org", T2), 0);
  ck_assert_int_eq(gost_ingress_set_rule(ing, "*.wild.net", T3), 0);
  ck_assert_int_eq(gost_ingress_set_rule(ing, "srv-2.local", "$" T2), 0);
  ck_assert_int_eq(gost_ingress_set_rule(ing, "Exact.Only.IO", T3), 0);
  int priv = -1;
  ck_assert_str_eq(look("example.com", &priv), T1); /* apex via ".example.com" */
  ck_assert_int_eq(priv, 0);
  ck_assert_str_eq(look("a.example.com", NULL), T1);
  ck_assert_str_eq(look("a.b.example.com:8080", NULL), T1);
  ck_assert_str_eq(look("A.EXAMPLE.COM", NULL), T1);
  ck_assert_str_eq(look("badexample.com", NULL), "");
  ck_assert_str_eq(look("example.org", NULL), T2);
  ck_assert_str_eq(look("www.example.org", NULL), "");
  ck_assert_str_eq(look("wild.net", NULL), T3);
  ck_assert_str_eq(look("x.wild.net:443", NULL), T3);
  ck_assert_str_eq(look("srv-2.local", &priv), T2);
  ck_assert_int_eq(priv, 1);
  ck_assert_str_eq(look("exact.only.io", NULL), T3);
  ck_assert_str_eq(look("sub.exact.only.io", NULL), "");
  ck_assert_str_eq(look("nothing.here", NULL), "");
  ck_assert_int_eq(gost_ingress_rule_count(ing), 5);
}
END_TEST

START_TEST(star_without_dot_is_exact) {
  ck_assert_int_eq(gost_ingress_set_rule(ing, "*example.com", T1), 0);
  ck_assert_str_eq(look("example.com", NULL), T1);
  ck_assert_str_eq(look("a.example.com", NULL), "");
}
END_TEST

START_TEST(replace_and_remove) {
  ck_assert_int_eq(gost_ingress_set_rule(ing, "a.com", T1), 0);
  ck_assert_int_eq(gost_ingress_set_rule(ing, "A.COM", "$" T2), 0); /* same key: replaced */
  int priv;
  ck_assert_str_eq(look("a.com", &priv), T2);
  ck_assert_int_eq(priv, 1);
  ck_assert_int_eq(gost_ingress_rule_count(ing), 1);
  ck_assert_int_eq(gost_ingress_remove_rule(ing, "a.com"), 0);
  ck_assert_str_eq(look("a.com", NULL), "");
  ck_assert_int_eq(gost_ingress_remove_rule(ing, "a.com"), GOST_ENOTFOUND);
  ck_assert_int_eq(gost_ingress_rule_count(ing), 0);
}
END_TEST

START_TEST(bad_rules) {
  ck_assert_int_eq(gost_ingress_set_rule(ing, "", T1), GOST_EINVAL);
  ck_assert_int_eq(gost_ingress_set_rule(ing, "*", T1), GOST_EINVAL);
  ck_assert_int_eq(gost_ingress_set_rule(ing, "a.com", "not-a-uuid"), GOST_EINVAL);
  ck_assert_int_eq(gost_ingress_set_rule(ing, "a.com", "$"), GOST_EINVAL);
  ck_assert_int_eq(gost_ingress_rule_count(ing), 0);
  gost_ingress_t *dup;
  ck_assert_int_eq(gost_ingress_new(&dup, ctx, "ingress-0"), GOST_EEXIST);
  ck_assert_ptr_eq(gost_ctx_ingress(ctx, "ingress-0"), ing);
}
END_TEST

START_TEST(canonical_uuid) {
  ck_assert_int_eq(gost_ingress_set_rule(ing, "u.com", "{4D21094E-B74C-4916-86C1-D9FA36EA677B}"), 0);
  ck_assert_int_eq(gost_ingress_set_rule(ing, "v.com", "4d21094eb74c491686c1d9fa36ea677b"), 0);
  ck_assert_str_eq(look("u.com", NULL), T1);
  ck_assert_str_eq(look("v.com", NULL), T1);
  char small[10];
  ck_assert_int_eq(gost_ingress_lookup(ing, "u.com", small, sizeof small, NULL), GOST_EINVAL);
}
END_TEST

START_TEST(endpoint_names) {
  char out[17];
  ck_assert_int_eq(gost_tunnel_endpoint_name("893787fd-fcd2-46a0-8dd4-f9103ae84df4", out, sizeof out), 0);
  ck_assert_str_eq(out, "134c714b65d54a4f");
  ck_assert_int_eq(gost_tunnel_endpoint_name("4d21094e-b74c-4916-86c1-d9fa36ea677b", out, sizeof out), 0);
  ck_assert_str_eq(out, "a6265c6d9847a4be");
  ck_assert_int_eq(gost_tunnel_endpoint_name("4D21094E-B74C-4916-86C1-D9FA36EA677B", out, sizeof out), 0);
  ck_assert_str_eq(out, "a6265c6d9847a4be"); /* hashed in canonical lower case */
  ck_assert_int_eq(gost_tunnel_endpoint_name("nope", out, sizeof out), GOST_EINVAL);
  ck_assert_int_eq(gost_tunnel_endpoint_name(T1, out, 16), GOST_EINVAL);
}
END_TEST

START_TEST(internal_match) {
  ck_assert_int_eq(gost_ingress_set_rule(ing, ".example.com", T1), 0);
  const struct gost_ingress_rule *r = gost__ingress_match(ing, "[::1]:80");
  ck_assert_ptr_null(r);
  r = gost__ingress_match(ing, "x.Example.com:443");
  ck_assert_ptr_nonnull(r);
  char id[37];
  gost__uuid_format(r->id, id);
  ck_assert_str_eq(id, T1);
}
END_TEST

int main(void) {
  Suite *s = suite_create("ingress");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, match_table);
  tcase_add_test(tc, star_without_dot_is_exact);
  tcase_add_test(tc, replace_and_remove);
  tcase_add_test(tc, bad_rules);
  tcase_add_test(tc, canonical_uuid);
  tcase_add_test(tc, endpoint_names);
  tcase_add_test(tc, internal_match);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
