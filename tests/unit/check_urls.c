/* Command-line URLs: anatomy, types, metadata prefixes, auth, targets, and the seed commands. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/meta.h"
#include "gost/gost.h"
#include "ingress/ingress.h"
#include "model/service.h"
#include "harness.h"

#define T1 "4d21094e-b74c-4916-86c1-d9fa36ea677b"

static gost_ctx_t *ctx;
static void setup(void) { ck_assert_int_eq(gost_ctx_new(&ctx), 0); }
static void teardown(void) { gost_ctx_free(ctx); }

static int urls(const char *l1, const char *l2, const char *f1, const char *f2) {
  const char *L[2] = {l1, l2}, *F[2] = {f1, f2};
  return gost_ctx_load_urls(ctx, L, l2 ? 2 : 1, F, f2 ? 2 : f1 ? 1 : 0);
}

static const char *hmeta(const char *svc, const char *key) {
  return gost__meta_str(gost_ctx_service(ctx, svc)->handler_meta, key, "<none>");
}

START_TEST(server_inline_ingress) {
  ck_assert_int_eq(urls("tunnel://:8443?entrypoint=:80&tunnel=.example.com:" T1
                        ",example.org:ac74d9dd-3125-442a-a7c1-f9e49e05faca", NULL, NULL, NULL), 0);
  gost_service_t *s = gost_ctx_service(ctx, "service-0");
  ck_assert_str_eq(s->handler_type, "tunnel");
  ck_assert_str_eq(s->listener_type, "tcp");
  ck_assert_str_eq(s->addr, ":8443");
  ck_assert_str_eq(hmeta("service-0", "entrypoint"), ":80");
  /* a query key goes only to the objects whose schema knows it (handler here) */
  ck_assert_ptr_null(gost__meta_get(s->listener_meta, "entrypoint"));
  ck_assert_ptr_null(gost__meta_get(s->service_meta, "entrypoint"));
  ck_assert_uint_eq(gost_ingress_rule_count(s->ingress), 2);
  char id[37];
  ck_assert_int_eq(gost_ingress_lookup(s->ingress, "example.com", id, sizeof id, NULL), 0);
  ck_assert_str_eq(id, T1);
}
END_TEST

START_TEST(private_rule_and_encoding) {
  ck_assert_int_eq(urls("tunnel://:8443?tunnel=srv-2.local:%24ac74d9dd-3125-442a-a7c1-f9e49e05faca", NULL, NULL, NULL), 0);
  gost_service_t *s = gost_ctx_service(ctx, "service-0");
  int priv = 0;
  ck_assert_int_eq(gost_ingress_lookup(s->ingress, "srv-2.local", NULL, 0, &priv), 0);
  ck_assert_int_eq(priv, 1);
  ck_assert_str_eq(hmeta("service-0", "tunnel"), "srv-2.local:$ac74d9dd-3125-442a-a7c1-f9e49e05faca");
}
END_TEST

START_TEST(wss_server_with_auth) {
  ck_assert_int_eq(urls("tunnel+wss://user:p%40ss@:443?entrypoint=:8000", NULL, NULL, NULL), 0);
  gost_service_t *s = gost_ctx_service(ctx, "service-0");
  ck_assert_str_eq(s->handler_type, "tunnel");
  ck_assert_str_eq(s->listener_type, "wss");
  ck_assert_str_eq(s->addr, ":443");
  ck_assert_uint_eq(s->nauths, 1);
  ck_assert_str_eq(s->auths[0].user, "user");
  ck_assert_str_eq(s->auths[0].pass, "p@ss");
  ck_assert_str_eq(hmeta("service-0", "entrypoint"), ":8000");
}
END_TEST

START_TEST(auth_base64_and_prefixes) {
  /* dXNlcjpwYXNz = base64("user:pass") */
  ck_assert_int_eq(urls("http://:8080?auth=dXNlcjpwYXNz&Handler.ReadTimeout=5s&listener.keepalive=true"
                        "&SERVICE.certFile=x&Path=/p", NULL, NULL, NULL), 0);
  gost_service_t *s = gost_ctx_service(ctx, "service-0");
  ck_assert_str_eq(s->handler_type, "http");
  ck_assert_str_eq(s->auths[0].user, "user");
  ck_assert_str_eq(s->auths[0].pass, "pass");
  ck_assert_ptr_null(gost__meta_get(s->handler_meta, "auth"));
  ck_assert_str_eq(gost__meta_str(s->handler_meta, "readtimeout", ""), "5s");
  ck_assert_ptr_null(gost__meta_get(s->listener_meta, "readtimeout"));
  ck_assert_str_eq(gost__meta_str(s->listener_meta, "keepalive", ""), "true");
  ck_assert_ptr_null(gost__meta_get(s->handler_meta, "keepalive"));
  ck_assert_str_eq(gost__meta_str(s->service_meta, "certfile", ""), "x");
  ck_assert_ptr_null(gost__meta_get(s->listener_meta, "certfile"));
  /* unprefixed: every default object whose schema knows the key (listener and service) */
  ck_assert_ptr_null(gost__meta_get(s->handler_meta, "path"));
  ck_assert_str_eq(gost__meta_str(s->listener_meta, "path", ""), "/p");
  ck_assert_str_eq(gost__meta_str(s->service_meta, "path", ""), "/p");
}
END_TEST

