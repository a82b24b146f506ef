/* Public objects without starting them: names, copies, metadata scopes, refs, lookups. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "core/meta.h"
#include "gost/gost.h"
#include "ingress/ingress.h"
#include "harness.h"

static gost_ctx_t *ctx;
static void setup(void) { ck_assert_int_eq(gost_ctx_new(&ctx), 0); }
static void teardown(void) { gost_ctx_free(ctx); }

START_TEST(service_names_and_copies) {
  gost_service_t *a, *b, *c;
  char name[16] = "svc";
  ck_assert_int_eq(gost_service_new(&a, ctx, name), 0);
  strcpy(name, "xxx"); /* the service keeps its own copy */
  ck_assert_str_eq(gost_service_name(a), "svc");
  ck_assert_int_eq(gost_service_new(&b, ctx, "svc"), GOST_EEXIST);
  ck_assert_ptr_null(b);
  ck_assert_int_eq(gost_service_new(&c, ctx, NULL), 0);
  ck_assert_str_eq(gost_service_name(c), "service-0");
  ck_assert_uint_eq(gost_ctx_service_count(ctx), 2);
  ck_assert_ptr_eq(gost_ctx_service_at(ctx, 0), a);
  ck_assert_ptr_eq(gost_ctx_service_at(ctx, 1), c);
  ck_assert_ptr_null(gost_ctx_service_at(ctx, 2));
  ck_assert_ptr_eq(gost_ctx_service(ctx, "svc"), a);
  gost_service_free(a);
  ck_assert_ptr_null(gost_ctx_service(ctx, "svc"));
  ck_assert_uint_eq(gost_ctx_service_count(ctx), 1);
  gost_service_free(NULL);
}
END_TEST

START_TEST(service_config) {
  gost_service_t *s;
  ck_assert_int_eq(gost_service_new(&s, ctx, "s"), 0);
  ck_assert_str_eq(s->handler_type, "auto");
  ck_assert_str_eq(s->listener_type, "tcp");
  ck_assert_int_eq(gost_service_set_handler(s, "Tunnel"), 0);
  ck_assert_int_eq(gost_service_set_listener(s, "wss", ":443"), 0);
  ck_assert_str_eq(s->handler_type, "tunnel");
  ck_assert_str_eq(s->addr, ":443");
  ck_assert_int_eq(gost_service_set_meta(s, NULL, "entryPoint", ":80"), 0);
  ck_assert_int_eq(gost_service_set_meta(s, "handler", "tunnel.direct", "true"), 0);
  ck_assert_int_eq(gost_service_set_meta(s, "bogus", "k", "v"), GOST_EINVAL);
  ck_assert_str_eq(gost__meta_str(s->handler_meta, "ENTRYPOINT", ""), ":80");
  ck_assert_str_eq(gost__meta_str(s->listener_meta, "entrypoint", ""), ":80");
  ck_assert_str_eq(gost__meta_str(s->service_meta, "entrypoint", ""), ":80");
  ck_assert_str_eq(gost__meta_str(s->handler_meta, "tunnel.direct", ""), "true");
  ck_assert_ptr_null(gost__meta_get(s->listener_meta, "tunnel.direct"));
  ck_assert_int_eq(gost_service_set_auth(s, "u", "p"), 0);
  ck_assert_int_eq(gost_service_add_auth(s, "u2", "p2"), 0);
  ck_assert_uint_eq(s->nauths, 2);
  ck_assert(gost__auths_match(s->auths, s->nauths, "u2", "p2"));
  ck_assert(!gost__auths_match(s->auths, s->nauths, "u2", "p"));
  ck_assert(!gost__auths_match(s->auths, s->nauths, "u", "p2"));
  ck_assert_int_eq(gost_service_set_auth(s, NULL, NULL), 0);
  ck_assert(gost__auths_match(s->auths, s->nauths, "any", "thing")); /* none configured */
  ck_assert_int_eq(gost_service_add_node(s, "a", "192.168.1.1:80", "*.example.com"), 0);
  ck_assert_int_eq(gost_service_add_node(s, "b", "192.168.1.2:80", "*example.com"), 1);
  ck_assert_int_eq(gost_service_add_node(s, NULL, "192.168.2.1:80", NULL), 2);
  ck_assert_str_eq(s->nodes[0]->filter_host, ".example.com");
  ck_assert_str_eq(s->nodes[1]->filter_host, ".example.com");
  ck_assert_str_eq(s->nodes[2]->filter_host, "");
  ck_assert_str_eq(s->nodes[2]->name, "target-2");
  ck_assert_int_eq(gost_service_set_node_meta(s, "b", "backup", "true"), 0);
  ck_assert(gost__meta_bool(s->nodes[1]->meta, "backup", 0));
  ck_assert_int_eq(gost_service_set_node_meta(s, "zz", "backup", "true"), GOST_ENOTFOUND);
  ck_assert_int_eq(gost_service_add_node(s, "c", "", NULL), GOST_EINVAL);
  ck_assert_uint_eq(gost_service_stat(s, GOST_STAT_CONNECTIONS), 0);
  ck_assert_uint_eq(gost_service_stat(s, 99), 0);
  ck_assert_uint_eq(gost_service_port(s), 0);
}
END_TEST

