/* End to end, all libgost in one loop: tunnel server (+ entrypoint, ingress), a tcp and a udp
 * tunnel client (gost_tunnel_t), a TCP visitor and a UDP visitor (tcp/udp services whose chain
 * ends in a tunnel node), and loopback backends. */
#include <fcntl.h>
#include <stdio.h>

#include "gost/gost.h"
#include "loopback_peers.h"
#include "harness.h"
#include "seqdgram.h"

#define TID "4d21094e-b74c-4916-86c1-d9fa36ea677b"

static struct ev_loop *loop;
static gost_ctx_t *ctx;
static struct lp_backend http_be, echo_be, udp_be;
static gost_tunnel_t *tcp_t, *udp_t;
static int registered;

static void on_state(gost_tunnel_t *t, int state, const char *detail, void *user) {
  (void)t;
  (void)detail;
  (void)user;
  if (state == GOST_TUNNEL_REGISTERED) registered++;
}

static gost_service_t *start_server(uint16_t *tport, uint16_t *eport) {
  gost_ingress_t *ing;
  ck_assert_int_eq(gost_ingress_new(&ing, ctx, "ing"), 0);
  ck_assert_int_eq(gost_ingress_set_rule(ing, "example.com", TID), 0);
  ck_assert_int_eq(gost_ingress_set_rule(ing, "ssh.local", "$" TID), 0);
  ck_assert_int_eq(gost_ingress_set_rule(ing, "dns.local", "$" TID), 0);
  gost_service_t *svc;
  ck_assert_int_eq(gost_service_new(&svc, ctx, "server"), 0);
  ck_assert_int_eq(gost_service_set_listener(svc, "tcp", "127.0.0.1:0"), 0);
  ck_assert_int_eq(gost_service_set_handler(svc, "tunnel"), 0);
  ck_assert_int_eq(gost_service_set_meta(svc, "handler", "entrypoint", "127.0.0.1:0"), 0);
  ck_assert_int_eq(gost_service_set_ingress(svc, ing), 0);
  ck_assert_int_eq(gost_service_start(svc), 0);
  *tport = gost_service_port(svc);
  *eport = gost_service_entrypoint_port(svc);
  return svc;
}

/* udp_target: where dns.local goes (NULL: the UDP echo backend). */
static gost_tunnel_t *start_client_to(uint16_t tport, int udp, const char *udp_target) {
  char url[64], a[32];
  snprintf(url, sizeof url, "tunnel://127.0.0.1:%u", tport);
  gost_tunnel_t *t;
  ck_assert_int_eq(gost_tunnel_new(&t, ctx, url, TID, ":0"), 0);
  ck_assert_int_eq(gost_tunnel_set_udp(t, udp), 0);
  ck_assert_int_eq(gost_tunnel_set_state_cb(t, on_state, NULL), 0);
  if (udp && udp_target) {
    ck_assert_int_eq(gost_tunnel_add_target(t, udp_target, "dns.local"), 0);
  } else if (udp) {
    snprintf(a, sizeof a, "127.0.0.1:%u", lp_backend_start(loop, &udp_be, 'U', 1));
    ck_assert_int_eq(gost_tunnel_add_target(t, a, "dns.local"), 0);
  } else {
    snprintf(a, sizeof a, "127.0.0.1:%u", lp_backend_start(loop, &http_be, 'H', 0));
    ck_assert_int_eq(gost_tunnel_add_target(t, a, "example.com"), 0);
    snprintf(a, sizeof a, "127.0.0.1:%u", lp_backend_start(loop, &echo_be, 'E', 0));
    ck_assert_int_eq(gost_tunnel_add_target(t, a, "ssh.local"), 0);
  }
  ck_assert_int_eq(gost_tunnel_start(t), 0);
  return t;
}

static gost_tunnel_t *start_client(uint16_t tport, int udp) { return start_client_to(tport, udp, NULL); }

static gost_service_t *start_visitor(const char *name, int udp, uint16_t tport, const char *target) {
  gost_chain_t *ch;
  char addr[32], cname[32];
  snprintf(addr, sizeof addr, "127.0.0.1:%u", tport);
  snprintf(cname, sizeof cname, "%s-chain", name);
  ck_assert_int_eq(gost_chain_new(&ch, ctx, cname), 0);
  ck_assert_int_eq(gost_chain_add_hop(ch, "hop-0"), 0);
  ck_assert_int_eq(gost_chain_add_node(ch, 0, "node-0", addr, "tunnel", "tcp"), 0);
  ck_assert_int_eq(gost_chain_set_node_meta(ch, "node-0", "connector", "tunnel.id", TID), 0);
  gost_service_t *svc;
  ck_assert_int_eq(gost_service_new(&svc, ctx, name), 0);
  ck_assert_int_eq(gost_service_set_listener(svc, udp ? "udp" : "tcp", "127.0.0.1:0"), 0);
  ck_assert_int_eq(gost_service_set_handler(svc, udp ? "udp" : "tcp"), 0);
  if (udp) ck_assert_int_eq(gost_service_set_meta(svc, "listener", "keepalive", "true"), 0);
  ck_assert_int_eq(gost_service_set_chain(svc, ch), 0);
  ck_assert_int_eq(gost_service_add_node(svc, "target", target, NULL), 0);
  ck_assert_int_eq(gost_service_start(svc), 0);
  gost_chain_free(ch);
  return svc;
}

