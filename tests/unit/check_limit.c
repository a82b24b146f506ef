/* Limiters (lib/limit): token bucket arithmetic at given clocks, stock limit-line parsing, and
 * admission by the conn and rate limiters (counts, scopes, live changes, release). */
#include <arpa/inet.h>
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gost/gost.h"
#include "limit/limiter.h"

#define NEAR(a, b) ck_assert_msg(fabs((a) - (b)) < 1e-9, "%.12f != %.12f", (double)(a), (double)(b))

START_TEST(bucket_charge_and_wait) {
  struct gost_bucket b;
  gost__bucket_init(&b, 1000, 100, 10.0); /* 1000/s, capacity 100, full at t=10 */
  NEAR(gost__bucket_charge(&b, 60, 10.0), 0);    /* 40 left */
  NEAR(gost__bucket_charge(&b, 140, 10.0), 0.1); /* -100: 100 units of debt = 0.1 s */
  NEAR(gost__bucket_charge(&b, 0, 10.05), 0.05); /* half of it paid after 50 ms */
  NEAR(gost__bucket_charge(&b, 0, 10.1), 0);     /* out of debt */
  NEAR(gost__bucket_charge(&b, 0, 20.0), 0);
  NEAR(b.tokens, 100); /* refill stops at capacity however long the idle time */
  /* the long-run rate is exact whatever the read sizes: 10 000 units in 64-unit reads */
  double t = 30.0, w;
  gost__bucket_init(&b, 1000, 100, t);
  for (int i = 0; i < 10000 / 64; i++)
    if ((w = gost__bucket_charge(&b, 64, t)) > 0) t += w;
  ck_assert(t - 30.0 > (9984 - 100) / 1000.0 - 1e-9 && t - 30.0 < 9984 / 1000.0);
}
END_TEST

START_TEST(bucket_unlimited_set_take) {
  struct gost_bucket b;
  gost__bucket_init(&b, 0, 0, 1.0);
  NEAR(gost__bucket_charge(&b, 1e12, 1.0), 0); /* rate 0: unlimited */
  ck_assert_int_eq(gost__bucket_take(&b, 5, 1.0), 1);
  gost__bucket_set(&b, 10, 11, 1.0); /* was unlimited: starts full */
  NEAR(b.tokens, 11);
  for (int i = 0; i < 11; i++) ck_assert_int_eq(gost__bucket_take(&b, 1, 1.0), 1);
  ck_assert_int_eq(gost__bucket_take(&b, 1, 1.0), 0); /* refused, nothing taken */
  NEAR(b.tokens, 0);
  ck_assert_int_eq(gost__bucket_take(&b, 1, 1.1), 1); /* 0.1 s later: one more */
  ck_assert_int_eq(gost__bucket_full(&b, 1.1), 0);
  ck_assert_int_eq(gost__bucket_full(&b, 3.0), 1);
  gost__bucket_charge(&b, 11, 3.0);
  gost__bucket_set(&b, 100, 5, 3.0); /* keeps the debt, clamps to the new capacity */
  NEAR(b.tokens, 0);
  NEAR(gost__bucket_charge(&b, 0, 3.0), 0);
}
END_TEST

START_TEST(sizes) {
  NEAR(gost__limit_size("100MB"), 100 * 1048576.);
  NEAR(gost__limit_size("1.5KB"), 1536);
  NEAR(gost__limit_size("10mib"), 10 * 1048576.);
  NEAR(gost__limit_size("512"), 512);
  NEAR(gost__limit_size("2G"), 2 * 1073741824.);
  NEAR(gost__limit_size("0"), 0);
  const char *bad[] = {"", "MB", "-1MB", "10XB", "inf", "nan", "1e30", "10 MB", NULL};
  for (int i = 0; bad[i]; i++) ck_assert_msg(gost__limit_size(bad[i]) < 0, "%s accepted", bad[i]);
}
END_TEST

