/* Config files: every seed loads; trees are right; bad documents fail whole with exact errors. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"
#include "core/meta.h"
#include "gost/gost.h"
#include "ingress/ingress.h"
#include "model/service.h"
#include "harness.h"

#define T1 "4d21094e-b74c-4916-86c1-d9fa36ea677b"

static gost_ctx_t *ctx;
static void setup(void) { ck_assert_int_eq(gost_ctx_new(&ctx), 0); }
static void teardown(void) { gost_ctx_free(ctx); }

static int load_seed(const char *name) {
  char path[1024];
  const char *src = getenv("GOST_SOURCE_DIR");
  snprintf(path, sizeof path, "%s/examples/seeds/%s", src ? src : ".", name);
  return gost_ctx_load_file(ctx, path);
}

static char *id_buf(void) {
  static char b[37];
  return b;
}

static int load(const char *json) { return gost_ctx_load_json(ctx, json, strlen(json)); }

START_TEST(all_seeds_load) {
  const char *src = getenv("GOST_SOURCE_DIR");
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/examples/seeds", src ? src : ".");
  DIR *d = opendir(dir);
  ck_assert_msg(d != NULL, "no %s (set GOST_SOURCE_DIR)", dir);
  struct dirent *e;
  int n = 0;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    gost_ctx_t *c;
    char path[2048];
    ck_assert_int_eq(gost_ctx_new(&c), 0);
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    int rc = gost_ctx_load_file(c, path);
    ck_assert_msg(rc == 0, "%s: %s", e->d_name, gost_last_error());
    ck_assert_msg(gost_ctx_service_count(c) > 0, "%s: no services", e->d_name);
    gost_ctx_free(c);
    n++;
  }
  closedir(d);
  ck_assert_int_ge(n, 50);
}
END_TEST

START_TEST(server_ingress_tree) {
  ck_assert_int_eq(load_seed("server-ingress.yaml"), 0);
  gost_service_t *s = gost_ctx_service(ctx, "service-0");
  ck_assert_ptr_nonnull(s);
  ck_assert_str_eq(s->handler_type, "tunnel");
  ck_assert_str_eq(s->listener_type, "tcp");
  ck_assert_str_eq(s->addr, ":8443");
  ck_assert_str_eq(gost__meta_str(s->handler_meta, "entrypoint", ""), ":80");
  ck_assert_ptr_eq(s->ingress, gost_ctx_ingress(ctx, "ingress-0"));
  char id[37];
  ck_assert_int_eq(gost_ingress_lookup(s->ingress, "www.example.com", id, sizeof id, NULL), 0);
  ck_assert_str_eq(id, T1);
  ck_assert_ptr_null(s->chain);
}
END_TEST

START_TEST(relay_old_spellings) {
  ck_assert_int_eq(load_seed("relayid-client-rtcp.yaml"), 0);
  gost_service_t *s = gost_ctx_service(ctx, "service-0");
  ck_assert_ptr_nonnull(s->chain);
  ck_assert_str_eq(s->chain->name, "chain-0");
  struct gost_node *n = s->chain->hops[0]->nodes[0];
  ck_assert_str_eq(n->connector, "relay");
  ck_assert_str_eq(n->addr, ":8443");
  ck_assert_str_eq(gost__meta_str(n->connector_meta, "tunnelid", ""), T1);
  ck_assert_str_eq(s->nodes[0]->addr, "192.168.1.1:80");
  gost_ctx_free(ctx);
  ck_assert_int_eq(gost_ctx_new(&ctx), 0);
  ck_assert_int_eq(load_seed("relay-server-private.yaml"), 0);
  s = gost_ctx_service(ctx, "service-0");
  ck_assert_str_eq(s->handler_type, "relay");
  ck_assert_str_eq(gost__meta_str(s->handler_meta, "entrypoint", ""), ":80"); /* entryPoint */
  int priv = 0;
  ck_assert_int_eq(gost_ingress_lookup(s->ingress, "srv-2.local", id_buf(), 37, &priv), 0);
  ck_assert_int_eq(priv, 1);
  ck_assert_uint_eq(gost_ingress_rule_count(s->ingress), 8);
}
END_TEST