START_TEST(client_rtcp_chain_on_listener) {
  ck_assert_int_eq(urls("rtcp://:0/192.168.1.1:80", NULL,
                        "tunnel://S:8443?tunnel.id=" T1 "&tunnel.weight=1", NULL), 0);
  gost_service_t *s = gost_ctx_service(ctx, "service-0");
  ck_assert_str_eq(s->handler_type, "rtcp");
  ck_assert_str_eq(s->listener_type, "rtcp");
  ck_assert_ptr_eq(s->chain, gost_ctx_chain(ctx, "chain-0"));
  struct gost_node *n = s->chain->hops[0]->nodes[0];
  ck_assert_str_eq(n->name, "node-0");
  ck_assert_str_eq(s->chain->hops[0]->name, "hop-0");
  ck_assert_str_eq(n->addr, "S:8443");
  ck_assert_str_eq(n->connector, "tunnel");
  ck_assert_str_eq(n->dialer, "tcp");
  ck_assert_str_eq(gost__meta_str(n->connector_meta, "tunnel.id", ""), T1);
  ck_assert_ptr_null(gost__meta_get(n->dialer_meta, "tunnel.weight"));
  ck_assert_str_eq(gost__meta_str(n->connector_meta, "tunnel.weight", ""), "1");
  ck_assert_str_eq(gost__meta_str(n->meta, "tunnel.id", ""), T1);
  ck_assert_str_eq(s->nodes[0]->addr, "192.168.1.1:80");
  ck_assert_str_eq(s->nodes[0]->name, "target-0");
}
END_TEST

START_TEST(custom_endpoint_wss) {
  ck_assert_int_eq(urls("rtcp://hello/192.168.1.1:80", NULL,
                        "tunnel+wss://tunnel.gost.plus:443?tunnel.id=893787fd-fcd2-46a0-8dd4-f9103ae84df4", NULL), 0);
  gost_service_t *s = gost_ctx_service(ctx, "service-0");
  ck_assert_str_eq(s->addr, "hello");
  ck_assert_str_eq(s->nodes[0]->addr, "192.168.1.1:80");
  ck_assert_str_eq(s->chain->hops[0]->nodes[0]->dialer, "wss");
  ck_assert_str_eq(s->chain->hops[0]->nodes[0]->connector, "tunnel");
}
END_TEST

START_TEST(visitor_chain_on_handler) {
  ck_assert_int_eq(urls("udp://:1053/dns.srv-2.local?keepalive=true&ttl=10s", NULL,
                        "tunnel://S:8443?TUNNEL.ID=" T1, NULL), 0);
  gost_service_t *s = gost_ctx_service(ctx, "service-0");
  ck_assert_str_eq(s->handler_type, "udp");
  ck_assert_str_eq(s->listener_type, "udp");
  ck_assert_ptr_nonnull(s->chain);
  ck_assert_str_eq(gost__meta_str(s->listener_meta, "keepalive", ""), "true");
  ck_assert_str_eq(gost__meta_str(s->listener_meta, "ttl", ""), "10s");
  ck_assert_str_eq(s->nodes[0]->addr, "dns.srv-2.local");
  ck_assert_str_eq(gost__meta_str(s->chain->hops[0]->nodes[0]->connector_meta, "tunnel.id", ""), T1);
}
END_TEST