START_TEST(lines) {
  struct gost_limit_rule r;
  char err[160];
  ck_assert_int_eq(gost__limit_parse(GOST_LIMITER_TRAFFIC, "$ 100MB 50MB", &r, err, sizeof err), GOST_OK);
  ck_assert_int_eq(r.key, GOST_LK_SERVICE);
  NEAR(r.v[0], 100 * 1048576.);
  NEAR(r.v[1], 50 * 1048576.);
  ck_assert_int_eq(gost__limit_parse(GOST_LIMITER_TRAFFIC, " \t$$\t 10KB ", &r, err, sizeof err), GOST_OK);
  ck_assert_int_eq(r.key, GOST_LK_EACH);
  NEAR(r.v[1], 0); /* no OUT: unlimited that way */
  ck_assert_int_eq(gost__limit_parse(GOST_LIMITER_TRAFFIC, "192.168.7.9/16 1MB 1MB", &r, err, sizeof err), GOST_OK);
  ck_assert_int_eq(r.key, GOST_LK_HOST);
  ck_assert_int_eq(r.prefix, 96 + 16);
  ck_assert_int_eq(r.addr[12], 192);
  ck_assert_int_eq(r.addr[13], 168);
  ck_assert_int_eq(r.addr[14], 0); /* host bits cleared */
  ck_assert_int_eq(gost__limit_parse(GOST_LIMITER_CONN, "2001:db8::1 5", &r, err, sizeof err), GOST_OK);
  ck_assert_int_eq(r.prefix, 128);
  ck_assert_int_eq(gost__limit_parse(GOST_LIMITER_TRAFFIC, "4d21094e-b74c-4916-86c1-d9fa36ea677b 1MB", &r, err,
                                     sizeof err), GOST_OK);
  ck_assert_int_eq(r.key, GOST_LK_TUNNEL);
  ck_assert_int_eq(gost__limit_parse(GOST_LIMITER_RATE, "$$ 2.5", &r, err, sizeof err), GOST_OK);
  NEAR(r.v[0], 2.5);
  const struct {
    gost_limiter_kind_t k;
    const char *line;
  } bad[] = {{GOST_LIMITER_TRAFFIC, "$"},
             {GOST_LIMITER_TRAFFIC, "$ 1MB 1MB 1MB"},
             {GOST_LIMITER_TRAFFIC, "example.com 1MB"},
             {GOST_LIMITER_TRAFFIC, "10.0.0.0/33 1MB"},
             {GOST_LIMITER_TRAFFIC, "$ fast"},
             {GOST_LIMITER_CONN, "$ 2.5"},
             {GOST_LIMITER_CONN, "$ 5 5"},
             {GOST_LIMITER_CONN, "4d21094e-b74c-4916-86c1-d9fa36ea677b 5"},
             {GOST_LIMITER_RATE, "$ -1"},
             {GOST_LIMITER_RATE, ""}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err[0] = '\0';
    ck_assert_msg(gost__limit_parse(bad[i].k, bad[i].line, &r, err, sizeof err) == GOST_EINVAL, "\"%s\"", bad[i].line);
    ck_assert_msg(err[0], "no reason for \"%s\"", bad[i].line);
  }
}
END_TEST

static struct sockaddr_storage ip(const char *s) {
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  struct sockaddr_in *a = (struct sockaddr_in *)&ss;
  a->sin_family = AF_INET;
  ck_assert_int_eq(inet_pton(AF_INET, s, &a->sin_addr), 1);
  return ss;
}

static int admit(gost_limiter_t *c, gost_limiter_t *r, const char *addr, struct gost_stream_limit **out) {
  struct sockaddr_storage ss = ip(addr);
  return gost__limits_admit(NULL, c, r, (const struct sockaddr *)&ss, "test", out);
}

/* `$` caps the service, the host's rule (most specific) else `$$` each host; a change applies to
 * the next connection; closing gives the slot back. */