START_TEST(doc_quirks) {
  /* `dialer` nested under `connector` (doc indentation slip): ignored, dialer defaults to tcp. */
  ck_assert_int_eq(load_seed("relay-visitor-web.yaml"), 0);
  gost_service_t *s = gost_ctx_service(ctx, "service-0");
  ck_assert_str_eq(s->chain->hops[0]->nodes[0]->dialer, "tcp");
  ck_assert_str_eq(gost__meta_str(s->handler_meta, "sniffing", ""), "true");
  gost_ctx_free(ctx);
  /* `services:` twice in one mapping: both lists kept. */
  ck_assert_int_eq(gost_ctx_new(&ctx), 0);
  ck_assert_int_eq(load_seed("relayid-visitor-iperf.yaml"), 0);
  ck_assert_uint_eq(gost_ctx_service_count(ctx), 2);
  s = gost_ctx_service(ctx, "iperf-udp");
  ck_assert_str_eq(s->listener_type, "udp");
  ck_assert_str_eq(gost__meta_str(s->listener_meta, "keepalive", ""), "true");
  ck_assert_str_eq(s->nodes[0]->addr, "iperf.local:0");
}
END_TEST

START_TEST(forwarder_filters) {
  ck_assert_int_eq(load_seed("relay-client-routing.yaml"), 0); /* legacy node `host` */
  gost_service_t *s = gost_ctx_service(ctx, "service-0");
  ck_assert_uint_eq(s->nnodes, 3);
  ck_assert_str_eq(s->nodes[0]->filter_host, "example.com");
  ck_assert_str_eq(s->nodes[1]->filter_host, "sub.example.com");
  ck_assert_str_eq(s->nodes[2]->filter_host, "");
  ck_assert_ptr_eq(s->chain, gost_ctx_chain(ctx, "chain-0")); /* listener chain for rtcp */
  gost_ctx_free(ctx);
  ck_assert_int_eq(gost_ctx_new(&ctx), 0);
  ck_assert_int_eq(load_seed("spec-client.json"), 0);
  s = gost_ctx_service(ctx, "service-0");
  ck_assert_str_eq(s->nodes[1]->name, "ssh");
  ck_assert_str_eq(s->nodes[1]->filter_host, "ssh.srv-2.local");
  struct gost_node *n = s->chain->hops[0]->nodes[0];
  ck_assert_str_eq(n->user, "user");
  ck_assert_str_eq(n->pass, "pass");
  ck_assert_str_eq(gost__meta_str(n->connector_meta, "tunnel.weight", ""), "1");
}
END_TEST

START_TEST(spec_server_yaml) {
  ck_assert_int_eq(load_seed("spec-server.yaml"), 0);
  gost_service_t *s = gost_ctx_service(ctx, "service-0");
  ck_assert_uint_eq(s->nauths, 1);
  ck_assert_str_eq(s->auths[0].user, "user");
  ck_assert_str_eq(gost__meta_str(s->handler_meta, "mux.version", ""), "2");
  ck_assert_str_eq(gost__meta_str(s->handler_meta, "tunnel.direct", ""), "false");
  ck_assert_str_eq(gost__meta_str(s->handler_meta, "tunnel.ttl", ""), "15s");
  ck_assert_str_eq(gost__meta_str(s->handler_meta, "entrypoint.id", ""), "9fd6c586-86f9-49c1-a03a-d4876851695a");
}
END_TEST

START_TEST(multi_hop_same_node_names) {
  ck_assert_int_eq(load_seed("quickstart-multi-hop.yaml"), 0);
  gost_chain_t *c = gost_ctx_chain(ctx, "chain-0");
  ck_assert_uint_eq(c->nhops, 2);
  ck_assert_str_eq(c->hops[0]->nodes[0]->connector, "http");
  ck_assert_str_eq(c->hops[1]->nodes[0]->connector, "socks5");
  ck_assert_str_eq(c->hops[1]->nodes[0]->addr, "192.168.1.2:1080");
  ck_assert_str_eq(gost_ctx_service(ctx, "service-0")->handler_type, "auto");
}
END_TEST