START_TEST(hops_nodes_ranges) {
  ck_assert_int_eq(urls(":8080", "tcp://:9000/10.0.0.1:8000-8002,10.0.0.9:22", "http://u:p@a:1,b:2",
                        "socks5://192.168.1.2:1080?connector.connectTimeout=1s&dialer.serverName=y&node.backup=true"), 0);
  gost_service_t *s = gost_ctx_service(ctx, "service-0");
  ck_assert_str_eq(s->handler_type, "auto");
  ck_assert_str_eq(s->listener_type, "tcp");
  ck_assert_str_eq(s->addr, ":8080");
  gost_chain_t *c = s->chain;
  ck_assert_uint_eq(c->nhops, 2);
  ck_assert_uint_eq(c->hops[0]->nnodes, 2);
  ck_assert_str_eq(c->hops[0]->nodes[1]->addr, "b:2");
  ck_assert_str_eq(c->hops[0]->nodes[1]->name, "node-1");
  ck_assert_str_eq(c->hops[0]->nodes[1]->user, "u");
  ck_assert_str_eq(c->hops[1]->nodes[0]->connector, "socks5");
  struct gost_node *n = c->hops[1]->nodes[0];
  ck_assert_str_eq(gost__meta_str(n->connector_meta, "connecttimeout", ""), "1s");
  ck_assert_ptr_null(gost__meta_get(n->dialer_meta, "connecttimeout"));
  ck_assert_str_eq(gost__meta_str(n->dialer_meta, "servername", ""), "y");
  ck_assert_str_eq(gost__meta_str(n->meta, "backup", ""), "true");
  gost_service_t *t = gost_ctx_service(ctx, "service-1");
  ck_assert_uint_eq(t->nnodes, 4);
  ck_assert_str_eq(t->nodes[0]->addr, "10.0.0.1:8000");
  ck_assert_str_eq(t->nodes[2]->addr, "10.0.0.1:8002");
  ck_assert_str_eq(t->nodes[3]->addr, "10.0.0.9:22");
  ck_assert_str_eq(t->nodes[3]->name, "target-3");
}
END_TEST

static void bad(const char *l, const char *f, const char *msg) {
  ck_assert_int_eq(urls(l, NULL, f, NULL), GOST_ECONFIG);
  ck_assert_str_eq(gost_last_error(), msg);
  ck_assert_uint_eq(gost_ctx_service_count(ctx), 0);
  ck_assert_ptr_null(gost_ctx_chain(ctx, "chain-0"));
}

START_TEST(bad_urls) {
  bad("foo://:80", NULL, "-L \"foo://:80\": unknown handler \"foo\"");
  bad("tunnel+quic://:80", NULL, "-L \"tunnel+quic://:80\": unknown listener \"quic\"");
  bad("tcp://:80", "tunnel+kcp://s:1", "-F \"tunnel+kcp://s:1\": unknown dialer \"kcp\"");
  bad("tcp://:80", "bogus://s:1", "-F \"bogus://s:1\": unknown connector \"bogus\"");
  bad("tcp://", NULL, "-L \"tcp://\": missing address");
  bad("tcp://:80?auth=!!", NULL, "-L \"tcp://:80?auth=!!\": auth: invalid (base64 of user:pass)");
  bad("tcp://:80/a:9-1", NULL, "-L \"tcp://:80/a:9-1\": bad port range \"a:9-1\"");
  bad("tcp://:80?x=%zz", NULL, "-L \"tcp://:80?x=%zz\": bad percent-encoding");
  /* strict query keys (issue 9, finding 4) */
  bad("tunnel://:80?entrypiont=:81", NULL,
      "-L \"tunnel://:80?entrypiont=:81\": entrypiont: unknown key, did you mean `entrypoint`?");
  bad("tunnel://:80?readTimeout=soon", NULL,
      "-L \"tunnel://:80?readTimeout=soon\": readTimeout: \"soon\" is not a duration (like 10s, 1m30s, 500ms)");
  bad("tcp://:80?listener.entrypoint=:81", NULL,
      "-L \"tcp://:80?listener.entrypoint=:81\": listener.entrypoint: not valid here (it belongs in handler metadata)");
  bad("tcp://:80?backlog=9", NULL, "-L \"tcp://:80?backlog=9\": backlog: not supported by libgost");
  bad("tunnel://:80?entrypoints=:81", NULL,
      "-L \"tunnel://:80?entrypoints=:81\": entrypoints: expected a list (a config file can hold one)");
  bad("rtcp://:0/a:1", "tunnel://s:1?tunnel.id=not-a-uuid",
      "-F \"tunnel://s:1?tunnel.id=not-a-uuid\": tunnel.id: \"not-a-uuid\" is not a tunnel ID (a UUID such as "
      "4d21094e-b74c-4916-86c1-d9fa36ea677b)");
  bad("rtcp://:0/a:1", "tunnel://s:1?tunnel_id=" T1,
      "-F \"tunnel://s:1?tunnel_id=" T1 "\": tunnel_id: unknown key, did you mean `tunnel.id`?");
  bad("rtcp://:0/a:1", "tunnel://s:1?tunnel.id=", "-F \"tunnel://s:1?tunnel.id=\": tunnel.id: empty tunnel ID");
  bad("rtcp://:0/a:1", "tunnel://s:1?tunnel.weight=heavy",
      "-F \"tunnel://s:1?tunnel.weight=heavy\": tunnel.weight: \"heavy\" is not an integer");
  bad("tunnel://:80?tunnel=a.com:nope", NULL, "services[0].handler.metadata.tunnel: invalid tunnel ID \"nope\"");
}
END_TEST

