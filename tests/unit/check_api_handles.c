/* Public API added in round 2: user data on every handle, scoped metadata of service nodes,
 * and the context allocated through the caller's allocator. */
#include <check.h>
#include <stdlib.h>

#include "gost/gost.h"
#include "gost/sys/alloc.h"
#include "model/service.h"
#include "harness.h"

START_TEST(user_data_on_every_handle) {
  gost_ctx_t *ctx;
  int tag;
  ck_assert_int_eq(gost_ctx_new(&ctx), 0);
  ck_assert_ptr_null(gost_ctx_get_data(ctx));
  gost_ctx_set_data(ctx, &tag);
  ck_assert_ptr_eq(gost_ctx_get_data(ctx), &tag);

  gost_service_t *svc;
  gost_chain_t *chain;
  gost_ingress_t *ing;
  gost_tunnel_t *t;
  ck_assert_int_eq(gost_service_new(&svc, ctx, "s"), 0);
  ck_assert_int_eq(gost_chain_new(&chain, ctx, "c"), 0);
  ck_assert_int_eq(gost_ingress_new(&ing, ctx, "i"), 0);
  ck_assert_int_eq(gost_tunnel_new(&t, ctx, "tunnel://127.0.0.1:1", NULL, NULL), 0);
  ck_assert_ptr_null(gost_service_get_data(svc));
  ck_assert_ptr_null(gost_chain_get_data(chain));
  ck_assert_ptr_null(gost_ingress_get_data(ing));
  ck_assert_ptr_null(gost_tunnel_get_data(t));
  gost_service_set_data(svc, &tag);
  gost_chain_set_data(chain, &svc);
  gost_ingress_set_data(ing, &chain);
  gost_tunnel_set_data(t, &ing);
  ck_assert_ptr_eq(gost_service_get_data(svc), &tag);
  ck_assert_ptr_eq(gost_chain_get_data(chain), &svc);
  ck_assert_ptr_eq(gost_ingress_get_data(ing), &chain);
  ck_assert_ptr_eq(gost_tunnel_get_data(t), &ing);
  /* NULL-safe */
  gost_service_set_data(NULL, &tag);
  ck_assert_ptr_null(gost_service_get_data(NULL));
  ck_assert_ptr_null(gost_ctx_get_data(NULL));
  gost_ctx_free(ctx);
}
END_TEST

START_TEST(service_node_meta_scopes) {
  gost_ctx_t *ctx;
  gost_service_t *s;
  ck_assert_int_eq(gost_ctx_new(&ctx), 0);
  ck_assert_int_eq(gost_service_new(&s, ctx, "s"), 0);
  ck_assert_int_eq(gost_service_add_node(s, "n", "127.0.0.1:80", NULL), 0);
  ck_assert_int_eq(gost_service_set_node_meta_ex(s, "n", "dialer", "path", "/ws"), 0);
  ck_assert_int_eq(gost_service_set_node_meta_ex(s, "n", "node", "backup", "true"), 0);
  ck_assert_str_eq(json_string_value(json_object_get(s->nodes[0]->dialer_meta, "path")), "/ws");
  ck_assert_ptr_null(json_object_get(s->nodes[0]->meta, "path"));
  ck_assert_str_eq(json_string_value(json_object_get(s->nodes[0]->meta, "backup")), "true");
  ck_assert_int_eq(gost_service_set_node_meta_ex(s, "n", "nope", "k", "v"), GOST_EINVAL);
  ck_assert_int_eq(gost_service_set_node_meta_ex(s, "zz", NULL, "k", "v"), GOST_ENOTFOUND);
  gost_ctx_free(ctx);
}
END_TEST

static long live_blocks, total_blocks;
static void *count_malloc(size_t n, void *user) {
  (void)user;
  live_blocks++, total_blocks++;
  return malloc(n);
}
static void *count_realloc(void *p, size_t n, void *user) {
  (void)user;
  if (!p) live_blocks++, total_blocks++;
  return realloc(p, n);
}
static void count_free(void *p, void *user) {
  (void)user;
  if (p) live_blocks--;
  free(p);
}

START_TEST(ctx_block_from_the_allocator) {
  gost_ctx_t *ctx;
  live_blocks = total_blocks = 0;
  ck_assert_int_eq(gost_ctx_new_with_allocator(&ctx, NULL, count_malloc, count_realloc, count_free, NULL), 0);
  ck_assert_int_eq(live_blocks, 1); /* the context itself */
  gost_ctx_free(ctx);
  ck_assert_int_eq(live_blocks, 0);
  ck_assert_int_eq(total_blocks, 1);
}
END_TEST

int main(void) {
  Suite *s = suite_create("api_handles");
  TCase *tc = tcase_create("api_handles");
  tcase_add_test(tc, user_data_on_every_handle);
  tcase_add_test(tc, service_node_meta_scopes);
  tcase_add_test(tc, ctx_block_from_the_allocator);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