/* Bad documents: exact messages, and nothing created. */
static void bad(const char *json, const char *msg) {
  ck_assert_int_eq(load(json), GOST_ECONFIG);
  ck_assert_str_eq(gost_last_error(), msg);
  ck_assert_uint_eq(gost_ctx_service_count(ctx), 0);
  ck_assert_ptr_null(gost_ctx_chain(ctx, "chain-0"));
  ck_assert_ptr_null(gost_ctx_ingress(ctx, "ingress-0"));
}

START_TEST(bad_configs) {
  bad("{\"services\":[{\"addr\":\":80\",\"handler\":{\"type\":\"foo\"}}]}",
      "services[0].handler.type: unknown handler \"foo\"");
  bad("{\"services\":[{\"addr\":\":80\",\"handler\":{\"type\":\"tcp\"},\"listener\":{\"type\":\"quic\"}}]}",
      "services[0].listener.type: unknown listener \"quic\"");
  bad("{\"chains\":[{\"hops\":[{\"nodes\":[{\"addr\":\"a:1\"},{\"name\":\"x\"}]}]}],"
      "\"services\":[{\"addr\":\":1\"}]}",
      "chains[0].hops[0].nodes[1].addr: missing");
  bad("{\"chains\":[{\"hops\":[{\"nodes\":[{\"addr\":\"a:1\",\"connector\":{\"type\":\"kcp\"}}]}]}]}",
      "chains[0].hops[0].nodes[0].connector.type: unknown connector \"kcp\"");
  bad("{\"chains\":[{\"hops\":[{\"nodes\":[{\"addr\":\"a:1\",\"dialer\":{\"type\":\"quic\"}}]}]}]}",
      "chains[0].hops[0].nodes[0].dialer.type: unknown dialer \"quic\"");
  /* the first service is fine: still nothing may remain */
  bad("{\"ingresses\":[{\"rules\":[{\"hostname\":\"a\",\"endpoint\":\"" T1 "\"}]}],"
      "\"chains\":[{\"hops\":[{\"nodes\":[{\"addr\":\"a:1\"}]}]}],"
      "\"services\":[{\"addr\":\":1\",\"handler\":{\"type\":\"tcp\",\"chain\":\"chain-0\"}},"
      "{\"addr\":\":2\",\"handler\":{\"type\":\"tcp\",\"chain\":\"nope\"}}]}",
      "services[1].handler.chain: unknown chain \"nope\"");
  bad("{\"services\":[{\"addr\":\":1\",\"handler\":{\"type\":\"tunnel\",\"metadata\":{\"ingress\":\"x\"}}}]}",
      "services[0].handler.metadata.ingress: unknown ingress \"x\"");
  bad("{\"services\":[{\"addr\":\":1\",\"handler\":{\"type\":\"http\",\"auther\":\"a\"}}]}",
      "services[0].handler.auther: unknown auther \"a\"");
  bad("{\"ingresses\":[{\"rules\":[{\"hostname\":\"a\",\"endpoint\":\"zzz\"}]}]}",
      "ingresses[0].rules[0].endpoint: invalid tunnel ID \"zzz\"");
  bad("{\"services\":[{\"handler\":{\"type\":\"tcp\"}}]}", "services[0].addr: missing");
  bad("{\"services\":[{\"addr\":80}]}", "services[0].addr: expected a string");
  bad("{\"services\":{}}", "services: expected a list");
  bad("{\"services\":[{\"name\":\"a\",\"addr\":\":1\",\"handler\":{\"type\":\"tcp\"}},"
      "{\"name\":\"a\",\"addr\":\":2\",\"handler\":{\"type\":\"tcp\"}}]}",
      "services[1]: duplicate service name \"a\"");
  bad("{\"log\":{\"level\":\"loud\"}}", "log.level: unknown level \"loud\"");
  bad("{\"services\":[{\"addr\":\":1\",\"handler\":{\"type\":\"tunnel\",\"metadata\":{\"tunnel\":\"a.com:bad\"}}}]}",
      "services[0].handler.metadata.tunnel: invalid tunnel ID \"bad\"");
  ck_assert_int_eq(load("{\"services\": ["), GOST_ECONFIG);
  ck_assert_ptr_nonnull(strstr(gost_last_error(), "json: line 1"));
}
END_TEST