static void setup(void) {
  loop = ev_loop_new(EVFLAG_AUTO);
  ck_assert_int_eq(gost_ctx_new_with_loop(&ctx, loop), 0);
  registered = 0;
}

static void teardown(void) {
  gost_ctx_free(ctx); /* frees tunnels, services, chains, ingress */
  lp_backend_stop(loop, &http_be);
  lp_backend_stop(loop, &echo_be);
  lp_backend_stop(loop, &udp_be);
  ev_loop_destroy(loop);
}

START_TEST(e2e_http_tcp_udp) {
  uint16_t tport, eport;
  start_server(&tport, &eport);
  tcp_t = start_client(tport, 0);
  udp_t = start_client(tport, 1);
  int two = 0;
  for (double end = ev_time() + 10; registered < 2 && ev_time() < end;) lp_spin(loop, &two, 0.02);
  ck_assert_int_eq(registered, 2);
  ck_assert_str_eq(gost_tunnel_endpoint(tcp_t), "a6265c6d9847a4be");

  /* public HTTP user through the entrypoint, routed by Host to the HTTP backend */
  char buf[4096];
  int fd = lp_connect(SOCK_STREAM, eport);
  static const char req[] = "GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n";
  lp_write_all(fd, req, sizeof req - 1);
  ck_assert_msg(lp_recv_until(loop, fd, buf, sizeof buf, "hello", 10), "HTTP reply: %s", buf);
  ck_assert(strstr(buf, "200 OK") != NULL);
  close(fd);

  /* TCP visitor -> ssh.local -> echo backend */
  gost_service_t *tv = start_visitor("tcp-visitor", 0, tport, "ssh.local");
  fd = lp_connect(SOCK_STREAM, gost_service_port(tv));
  lp_write_all(fd, "ping", 4);
  ck_assert_msg(lp_recv_until(loop, fd, buf, sizeof buf, "E:ping", 10), "TCP visitor got: %s", buf);
  close(fd);

  /* UDP visitor (keepalive) -> dns.local -> UDP echo, two datagrams on one flow */
  gost_service_t *uv = start_visitor("udp-visitor", 1, tport, "dns.local");
  fd = lp_connect(SOCK_DGRAM, gost_service_port(uv));
  ck_assert_int_eq(send(fd, "q1", 2, 0), 2);
  ck_assert_msg(lp_recv_until(loop, fd, buf, sizeof buf, "U:q1", 10), "UDP visitor got: %s", buf);
  ck_assert_int_eq(send(fd, "q2", 2, 0), 2);
  ck_assert_msg(lp_recv_until(loop, fd, buf, sizeof buf, "U:q2", 10), "UDP visitor got: %s", buf);
  close(fd);
  ck_assert_int_eq(udp_be.conns, 2);
  /* Visitors first, so their tunnel connections end and the server's pipes finish before the
   * ctx goes: the server does not yet abort live CONNECT pipes when it stops. */
  gost_service_free(uv);
  gost_service_free(tv);
  int never = 0;
  lp_spin(loop, &never, 0.3);
}
END_TEST

/* Mostly MTU-sized, varying; every 1000th larger than a pooled buffer, and one near the
 * largest IPv4 datagram (framing (A) carries up to 65535 bytes). */
static size_t seq_sizes(int seq) {
  if (seq == 4321) return SQ_MAX;
  if (seq % 1000 == 500) return 20000;
  return 1200 + (size_t)(seq % 7) * 37;
}

/* 10 000 numbered datagrams: UDP visitor -> tunnel server -> rudp client -> sink, each checked
 * for content and order (the visitor's and client's writes are coalesced per iteration). */
START_TEST(e2e_udp_10k_in_order) {
  uint16_t tport, eport;
  start_server(&tport, &eport);
  struct sq_run r;
  sq_sink_open(&r);
  char sink[32];
  snprintf(sink, sizeof sink, "127.0.0.1:%u", r.sink_port);
  udp_t = start_client_to(tport, 1, sink);
  int never = 0;
  for (double end = ev_time() + 10; registered < 1 && ev_time() < end;) lp_spin(loop, &never, 0.02);
  ck_assert_int_eq(registered, 1);
  gost_service_t *uv = start_visitor("udp-visitor", 1, tport, "dns.local");
  sq_run(loop, &r, gost_service_port(uv), 10000, seq_sizes, 60);
  ck_assert_msg(r.got >= 9900, "%d of 10000 arrived", r.got); /* the kernel may drop a few */
  gost_service_free(uv);
  lp_spin(loop, &never, 0.3);
}
END_TEST

int main(void) {
  Suite *s = suite_create("tunnel_e2e");
  TCase *tc = tcase_create("all_ours");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, e2e_http_tcp_udp);
  tcase_add_test(tc, e2e_udp_10k_in_order);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
