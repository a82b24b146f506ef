/* The per-context allocator: every internal allocation goes through it and is given back by
 * gost_ctx_free; failing the Nth allocation while loading and starting never crashes or leaks. */
#include <check.h>
#include <gost/gost.h>
#include <gost/sys/alloc.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"

struct counter {
  long live, total;
  long fail_at; /* 0: never */
};

static void *c_malloc(size_t n, void *user) {
  struct counter *c = user;
  if (c->fail_at && ++c->total == c->fail_at) return NULL;
  if (!c->fail_at) c->total++;
  void *p = malloc(n);
  if (p) c->live++;
  return p;
}
static void *c_realloc(void *p, size_t n, void *user) {
  if (!p) return c_malloc(n, user);
  return realloc(p, n);
}
static void c_free(void *p, void *user) {
  struct counter *c = user;
  if (p) c->live--;
  free(p);
}

static const char *const CONFIG =
    "{\"services\":[{\"name\":\"fwd\",\"addr\":\"127.0.0.1:0\",\"handler\":{\"type\":\"tcp\"},"
    "\"listener\":{\"type\":\"tcp\"},\"forwarder\":{\"nodes\":[{\"name\":\"a\",\"addr\":\"127.0.0.1:9\"}]}},"
    "{\"name\":\"srv\",\"addr\":\"127.0.0.1:0\",\"handler\":{\"type\":\"tunnel\",\"metadata\":"
    "{\"entrypoint\":\"127.0.0.1:0\",\"tunnel\":\".example.com:4d21094e-b74c-4916-86c1-d9fa36ea677b\"}},"
    "\"listener\":{\"type\":\"tcp\"}}],"
    "\"ingresses\":[{\"name\":\"ing\",\"rules\":[{\"hostname\":\"a.test\",\"endpoint\":\"$4d21094e-b74c-4916-86c1-d9fa36ea677b\"}]}]}";

START_TEST(every_allocation_returns) {
  struct counter c = {0, 0, 0};
  gost_ctx_t *ctx;
  ck_assert_int_eq(gost_ctx_new_with_allocator(&ctx, NULL, c_malloc, c_realloc, c_free, &c), GOST_OK);
  ck_assert_int_eq(gost_ctx_load_json(ctx, CONFIG, strlen(CONFIG)), GOST_OK);
  ck_assert_int_eq(gost_ctx_start(ctx), GOST_OK);
  ck_assert_uint_gt(gost_service_port(gost_ctx_service(ctx, "srv")), 0);
  gost_ctx_run(ctx, GOST_RUN_NOWAIT);
  ck_assert_int_gt(c.total, 10); /* the context really allocates through us */
  gost_ctx_free(ctx);
  ck_assert_int_eq(c.live, 0);
}
END_TEST

START_TEST(failing_each_allocation_is_clean) {
  /* Find how many allocations a full load+start takes, then fail each one in turn. */
  struct counter probe = {0, 0, 0};
  gost_ctx_t *ctx;
  ck_assert_int_eq(gost_ctx_new_with_allocator(&ctx, NULL, c_malloc, c_realloc, c_free, &probe), GOST_OK);
  ck_assert_int_eq(gost_ctx_load_json(ctx, CONFIG, strlen(CONFIG)), GOST_OK);
  ck_assert_int_eq(gost_ctx_start(ctx), GOST_OK);
  long n = probe.total;
  ck_assert_int_gt(n, 20);
  gost_ctx_free(ctx);
  for (long k = 1; k <= n; k++) {
    struct counter c = {0, 0, k};
    if (gost_ctx_new_with_allocator(&ctx, NULL, c_malloc, c_realloc, c_free, &c) != GOST_OK) {
      ck_assert_int_eq(c.live, 0);
      continue;
    }
    int rc = gost_ctx_load_json(ctx, CONFIG, strlen(CONFIG));
    if (rc == GOST_OK) rc = gost_ctx_start(ctx);
    ck_assert_msg(rc == GOST_OK || rc == GOST_ENOMEM || rc == GOST_ECONFIG || rc == GOST_EIO,
                  "allocation %ld: unexpected %s", k, gost_error_name(rc));
    gost_ctx_free(ctx);
    ck_assert_msg(c.live == 0, "allocation %ld failed: %ld blocks leaked", k, c.live);
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("alloc");
  TCase *tc = tcase_create("ctx allocator");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, every_allocation_returns);
  tcase_add_test(tc, failing_each_allocation_is_clean);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