/* Strict config (issue 9, finding 4): every typo and bad value is refused with its path. */
#ifdef GOST_WITH_YAML
static void bad_yaml(const char *y, const char *msg) {
  ck_assert_int_eq(gost_ctx_load_yaml(ctx, y, strlen(y)), GOST_ECONFIG);
  ck_assert_str_eq(gost_last_error(), msg);
  ck_assert_uint_eq(gost_ctx_service_count(ctx), 0);
}

START_TEST(strict_keys) {
  /* the open-proxy typo: hanlder */
  bad_yaml("services:\n- name: s\n  addr: :0\n  hanlder:\n    type: tunnel\n",
           "services[0].hanlder: unknown key, did you mean `handler`?");
  bad_yaml("servcies:\n- addr: :0\n", "servcies: unknown key, did you mean `services`?");
  bad_yaml("services:\n- addr: :0\n  handler:\n    type: tunnel\n    metadata:\n      entrypiont: :80\n",
           "services[0].handler.metadata.entrypiont: unknown key, did you mean `entrypoint`?");
  bad_yaml("services:\n- addr: :0\n  handler:\n    type: tunnel\n    metadata:\n      readTimeout: soon\n",
           "services[0].handler.metadata.readTimeout: \"soon\" is not a duration (like 10s, 1m30s, 500ms)");
  bad_yaml("services:\n- addr: :0\n  handler:\n    type: tunnel\n    metadata:\n      tunnel.direct: maybe\n",
           "services[0].handler.metadata.tunnel.direct: \"maybe\" is not a boolean (true or false)");
  bad_yaml("services:\n- addr: :0\n  handler:\n    type: tunnel\n    metadata:\n      entrypoint.id: 42\n",
           "services[0].handler.metadata.entrypoint.id: expected a tunnel ID string");
  bad_yaml("services:\n- addr: :0\n  handler:\n    type: tunnel\n    metadata:\n      entrypoint.proxyProtocol: 7\n",
           "services[0].handler.metadata.entrypoint.proxyProtocol: 7 is out of range (0 to 2)");
  bad_yaml("services:\n- addr: :0\n  listener:\n    type: tcp\n", "services[0].handler.type: missing");
  bad_yaml("services:\n- addr: :0\n  handler: {}\n", "services[0].handler.type: missing");
  bad_yaml("services:\n- addr: :0\n  handler: {type: tcp}\n  admission: a\n",
           "services[0].admission: not supported by libgost");
  bad_yaml("routers:\n- name: x\n", "routers: not supported by libgost");
  /* scale-out (docs/cluster.md) */
  bad_yaml("sds:\n- name: x\n", "sds[0]: redis: missing (the only sd backend)");
  bad_yaml("sds:\n- name: x\n  redis: {addr: nope}\n", "sds[0]: redis: address \"nope\" is not host:port");
  bad_yaml("sds:\n- name: x\n  redis: {addr: '127.0.0.1:1', ttl: 10ms}\n",
           "sds[0].redis.ttl: sd: ttl \"10ms\" must be a duration of at least 1s");
  bad_yaml("sds:\n- name: x\n  redis: {addr: '127.0.0.1:1', key: 'a b'}\n", "sds[0].redis.key: sd: bad key \"a b\"");
  bad_yaml("ingresses:\n- name: i\n  redis: {addr: '127.0.0.1:1', type: list}\n",
           "ingresses[0].redis: type: \"list\" is not hash or set");
  bad_yaml("ingresses:\n- name: i\n  redis: {key: k}\n", "ingresses[0].redis: addr: missing");
  bad_yaml("services:\n- addr: :0\n  handler: {type: tunnel, metadata: {entrypoints: [{adr: ':80'}]}}\n",
           "services[0].handler.metadata.entrypoints[0].adr: unknown key, did you mean `addr`?");
  bad_yaml("services:\n- addr: :0\n  handler: {type: tunnel, metadata: {sniffing.websocket: true}}\n",
           "services[0].handler.metadata.sniffing.websocket: not supported by libgost");
  bad_yaml("services:\n- addr: :0\n  handler: {type: tcp}\n  listener: {type: tcp, metadata: {entrypoint: ':80'}}\n",
           "services[0].listener.metadata.entrypoint: not valid here (it belongs in handler metadata)");
  const char *client = "services:\n- addr: :0\n  handler: {type: rtcp}\n  listener: {type: rtcp, chain: c}\n"
                       "  forwarder: {nodes: [{addr: 'a:1'}]}\nchains:\n- name: c\n  hops:\n  - nodes:\n"
                       "    - addr: s:1\n      connector:\n        type: tunnel\n        metadata:\n";
  char y[1024];
  snprintf(y, sizeof y, "%s          tunnel.weight: heavy\n          tunnel.id: " T1 "\n", client);
  bad_yaml(y, "chains[0].hops[0].nodes[0].connector.metadata.tunnel.weight: \"heavy\" is not an integer");
  snprintf(y, sizeof y, "%s          tunnel.id: not-a-uuid\n", client);
  bad_yaml(y, "chains[0].hops[0].nodes[0].connector.metadata.tunnel.id: \"not-a-uuid\" is not a tunnel ID "
              "(a UUID such as 4d21094e-b74c-4916-86c1-d9fa36ea677b)");
  snprintf(y, sizeof y, "%s          tunnel_id: " T1 "\n", client);
  bad_yaml(y, "chains[0].hops[0].nodes[0].connector.metadata.tunnel_id: unknown key, did you mean `tunnel.id`?");
  bad_yaml("authers:\n- auths:\n  - {username: a, password: b, bind: [nope]}\n",
           "authers[0].auths[0].bind[0]: \"nope\" is not a tunnel ID (a UUID such as "
           "4d21094e-b74c-4916-86c1-d9fa36ea677b)");
  snprintf(y, sizeof y, "%s          tunnel.id: " T1 "\n          tunnel.weight: 3\n", client);
  ck_assert_int_eq(gost_ctx_load_yaml(ctx, y, strlen(y)), 0);
  /* no tunnel.id: accepted as by stock (the client registers under a random ID and says so) */
  gost_ctx_free(ctx);
  ck_assert_int_eq(gost_ctx_new(&ctx), 0);
  snprintf(y, sizeof y, "%s          tunnel.weight: 1\n", client);
  ck_assert_int_eq(gost_ctx_load_yaml(ctx, y, strlen(y)), 0);
}
END_TEST
#endif