START_TEST(conn_limiter) {
  gost_ctx_t *ctx;
  gost_limiter_t *c;
  ck_assert_int_eq(gost_ctx_new(&ctx), GOST_OK);
  gost_ctx_set_log_cb(ctx, GOST_LOG_OFF, NULL, NULL);
  ck_assert_int_eq(gost_limiter_new(&c, ctx, GOST_LIMITER_CONN, "c"), GOST_OK);
  const char *l1[] = {"$ 5", "$$ 2", "10.0.0.0/8 3", "10.1.0.0/16 1"};
  ck_assert_int_eq(gost_limiter_set_limits(c, l1, 4), GOST_OK);
  struct gost_stream_limit *s[8] = {0};
  ck_assert_int_eq(admit(c, NULL, "192.0.2.1", &s[0]), GOST_OK);
  ck_assert_int_eq(admit(c, NULL, "192.0.2.1", &s[1]), GOST_OK);
  ck_assert_int_eq(admit(c, NULL, "192.0.2.1", &s[7]), GOST_ECONNREFUSED); /* $$ 2 */
  ck_assert_int_eq(admit(c, NULL, "10.1.2.3", &s[2]), GOST_OK);
  ck_assert_int_eq(admit(c, NULL, "10.1.2.3", &s[7]), GOST_ECONNREFUSED); /* /16 wins over /8 */
  ck_assert_int_eq(admit(c, NULL, "10.2.0.1", &s[3]), GOST_OK);
  ck_assert_int_eq(admit(c, NULL, "10.2.0.2", &s[4]), GOST_OK); /* each host in the /8 has its own 3 */
  ck_assert_int_eq(admit(c, NULL, "10.2.0.3", &s[7]), GOST_ECONNREFUSED); /* $ 5 */
  ck_assert_uint_eq(gost_limiter_hits(c), 3);
  s[0]->release(s[0]);
  ck_assert_int_eq(admit(c, NULL, "10.2.0.3", &s[0]), GOST_OK); /* a slot came back */
  const char *l2[] = {"$ 100", "$$ 3"};
  ck_assert_int_eq(gost_limiter_set_limits(c, l2, 2), GOST_OK); /* live: */
  struct gost_stream_limit *x;
  ck_assert_int_eq(admit(c, NULL, "192.0.2.1", &s[5]), GOST_OK);
  ck_assert_int_eq(admit(c, NULL, "192.0.2.1", &s[6]), GOST_OK);
  ck_assert_int_eq(admit(c, NULL, "192.0.2.1", &x), GOST_ECONNREFUSED); /* 3 open (counted before the change) */
  ck_assert_int_eq(admit(c, NULL, "10.1.2.3", &s[7]), GOST_OK);        /* its /16 rule is gone */
  ck_assert_uint_eq(c->conns, 8);
  for (int i = 0; i < 8; i++) s[i]->release(s[i]);
  ck_assert_uint_eq(c->conns, 0);
  ck_assert_uint_eq(c->ents.count, 0); /* hosts without connections are forgotten */
  const char *bad[] = {"$ 5", "nonsense"};
  ck_assert_int_eq(gost_limiter_set_limits(c, bad, 2), GOST_EINVAL);
  ck_assert_ptr_nonnull(strstr(gost_last_error(), "limits[1]"));
  ck_assert_uint_eq(gost_limiter_limit_count(c), 2); /* unchanged */
  ck_assert_str_eq(gost_limiter_limit_at(c, 1), "$$ 3");
  ck_assert_ptr_eq(gost_ctx_limiter(ctx, GOST_LIMITER_CONN, "c"), c);
  ck_assert_ptr_null(gost_ctx_limiter(ctx, GOST_LIMITER_RATE, "c"));
  gost_limiter_t *dup;
  ck_assert_int_eq(gost_limiter_new(&dup, ctx, GOST_LIMITER_CONN, "c"), GOST_EEXIST);
  gost_ctx_free(ctx); /* frees the limiter too */
}
END_TEST

START_TEST(rate_limiter) {
  gost_ctx_t *ctx;
  gost_limiter_t *r;
  ck_assert_int_eq(gost_ctx_new(&ctx), GOST_OK);
  gost_ctx_set_log_cb(ctx, GOST_LOG_OFF, NULL, NULL);
  ck_assert_int_eq(gost_limiter_new(&r, ctx, GOST_LIMITER_RATE, NULL), GOST_OK);
  const char *l[] = {"$$ 2", "192.0.2.9 0.5"};
  ck_assert_int_eq(gost_limiter_set_limits(r, l, 2), GOST_OK);
  struct gost_stream_limit *s;
  /* stock's burst: int(rate) + 1 at once, then the rate (the loop clock does not move here) */
  for (int i = 0; i < 3; i++) ck_assert_int_eq(admit(NULL, r, "192.0.2.1", &s), GOST_OK);
  ck_assert_int_eq(admit(NULL, r, "192.0.2.1", &s), GOST_ECONNREFUSED);
  ck_assert_int_eq(admit(NULL, r, "192.0.2.2", &s), GOST_OK); /* per host */
  ck_assert_int_eq(admit(NULL, r, "192.0.2.9", &s), GOST_OK);
  ck_assert_int_eq(admit(NULL, r, "192.0.2.9", &s), GOST_ECONNREFUSED); /* its own 0.5/s */
  ck_assert_ptr_null(s); /* no traffic or conn limiter: nothing to attach */
  const char *l2[] = {"$ 1"};
  ck_assert_int_eq(gost_limiter_set_limits(r, l2, 1), GOST_OK);
  ck_assert_int_eq(admit(NULL, r, "192.0.2.1", &s), GOST_OK); /* $$ gone: host unlimited */
  ck_assert_int_eq(admit(NULL, r, "192.0.2.1", &s), GOST_OK);
  ck_assert_int_eq(admit(NULL, r, "192.0.2.3", &s), GOST_ECONNREFUSED); /* $ 1: burst 2 used */
  ck_assert_uint_eq(gost_limiter_hits(r), 3);
  gost_limiter_free(r);
  gost_ctx_free(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("limit");
  TCase *tc = tcase_create("limit");
  tcase_add_test(tc, bucket_charge_and_wait);
  tcase_add_test(tc, bucket_unlimited_set_take);
  tcase_add_test(tc, sizes);
  tcase_add_test(tc, lines);
  tcase_add_test(tc, conn_limiter);
  tcase_add_test(tc, rate_limiter);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
