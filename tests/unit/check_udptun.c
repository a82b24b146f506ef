/* Framing (B) over a stream (io/udptun.c): the incremental reader at every split point,
 * several frames per read, bad frames, stopping from the callback, address conversion. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "../support/harness.h"
#include "gost/ctx.h"
#include "io/udptun.h"
#include "harness.h"

struct got {
  int n, stop_after;
  char addr[3][300];
  size_t len[3];
  uint8_t first[3];
};

static int on_dgram(void *user, const struct gost_relay_addr *a, const uint8_t *p, size_t n) {
  struct got *g = user;
  ck_assert_int_lt(g->n, 3);
  gost__relay_addr_format(a, g->addr[g->n], sizeof g->addr[g->n]);
  g->len[g->n] = n;
  g->first[g->n] = p[0];
  int intact = 1;
  for (size_t i = 0; i < n; i++) intact &= p[i] == (uint8_t)(g->n * 31 + i);
  ck_assert_msg(intact, "payload %d damaged", g->n);
  g->n++;
  return g->stop_after && g->n == g->stop_after;
}

/* Three frames: IPv4, domain and IPv6 peers; 1, 1000 and 65535 bytes. */
static size_t three_frames(uint8_t *out, size_t cap) {
  static const char *addrs[3] = {"10.1.2.3:53", "example.com:443", "[2001:db8::1]:5353"};
  static const size_t lens[3] = {1, 1000, 65535};
  static uint8_t pay[65535];
  size_t off = 0;
  for (int k = 0; k < 3; k++) {
    struct gost_relay_addr a;
    ck_assert_int_eq(gost__relay_addr_from_string(&a, addrs[k], strlen(addrs[k])), GOST_OK);
    for (size_t i = 0; i < lens[k]; i++) pay[i] = (uint8_t)(k * 31 + i);
    int n = gost__udpframe_socks_encode(&a, pay, lens[k], out + off, cap - off);
    ck_assert_int_gt(n, 0);
    off += (size_t)n;
  }
  return off;
}

static void check_three(const struct got *g) {
  ck_assert_int_eq(g->n, 3);
  ck_assert_str_eq(g->addr[0], "10.1.2.3:53");
  ck_assert_str_eq(g->addr[1], "example.com:443");
  ck_assert_str_eq(g->addr[2], "[2001:db8::1]:5353");
  ck_assert_uint_eq(g->len[0], 1);
  ck_assert_uint_eq(g->len[1], 1000);
  ck_assert_uint_eq(g->len[2], 65535);
}

START_TEST(every_split_point) {
  gost_ctx_t *ctx;
  ck_assert_int_eq(gost_ctx_new(&ctx), GOST_OK);
  static uint8_t buf[3 * 70000];
  size_t total = three_frames(buf, sizeof buf);
  /* one read, and two reads split at every byte of the first two frames plus samples after */
  for (size_t cut = 0; cut <= total; cut += cut < 1100 ? 1 : 997) {
    struct gost_udptun_rx rx;
    struct got g = {0};
    gost__udptun_rx_init(&rx, ctx);
    ck_assert_int_eq(gost__udptun_rx_feed(&rx, buf, cut, on_dgram, &g), GOST_OK);
    ck_assert_int_eq(gost__udptun_rx_feed(&rx, buf + cut, total - cut, on_dgram, &g), GOST_OK);
    check_three(&g);
    ck_assert_uint_eq(rx.len, 0);
    gost__udptun_rx_free(&rx);
  }
  /* byte by byte */
  struct gost_udptun_rx rx;
  struct got g = {0};
  gost__udptun_rx_init(&rx, ctx);
  for (size_t i = 0; i < total; i++) ck_assert_int_eq(gost__udptun_rx_feed(&rx, buf + i, 1, on_dgram, &g), GOST_OK);
  check_three(&g);
  gost__udptun_rx_free(&rx);
  gost_ctx_free(ctx);
}
END_TEST

START_TEST(bad_frames_and_stop) {
  gost_ctx_t *ctx;
  ck_assert_int_eq(gost_ctx_new(&ctx), GOST_OK);
  static uint8_t buf[3 * 70000];
  size_t total = three_frames(buf, sizeof buf);
  struct gost_udptun_rx rx;
  struct got g = {.stop_after = 1};
  gost__udptun_rx_init(&rx, ctx);
  /* the callback asks to stop (its owner went away): nothing more is delivered */
  ck_assert_int_eq(gost__udptun_rx_feed(&rx, buf, total, on_dgram, &g), GOST_OK);
  ck_assert_int_eq(g.n, 1);
  gost__udptun_rx_free(&rx);
  /* FRAG other than 0xFF, and an unknown ATYP: protocol errors, in place and reassembled */
  uint8_t bad[16] = {0, 1, 0x00, 0x01, 1, 2, 3, 4, 0, 53, 'x'};
  struct got g2 = {0};
  gost__udptun_rx_init(&rx, ctx);
  ck_assert_int_eq(gost__udptun_rx_feed(&rx, bad, 11, on_dgram, &g2), GOST_EPROTO);
  gost__udptun_rx_free(&rx);
  bad[2] = 0xFF;
  bad[3] = 0x09;
  gost__udptun_rx_init(&rx, ctx);
  ck_assert_int_eq(gost__udptun_rx_feed(&rx, bad, 2, on_dgram, &g2), GOST_OK);
  ck_assert_int_eq(gost__udptun_rx_feed(&rx, bad + 2, 9, on_dgram, &g2), GOST_EPROTO);
  ck_assert_int_eq(g2.n, 0);
  gost__udptun_rx_free(&rx);
  gost_ctx_free(ctx);
}
END_TEST

START_TEST(addr_from_sockaddr) {
  struct sockaddr_in6 v6;
  memset(&v6, 0, sizeof v6);
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(8080);
  inet_pton(AF_INET6, "::ffff:127.0.0.1", &v6.sin6_addr); /* a dual-stack socket's IPv4 peer */
  struct gost_relay_addr a;
  ck_assert_int_eq(gost__udptun_addr_from_sa((struct sockaddr *)&v6, &a), GOST_OK);
  ck_assert_uint_eq(a.atyp, GOST__RELAY_ATYP_IPV4);
  ck_assert_str_eq(a.host, "127.0.0.1");
  ck_assert_uint_eq(a.port, 8080);
  inet_pton(AF_INET6, "2001:db8::7", &v6.sin6_addr);
  ck_assert_int_eq(gost__udptun_addr_from_sa((struct sockaddr *)&v6, &a), GOST_OK);
  ck_assert_uint_eq(a.atyp, GOST__RELAY_ATYP_IPV6);
  ck_assert_str_eq(a.host, "2001:db8::7");
  struct sockaddr_storage none;
  memset(&none, 0, sizeof none);
  ck_assert_int_eq(gost__udptun_addr_from_sa((struct sockaddr *)&none, &a), GOST_EINVAL);
}
END_TEST

int main(void) {
  Suite *s = suite_create("udptun");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, every_split_point);
  tcase_add_test(tc, bad_frames_and_stop);
  tcase_add_test(tc, addr_from_sockaddr);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