START_TEST(tunnel_owner_lists) {
  /* examples/tunnel-owners.yaml: bind/visit lists reach the service's users */
  char path[1024];
  const char *src = getenv("GOST_SOURCE_DIR");
  snprintf(path, sizeof path, "%s/examples/tunnel-owners.yaml", src ? src : ".");
  ck_assert_int_eq(gost_ctx_load_file(ctx, path), 0);
  gost_service_t *s = gost_ctx_service(ctx, "tunnel");
  ck_assert_uint_eq(s->nauths, 4);
  uint8_t a[16], b[16];
  memset(a, 0x11, 16);
  a[4] = 0x22, a[5] = 0x22, a[6] = 0x43, a[7] = 0x33, a[8] = 0x84, a[9] = 0x44;
  for (int i = 10; i < 16; i++) a[i] = 0x55;
  ck_assert_uint_eq(s->auths[0].bind->n, 1);
  ck_assert_mem_eq(s->auths[0].bind->id[0], a, 16);
  ck_assert_ptr_null(s->auths[0].visit);
  ck_assert_int_eq(gost__service_tunnel_allowed(s, "alice", 0, a), 1);
  ck_assert_int_eq(gost__service_tunnel_allowed(s, "alice", 1, a), 0); /* bind list only */
  memcpy(b, s->auths[1].bind->id[0], 16);
  ck_assert_int_eq(gost__service_tunnel_allowed(s, "alice", 0, b), 0);
  ck_assert_int_eq(gost__service_tunnel_allowed(s, "bob", 0, b), 1);
  ck_assert_int_eq(gost__service_tunnel_allowed(s, "bob", 1, b), 1);
  ck_assert_int_eq(gost__service_tunnel_allowed(s, "guest", 1, b), 1);
  ck_assert_int_eq(gost__service_tunnel_allowed(s, "guest", 0, b), 0);
  ck_assert_int_eq(gost__service_tunnel_allowed(s, "ops", 0, a), 1);
  ck_assert_int_eq(gost__service_tunnel_allowed(s, "ops", 1, b), 1);
  ck_assert_int_eq(gost__service_tunnel_allowed(s, "mallory", 0, a), 0);
  ck_assert_int_eq(gost__service_tunnel_allowed(s, NULL, 0, a), 0);
  /* the C API: "" = none, NULL = any, bad IDs refused */
  ck_assert_int_eq(gost_service_add_auth_tunnels(s, "x", "y", "", NULL), 0);
  ck_assert_int_eq(gost__service_tunnel_allowed(s, "x", 0, a), 0);
  ck_assert_int_eq(gost__service_tunnel_allowed(s, "x", 1, a), 0);
  ck_assert_int_eq(gost_service_add_auth_tunnels(s, "z", "y", "11111111-2222-4333-8444-555555555555, " T1, NULL), 0);
  ck_assert_int_eq(gost__service_tunnel_allowed(s, "z", 0, a), 1);
  ck_assert_int_eq(gost_service_add_auth_tunnels(s, "w", "y", "nope", NULL), GOST_EINVAL);
  ck_assert_uint_eq(s->nauths, 6);
}
END_TEST

