#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "chain/selector.h"
#include "core/addr.h"
#include "core/meta.h"
#include "gost/ctx.h"
#include "gost/error.h"
#include "harness.h"

START_TEST(split_forms) {
  static const struct {
    const char *in, *host;
    int port;
  } ok[] = {{"example.com:443", "example.com", 443}, {":8080", "", 8080},
            {"[::1]:80", "::1", 80},                  {"host", "host", 0},
            {"host:0", "host", 0},                    {"::1", "::1", 0},
            {"1.2.3.4:65535", "1.2.3.4", 65535},      {"[fe80::1]", "fe80::1", 0}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    char h[GOST_ADDR_HOST_MAX];
    uint16_t p = 1;
    ck_assert_int_eq(gost__addr_split(ok[i].in, h, sizeof h, &p), 0);
    ck_assert_str_eq(h, ok[i].host);
    ck_assert_int_eq(p, ok[i].port);
  }
  static const char *bad[] = {"h:65536", "h:x", "[::1", "[::1]x", "h:", "h:80-81", "h:-1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char h[GOST_ADDR_HOST_MAX];
    uint16_t p;
    ck_assert_int_eq(gost__addr_split(bad[i], h, sizeof h, &p), GOST_EINVAL);
  }
  char small[4];
  uint16_t p;
  ck_assert_int_eq(gost__addr_split("long:1", small, sizeof small, &p), GOST_EINVAL);
}
END_TEST

START_TEST(ranges) {
  char h[GOST_ADDR_HOST_MAX];
  uint16_t lo, hi;
  ck_assert_int_eq(gost__addr_split_range(":8000-8010", h, sizeof h, &lo, &hi), 0);
  ck_assert_int_eq(lo, 8000);
  ck_assert_int_eq(hi, 8010);
  ck_assert_int_eq(gost__addr_split_range("h:9-8", h, sizeof h, &lo, &hi), GOST_EINVAL);
  char **list;
  size_t n;
  ck_assert_int_eq(gost__addr_expand(NULL, "[::1]:8000-8002", 100, &list, &n), 0);
  ck_assert_uint_eq(n, 3);
  ck_assert_str_eq(list[0], "[::1]:8000");
  ck_assert_str_eq(list[2], "[::1]:8002");
  gost__addr_list_free(NULL, list, n);
  ck_assert_int_eq(gost__addr_expand(NULL, "a:80", 100, &list, &n), 0);
  ck_assert_uint_eq(n, 1);
  ck_assert_str_eq(list[0], "a:80");
  gost__addr_list_free(NULL, list, n);
  ck_assert_int_eq(gost__addr_expand(NULL, "a:1-1000", 100, &list, &n), GOST_EINVAL);
}
END_TEST

START_TEST(sockaddrs) {
  ck_assert_int_eq(gost__addr_is_ip("10.0.0.1"), AF_INET);
  ck_assert_int_eq(gost__addr_is_ip("::1"), AF_INET6);
  ck_assert_int_eq(gost__addr_is_ip("example.com"), 0);
  ck_assert_int_eq(gost__addr_is_ip("[::1]"), 0);
  struct sockaddr_storage ss;
  socklen_t len;
  char out[GOST_ADDR_STR_MAX];
  ck_assert_int_eq(gost__addr_to_sockaddr("127.0.0.1", 8080, &ss, &len), 0);
  ck_assert_uint_eq(len, sizeof(struct sockaddr_in));
  gost__sockaddr_fmt((struct sockaddr *)&ss, out, sizeof out);
  ck_assert_str_eq(out, "127.0.0.1:8080");
  ck_assert_int_eq(gost__addr_to_sockaddr("::1", 53, &ss, &len), 0);
  gost__sockaddr_fmt((struct sockaddr *)&ss, out, sizeof out);
  ck_assert_str_eq(out, "[::1]:53");
  ck_assert_int_eq(gost__sockaddr_port((struct sockaddr *)&ss), 53);
  ck_assert_int_eq(gost__addr_to_sockaddr("nope", 1, &ss, &len), GOST_EINVAL);
  ck_assert_int_eq(gost__addr_join(out, 8, "abcdef", 80), GOST_EINVAL);
}
END_TEST