START_TEST(chain_refs) {
  gost_chain_t *c;
  gost_service_t *s1, *s2;
  ck_assert_int_eq(gost_chain_new(&c, ctx, NULL), 0);
  ck_assert_str_eq(gost_chain_name(c), "chain-0");
  ck_assert_int_eq(gost_chain_add_hop(c, NULL), 0);
  ck_assert_int_eq(gost_chain_add_hop(c, "second"), 1);
  ck_assert_int_eq(gost_chain_add_node(c, 0, NULL, "s:8443", "tunnel", "wss"), 0);
  ck_assert_int_eq(gost_chain_add_node(c, 1, "n", "t:1080", NULL, NULL), 0);
  ck_assert_int_eq(gost_chain_add_node(c, 2, "x", "t:1", NULL, NULL), GOST_EINVAL);
  ck_assert_str_eq(c->hops[0]->name, "hop-0");
  ck_assert_str_eq(c->hops[0]->nodes[0]->name, "node-0");
  ck_assert_str_eq(c->hops[1]->nodes[0]->connector, "http");
  ck_assert_str_eq(c->hops[1]->nodes[0]->dialer, "tcp");
  ck_assert_int_eq(gost_chain_set_node_meta(c, "node-0", NULL, "tunnel.ID", "x"), 0);
  ck_assert_int_eq(gost_chain_set_node_meta(c, "n", "dialer", "path", "/ws"), 0);
  ck_assert_int_eq(gost_chain_set_node_meta(c, "n", "nope", "k", "v"), GOST_EINVAL);
  ck_assert_int_eq(gost_chain_set_node_meta(c, "zz", NULL, "k", "v"), GOST_ENOTFOUND);
  struct gost_node *n0 = c->hops[0]->nodes[0];
  ck_assert_str_eq(gost__meta_str(n0->connector_meta, "tunnel.id", ""), "x");
  ck_assert_str_eq(gost__meta_str(n0->dialer_meta, "tunnel.id", ""), "x");
  ck_assert_str_eq(gost__meta_str(n0->meta, "tunnel.id", ""), "x");
  ck_assert_int_eq(gost_chain_set_node_auth(c, "node-0", "u", "p"), 0);
  ck_assert_str_eq(n0->user, "u");
  ck_assert_int_eq(gost_service_new(&s1, ctx, "s1"), 0);
  ck_assert_int_eq(gost_service_new(&s2, ctx, "s2"), 0);
  ck_assert_int_eq(gost_service_set_chain(s1, c), 0);
  ck_assert_int_eq(gost_service_set_chain(s2, c), 0);
  ck_assert_int_eq(c->refs, 3);
  gost_chain_free(c); /* caller's reference; services keep theirs */
  ck_assert_ptr_eq(gost_ctx_chain(ctx, "chain-0"), c);
  gost_service_free(s1);
  ck_assert_int_eq(c->refs, 1);
  gost_service_free(s2); /* last reference: chain gone */
  ck_assert_ptr_null(gost_ctx_chain(ctx, "chain-0"));
}
END_TEST

START_TEST(ingress_refs) {
  gost_ingress_t *i;
  gost_service_t *s;
  ck_assert_int_eq(gost_ingress_new(&i, ctx, "ing"), 0);
  ck_assert_int_eq(gost_service_new(&s, ctx, "s"), 0);
  ck_assert_int_eq(gost_service_set_ingress(s, i), 0);
  gost_ingress_free(i);
  ck_assert_ptr_eq(gost_ctx_ingress(ctx, "ing"), i);
  ck_assert_int_eq(gost_service_set_ingress(s, NULL), 0);
  ck_assert_ptr_null(gost_ctx_ingress(ctx, "ing"));
}
END_TEST

START_TEST(start_without_registry) {
  gost_service_t *s;
  ck_assert_int_eq(gost_service_new(&s, ctx, "s"), 0);
  ck_assert_int_eq(gost_service_start(s), GOST_ECONFIG); /* no address */
  ck_assert_int_eq(gost_service_set_listener(s, "tcp", "127.0.0.1:0"), 0);
  int rc = gost_service_start(s);
  if (rc != GOST_OK) { /* registry not linked yet: refused cleanly, nothing half-started */
    ck_assert_int_eq(rc, GOST_EUNSUPPORTED);
    ck_assert_int_eq(s->running, 0);
    ck_assert_int_eq(gost_ctx_start(ctx), GOST_EUNSUPPORTED);
  }
  ck_assert_int_eq(gost_service_stop(s), 0);
  ck_assert_int_eq(s->running, 0);
}
END_TEST

START_TEST(ctx_free_with_everything) {
  gost_chain_t *c;
  gost_ingress_t *i;
  gost_service_t *s;
  ck_assert_int_eq(gost_chain_new(&c, ctx, "c"), 0);
  ck_assert_int_eq(gost_ingress_new(&i, ctx, "i"), 0);
  ck_assert_int_eq(gost_ingress_set_rule(i, "a.com", "4d21094e-b74c-4916-86c1-d9fa36ea677b"), 0);
  ck_assert_int_eq(gost_service_new(&s, ctx, "s"), 0);
  ck_assert_int_eq(gost_service_set_chain(s, c), 0);
  ck_assert_int_eq(gost_service_set_ingress(s, i), 0);
  /* teardown frees all of it; valgrind checks nothing leaks */
}
END_TEST

int main(void) {
  Suite *s = suite_create("api");
  TCase *tc = tcase_create("objects");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, service_names_and_copies);
  tcase_add_test(tc, service_config);
  tcase_add_test(tc, chain_refs);
  tcase_add_test(tc, ingress_refs);
  tcase_add_test(tc, start_without_registry);
  tcase_add_test(tc, ctx_free_with_everything);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