START_TEST(names_clash_with_ctx) {
  ck_assert_int_eq(load("{\"services\":[{\"name\":\"a\",\"addr\":\":1\",\"handler\":{\"type\":\"tcp\"}}]}"), 0);
  ck_assert_int_eq(load("{\"chains\":[{\"name\":\"c\",\"hops\":[]}],"
                        "\"services\":[{\"name\":\"a\",\"addr\":\":2\",\"handler\":{\"type\":\"tcp\"}}]}"), GOST_ECONFIG);
  ck_assert_str_eq(gost_last_error(), "services[0]: service \"a\" already exists");
  ck_assert_ptr_null(gost_ctx_chain(ctx, "c"));
  ck_assert_uint_eq(gost_ctx_service_count(ctx), 1);
  ck_assert_str_eq(gost_ctx_service(ctx, "a")->addr, ":1");
}
END_TEST

START_TEST(case_insensitive_keys) {
  ck_assert_int_eq(load("{\"Services\":[{\"NAME\":\"x\",\"Addr\":\":1\",\"Handler\":{\"Type\":\"TCP\","
                        "\"Metadata\":{\"Sniffing\":true}},\"FORWARDER\":{\"Nodes\":[{\"Addr\":\"b:2\","
                        "\"Filter\":{\"Host\":\"*.Example.com\"}}]}}],\"Log\":{\"Level\":\"debug\"}}"), 0);
  gost_service_t *s = gost_ctx_service(ctx, "x");
  ck_assert_ptr_nonnull(s);
  ck_assert_str_eq(s->handler_type, "tcp");
  ck_assert_str_eq(gost__meta_str(s->handler_meta, "sniffing", ""), "true");
  ck_assert_str_eq(s->nodes[0]->filter_host, ".example.com");
  ck_assert_str_eq(s->nodes[0]->name, "target-0");
}
END_TEST