START_TEST(to_json_same_tree) {
  const char *L[] = {"rtcp://:0/192.168.1.1:80"}, *F[] = {"tunnel://:8443?tunnel.id=" T1};
  char buf[2048];
  size_t len = sizeof buf;
  ck_assert_int_eq(gost_urls_to_json(L, 1, F, 1, buf, &len), 0);
  ck_assert_uint_eq(len, strlen(buf));
  ck_assert_str_eq(buf,
      "{\"services\":[{\"name\":\"service-0\",\"addr\":\":0\",\"handler\":{\"type\":\"rtcp\"},"
      "\"listener\":{\"type\":\"rtcp\",\"chain\":\"chain-0\"},\"forwarder\":{\"nodes\":[{\"name\":"
      "\"target-0\",\"addr\":\"192.168.1.1:80\"}]}}],\"chains\":[{\"name\":\"chain-0\",\"hops\":[{"
      "\"name\":\"hop-0\",\"nodes\":[{\"connector\":{\"type\":\"tunnel\",\"metadata\":{\"tunnel.id\":\""
      T1 "\"}},\"dialer\":{\"type\":\"tcp\"},\"metadata\":{"
      "\"tunnel.id\":\"" T1 "\"},\"name\":\"node-0\",\"addr\":\":8443\"}]}]}]}");
  /* The exported tree loads like a config file. */
  ck_assert_int_eq(gost_ctx_load_json(ctx, buf, len), 0);
  ck_assert_ptr_nonnull(gost_ctx_service(ctx, "service-0")->chain);
  size_t small = 10;
  ck_assert_int_eq(gost_urls_to_json(L, 1, F, 1, buf, &small), 0);
  ck_assert_uint_eq(small, len);
  ck_assert_uint_eq(strlen(buf), 9);
}
END_TEST

