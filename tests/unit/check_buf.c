#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "gost/error.h"
#include "harness.h"

START_TEST(pool_reuse_and_cap) {
  struct gost_buf_pool p;
  gost__buf_pool_init(&p, NULL, 2);
  struct gost_buf *b[3];
  for (int i = 0; i < 3; i++) b[i] = gost__buf_get(&p);
  ck_assert_uint_eq(p.nlive, 3);
  for (int i = 0; i < 3; i++) gost__buf_put(&p, b[i]);
  ck_assert_uint_eq(p.nlive, 0);
  ck_assert_uint_eq(p.nfree, 2); /* the third went back to the allocator */
  struct gost_buf *again = gost__buf_get(&p);
  ck_assert(again == b[1] || again == b[0]);
  ck_assert_uint_eq(again->off + again->len, 0);
  gost__buf_put(&p, again);
  gost__buf_pool_cleanup(&p);
  ck_assert_uint_eq(p.nfree, 0);
}
END_TEST

START_TEST(bufq_roundtrip) {
  struct gost_buf_pool p;
  gost__buf_pool_init(&p, NULL, 8);
  struct gost_bufq q;
  gost_bufq_init(&q);
  size_t n = GOST_BUF_SIZE * 2 + 123;
  char *in = malloc(n), *out = malloc(n);
  for (size_t i = 0; i < n; i++) in[i] = (char)(i * 7);
  ck_assert_int_eq(gost__bufq_append(&q, &p, in, 100), 0);
  ck_assert_int_eq(gost__bufq_append(&q, &p, in + 100, n - 100), 0);
  ck_assert_uint_eq(q.bytes, n);
  ck_assert_uint_eq(p.nlive, 3);
  struct iovec iov[8];
  ck_assert_int_eq(gost__bufq_iov(&q, iov, 8), 3);
  ck_assert_int_eq(gost__bufq_iov(&q, iov, 2), 2);
  ck_assert_uint_eq(gost__bufq_peek(&q, out, n), n);
  ck_assert_mem_eq(in, out, n);
  gost__bufq_consume(&q, &p, GOST_BUF_SIZE + 5);
  ck_assert_uint_eq(q.bytes, n - GOST_BUF_SIZE - 5);
  ck_assert_uint_eq(p.nlive, 2);
  ck_assert_uint_eq(gost__bufq_peek(&q, out, 10), 10);
  ck_assert_mem_eq(out, in + GOST_BUF_SIZE + 5, 10);
  gost__bufq_clear(&q, &p);
  ck_assert_uint_eq(q.bytes, 0);
  ck_assert_uint_eq(p.nlive, 0);
  ck_assert_ptr_null(q.head);
  free(in);
  free(out);
  gost__buf_pool_cleanup(&p);
}
END_TEST

static int fail_after;
static void *failing_malloc(size_t n, void *u) {
  (void)u;
  return fail_after-- > 0 ? malloc(n) : NULL;
}
static void *plain_realloc(void *p, size_t n, void *u) {
  (void)u;
  return realloc(p, n);
}
static void plain_free(void *p, void *u) {
  (void)u;
  free(p);
}

START_TEST(bufq_enomem_keeps_queued) {
  struct gost_mem mem = {failing_malloc, plain_realloc, plain_free, NULL};
  struct gost_buf_pool p;
  gost__buf_pool_init(&p, &mem, 8);
  struct gost_bufq q;
  gost_bufq_init(&q);
  static char data[GOST_BUF_SIZE * 2];
  fail_after = 1;
  ck_assert_int_eq(gost__bufq_append(&q, &p, data, sizeof data), GOST_ENOMEM);
  ck_assert_uint_eq(q.bytes, GOST_BUF_SIZE); /* the first buffer's worth stayed */
  gost__bufq_clear(&q, &p);
  gost__buf_pool_cleanup(&p);
}
END_TEST

int main(void) {
  Suite *s = suite_create("buf");
  TCase *tc = tcase_create("buf");
  tcase_add_test(tc, pool_reuse_and_cap);
  tcase_add_test(tc, bufq_roundtrip);
  tcase_add_test(tc, bufq_enomem_keeps_queued);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