START_TEST(inline_tunnel_rules) {
  ck_assert_int_eq(load("{\"services\":[{\"addr\":\":8443\",\"handler\":{\"type\":\"tunnel\",\"metadata\":"
                        "{\"tunnel\":\"*.example.com:" T1 ",:" T1 ",srv.local:$" T1 "\"}}}]}"), 0);
  gost_service_t *s = gost_ctx_service(ctx, "service-0");
  ck_assert_ptr_nonnull(s->ingress);
  ck_assert_ptr_null(s->ingress->name);
  ck_assert_uint_eq(gost_ingress_rule_count(s->ingress), 2); /* empty host dropped */
  int priv = 0;
  ck_assert_int_eq(gost_ingress_lookup(s->ingress, "srv.local", NULL, 0, &priv), 0);
  ck_assert_int_eq(priv, 1);
  ck_assert_int_eq(gost_ingress_lookup(s->ingress, "example.com", NULL, 0, NULL), 0);
}
END_TEST

#ifdef GOST_WITH_YAML
START_TEST(yaml_typing) {
  const char *y = "a: true\nb: \"true\"\nc: 15\nd: '15'\ne: 1.5\nf: 15s\ng: ~\nh: :8443\n"
                  "i: $ac74d9dd-3125-442a-a7c1-f9e49e05faca\nj: [1, x]\n";
  json_t *j = gost__yaml_to_json(y, strlen(y));
  ck_assert_ptr_nonnull(j);
  ck_assert(json_is_true(json_object_get(j, "a")));
  ck_assert_str_eq(json_string_value(json_object_get(j, "b")), "true");
  ck_assert_int_eq(json_integer_value(json_object_get(j, "c")), 15);
  ck_assert_str_eq(json_string_value(json_object_get(j, "d")), "15");
  ck_assert(json_is_real(json_object_get(j, "e")));
  ck_assert_str_eq(json_string_value(json_object_get(j, "f")), "15s");
  ck_assert(json_is_null(json_object_get(j, "g")));
  ck_assert_str_eq(json_string_value(json_object_get(j, "h")), ":8443");
  ck_assert_str_eq(json_string_value(json_object_get(j, "i")), "$ac74d9dd-3125-442a-a7c1-f9e49e05faca");
  ck_assert_uint_eq(json_array_size(json_object_get(j, "j")), 2);
  json_decref(j);
  ck_assert_ptr_null(gost__yaml_to_json("a: [", 4));
  ck_assert_ptr_nonnull(strstr(gost_last_error(), "yaml: line"));
  const char *doc = "services:\n- addr: :1\n  handler: {type: foo}\n";
  ck_assert_int_eq(gost_ctx_load_yaml(ctx, doc, strlen(doc)), GOST_ECONFIG);
  ck_assert_str_eq(gost_last_error(), "services[0].handler.type: unknown handler \"foo\"");
}
END_TEST
#endif

int main(void) {
  Suite *s = suite_create("config");
  TCase *tc = tcase_create("load");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, all_seeds_load);
  tcase_add_test(tc, server_ingress_tree);
  tcase_add_test(tc, relay_old_spellings);
  tcase_add_test(tc, doc_quirks);
  tcase_add_test(tc, forwarder_filters);
  tcase_add_test(tc, spec_server_yaml);
  tcase_add_test(tc, multi_hop_same_node_names);
  tcase_add_test(tc, bad_configs);
#ifdef GOST_WITH_YAML
  tcase_add_test(tc, strict_keys);
#endif
  tcase_add_test(tc, names_clash_with_ctx);
#ifdef GOST_WITH_YAML
  tcase_add_test(tc, tunnel_owner_lists);
#endif
  tcase_add_test(tc, case_insensitive_keys);
  tcase_add_test(tc, inline_tunnel_rules);
#ifdef GOST_WITH_YAML
  tcase_add_test(tc, yaml_typing);
#endif
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