/* Every command line of the seed docs and wire-spec §9.2 (S/… placeholders filled in). */
static const char *const seed_cmds[][4] = {
    {"relay://:8443?entryPoint=:80&tunnel=.example.com:4d21094e-b74c-4916-86c1-d9fa36ea677b,example.org:ac74d9dd-3125-442a-a7c1-f9e49e05faca"},
    {"rtcp://:0/192.168.1.1:80", NULL, "relay://:8443?tunnel.id=4d21094e-b74c-4916-86c1-d9fa36ea677b"},
    {"rtcp://:0/192.168.2.1:80", NULL, "relay://:8443?tunnel.id=ac74d9dd-3125-442a-a7c1-f9e49e05faca"},
    {"tcp://:8000?sniffing=true", NULL, "relay://:8443?tunnel.id=ac74d9dd-3125-442a-a7c1-f9e49e05faca"},
    {"tcp://:8000/srv-2.local", NULL, "relay://:8443?tunnel.id=ac74d9dd-3125-442a-a7c1-f9e49e05faca"},
    {"tcp://:2222/ssh.srv-2.local", NULL, "relay://:8443?tunnel.id=aede1f6a-762b-45da-b937-b6632356555a"},
    {"tcp://:6379/redis.srv-3.local", NULL, "relay://:8443?tunnel.id=aede1f6a-762b-45da-b937-b6632356555a"},
    {"udp://:1053/dns.srv-2.local", "udp://:2053/dns.srv-3.local", "relay://:8443?tunnel.id=aede1f6a-762b-45da-b937-b6632356555a"},
    {"relay://:8443?tunnel.direct=true"},
    {"relay://:8443?tunnel=iperf.local:22f43305-42f7-4232-bbbc-aa6c042e3bc3"},
    {"rtcp://:0/:5201", "rudp://:0/:5201", "relay://:8443?tunnel.id=22f43305-42f7-4232-bbbc-aa6c042e3bc3"},
    {"tcp://:15201/iperf.local", "udp://:15201/iperf.local?keepalive=true", "relay://:8443?tunnel.id=22f43305-42f7-4232-bbbc-aa6c042e3bc3"},
    {"tcp://:15201", "udp://:15201?keepalive=true", "relay://:8443?tunnel.id=22f43305-42f7-4232-bbbc-aa6c042e3bc3"},
    {"rtcp://:0/192.168.1.1:80", NULL, "tunnel+wss://tunnel.gost.plus:443?tunnel.id=893787fd-fcd2-46a0-8dd4-f9103ae84df4"},
    {"tunnel://:8443?entrypoint=:80&tunnel=.example.com:4d21094e-b74c-4916-86c1-d9fa36ea677b,example.org:ac74d9dd-3125-442a-a7c1-f9e49e05faca"},
    {"tcp://:15201/iperf.local", "udp://:15201/iperf.local?keepalive=true", "tunnel://:8443?tunnel.id=22f43305-42f7-4232-bbbc-aa6c042e3bc3"},
    {"rtcp://:0/192.168.1.1:22", NULL, "tunnel+wss://tunnel.gost.plus:443?tunnel.id=f8baa731-4057-4300-ab75-c4e603834f1b"},
    {"tcp://:2222/f1bbbb4aa9d9868a.gost.plus", NULL, "tunnel+wss://tunnel.gost.plus:443?tunnel.id=f8baa731-4057-4300-ab75-c4e603834f1b"},
    {"rudp://:0/192.168.1.1:53", NULL, "tunnel+wss://tunnel.gost.plus:443?tunnel.id=f8baa731-4057-4300-ab75-c4e603834f1b"},
    {"udp://:1053/f1bbbb4aa9d9868a.gost.plus", NULL, "tunnel+wss://tunnel.gost.plus:443?tunnel.id=f8baa731-4057-4300-ab75-c4e603834f1b"},
    {"rtcp://:0/192.168.1.1:80", NULL, "relay://:8443?tunnelID=4d21094e-b74c-4916-86c1-d9fa36ea677b"},
    {"tcp://:8000/srv-2.local:0", NULL, "relay://:8443?tunnelID=ac74d9dd-3125-442a-a7c1-f9e49e05faca"},
    {"tcp://:1053/dns.srv-2.local:0", NULL, "relay://:8443?tunnelID=aede1f6a-762b-45da-b937-b6632356555a"},
    {"tcp://:15201/iperf.local:0", "udp://:15201/iperf.local:0?keepalive=true", "relay://:8443?tunnelID=22f43305-42f7-4232-bbbc-aa6c042e3bc3"},
    {":8080", NULL, "http://192.168.1.1:8080", "socks5://192.168.1.2:1080"},
    {"tunnel://:8443?tunnel.direct=true"},
    {"tunnel://:8443?entrypoint.id=9fd6c586-86f9-49c1-a03a-d4876851695a"},
    {"rtcp://:0/192.168.1.1:80?sniffing=true", NULL, "tunnel://S:8443?tunnel.id=4d21094e-b74c-4916-86c1-d9fa36ea677b"},
    {"rudp://:0/192.168.1.1:53", NULL, "tunnel://S:8443?tunnel.id=4d21094e-b74c-4916-86c1-d9fa36ea677b"},
    {"tcp://:80?sniffing=true", NULL, "tunnel://S:8443?tunnel.id=9fd6c586-86f9-49c1-a03a-d4876851695a"},
};

START_TEST(seed_command_lines) {
  const char *const *c = seed_cmds[_i];
  gost_ctx_t *x;
  ck_assert_int_eq(gost_ctx_new(&x), 0);
  const char *L[2] = {c[0], c[1]}, *F[2] = {c[2], c[3]};
  int rc = gost_ctx_load_urls(x, L, c[1] ? 2 : 1, F, c[3] ? 2 : c[2] ? 1 : 0);
  ck_assert_msg(rc == 0, "%s: %s", c[0], gost_last_error());
  ck_assert_uint_eq(gost_ctx_service_count(x), c[1] ? 2 : 1);
  gost_ctx_free(x);
}
END_TEST

int main(void) {
  Suite *s = suite_create("urls");
  TCase *tc = tcase_create("urls");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, server_inline_ingress);
  tcase_add_test(tc, private_rule_and_encoding);
  tcase_add_test(tc, wss_server_with_auth);
  tcase_add_test(tc, auth_base64_and_prefixes);
  tcase_add_test(tc, client_rtcp_chain_on_listener);
  tcase_add_test(tc, custom_endpoint_wss);
  tcase_add_test(tc, visitor_chain_on_handler);
  tcase_add_test(tc, hops_nodes_ranges);
  tcase_add_test(tc, bad_urls);
  tcase_add_test(tc, to_json_same_tree);
  tcase_add_loop_test(tc, seed_command_lines, 0, (int)(sizeof seed_cmds / sizeof seed_cmds[0]));
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