START_TEST(host_filter) {
  ck_assert(gost__host_filter_match("example.com", "EXAMPLE.com:443"));
  ck_assert(!gost__host_filter_match("example.com", "a.example.com"));
  ck_assert(gost__host_filter_match(".example.com", "example.com"));
  ck_assert(gost__host_filter_match(".example.com", "a.b.Example.COM"));
  ck_assert(gost__host_filter_match("*.example.com", "x.example.com:80"));
  ck_assert(!gost__host_filter_match(".example.com", "badexample.com"));
  ck_assert(!gost__host_filter_match("", "example.com"));
  ck_assert(!gost__host_filter_match("example.com", NULL));
  struct gost_node fallback = {0}, filtered = {0};
  filtered.filter_host = ".srv.local";
  ck_assert(gost__node_host_eligible(&fallback, NULL));
  ck_assert(!gost__node_host_eligible(&filtered, NULL));
  ck_assert(gost__node_host_eligible(&filtered, "ssh.srv.local"));
}
END_TEST

START_TEST(selector) {
  gost_ctx_t *ctx;
  ck_assert_int_eq(gost_ctx_new(&ctx), 0);
  struct gost_node a = {0}, b = {0}, c = {0};
  a.name = "a";
  b.name = "b";
  c.name = "c";
  c.meta = json_object();
  gost__meta_set(c.meta, "backup", "true");
  struct gost_node *nodes[] = {&a, &b, &c};
  size_t rr = 0;
  /* round robin over primaries only */
  ck_assert_ptr_eq(gost__node_select(ctx, nodes, 3, &rr, NULL), &a);
  ck_assert_ptr_eq(gost__node_select(ctx, nodes, 3, &rr, NULL), &b);
  ck_assert_ptr_eq(gost__node_select(ctx, nodes, 3, &rr, NULL), &a);
  /* fail filter, then the backup when no primary is live */
  gost__node_mark_failed(ctx, &a);
  ck_assert_ptr_eq(gost__node_select(ctx, nodes, 3, &rr, NULL), &b);
  ck_assert_ptr_eq(gost__node_select(ctx, nodes, 3, &rr, NULL), &b);
  gost__node_mark_failed(ctx, &b);
  ck_assert_ptr_eq(gost__node_select(ctx, nodes, 3, &rr, NULL), &c);
  /* everything failed: primaries are retried rather than refusing */
  gost__node_mark_failed(ctx, &c);
  struct gost_node *n = gost__node_select(ctx, nodes, 3, &rr, NULL);
  ck_assert(n == &a || n == &b);
  gost__node_mark_ok(&a);
  ck_assert_ptr_eq(gost__node_select(ctx, nodes, 3, &rr, NULL), &a);
  /* host filter: filtered node only for its host; fallback always */
  b.filter_host = "x.test";
  gost__node_mark_ok(&b);
  struct gost_node *two[] = {&b, &c};
  ck_assert_ptr_eq(gost__node_select(ctx, two, 2, &rr, "x.test:80"), &b);
  ck_assert_ptr_eq(gost__node_select(ctx, two, 2, &rr, "y.test"), &c);
  struct gost_node *one[] = {&b};
  ck_assert_ptr_null(gost__node_select(ctx, one, 1, &rr, "y.test"));
  json_decref(c.meta);
  gost_ctx_free(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("addr");
  TCase *tc = tcase_create("addr");
  tcase_add_test(tc, split_forms);
  tcase_add_test(tc, ranges);
  tcase_add_test(tc, sockaddrs);
  tcase_add_test(tc, host_filter);
  tcase_add_test(tc, selector);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
