/* gost_sockaddr, the 28-byte address every stream keeps for its peer and local end: IPv4 and
 * IPv6 round trips to the wide sockaddr_storage, formatting, refusal of other families, and the
 * addresses a socket stream reads from real loopback connections. */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/sockaddr.h"
#include "gost/ctx.h"
#include "harness.h"
#include "io/sock.h"

START_TEST(compact_size) {
  ck_assert_uint_eq(sizeof(gost_sockaddr), 28);
  ck_assert_uint_lt(2 * sizeof(gost_sockaddr), sizeof(struct sockaddr_storage) / 2);
}
END_TEST

/* ss -> compact -> ss gives the same bytes; formatting and the port agree with the wide form */
static void round_trip(const char *host, uint16_t port, uint32_t scope, const char *text) {
  struct sockaddr_storage ss, back;
  socklen_t len;
  ck_assert_int_eq(gost__addr_to_sockaddr(host, port, &ss, &len), 0);
  if (ss.ss_family == AF_INET6) ((struct sockaddr_in6 *)&ss)->sin6_scope_id = scope;
  gost_sockaddr a;
  memset(&a, 0xa5, sizeof a); /* set must not keep stale bytes */
  ck_assert_int_eq(gost__sa_set(&a, (const struct sockaddr *)&ss), 1);
  ck_assert_int_eq(gost__sa_family(&a), ss.ss_family);
  ck_assert_uint_eq(gost__sa_len(&a), len);
  ck_assert_int_eq(gost__sockaddr_port(&a.sa), port);
  char out[GOST_ADDR_STR_MAX];
  ck_assert_int_eq(gost__sa_fmt(&a, out, sizeof out), (int)strlen(text));
  ck_assert_str_eq(out, text);
  memset(&back, 0x5a, sizeof back);
  ck_assert_uint_eq(gost__sa_to_storage(&a, &back), len);
  ck_assert_mem_eq(&back, &ss, len);
  /* the wide form is zeroed past the address */
  static const uint8_t zero[sizeof back] = {0};
  ck_assert_mem_eq((uint8_t *)&back + len, zero, sizeof back - len);
}

START_TEST(v4_v6_round_trip) {
  round_trip("127.0.0.1", 8080, 0, "127.0.0.1:8080");
  round_trip("10.255.0.7", 0, 0, "10.255.0.7:0");
  round_trip("::1", 443, 0, "[::1]:443");
  round_trip("2001:db8::17", 65535, 0, "[2001:db8::17]:65535");
  round_trip("fe80::1", 22, 3, "[fe80::1]:22"); /* the scope id survives the round trip */
  round_trip("::ffff:192.0.2.1", 53, 0, "[::ffff:192.0.2.1]:53");
}
END_TEST

START_TEST(other_families_are_unknown) {
  struct sockaddr_un un;
  memset(&un, 0, sizeof un);
  un.sun_family = AF_UNIX;
  strcpy(un.sun_path, "/tmp/not-an-ip-address");
  gost_sockaddr a;
  ck_assert_int_eq(gost__sa_set(&a, (const struct sockaddr *)&un), 0);
  ck_assert_int_eq(gost__sa_family(&a), 0);
  ck_assert_uint_eq(gost__sa_len(&a), 0);
  char out[8] = "x";
  ck_assert_int_eq(gost__sa_fmt(&a, out, sizeof out), 0);
  ck_assert_str_eq(out, "");
  struct sockaddr_storage ss;
  ck_assert_uint_eq(gost__sa_to_storage(&a, &ss), 0);
  ck_assert_int_eq(ss.ss_family, 0);
  ck_assert_int_eq(gost__sa_set(&a, NULL), 0);
  ck_assert_int_eq(gost__sa_family(&a), 0);
  /* too small an output buffer is refused, not truncated */
  ck_assert_int_eq(gost__addr_to_sockaddr("::1", 1, &ss, &(socklen_t){0}), 0);
  gost__sa_set(&a, (const struct sockaddr *)&ss);
  ck_assert_int_lt(gost__sa_fmt(&a, out, 4), 0);
}
END_TEST

/* A connected loopback pair on family af; returns the accepted fd (nonblocking), or -1 when
 * the family is not available here. *client gets the connecting fd. */
static int loopback_pair(int af, int *client, struct sockaddr_storage *server_addr) {
  int l = socket(af, SOCK_STREAM, 0);
  if (l < 0) return -1;
  struct sockaddr_storage ss;
  socklen_t len;
  ck_assert_int_eq(gost__addr_to_sockaddr(af == AF_INET ? "127.0.0.1" : "::1", 0, &ss, &len), 0);
  if (bind(l, (struct sockaddr *)&ss, len) < 0) {
    close(l);
    return -1;
  }
  ck_assert_int_eq(listen(l, 1), 0);
  len = sizeof *server_addr;
  ck_assert_int_eq(getsockname(l, (struct sockaddr *)server_addr, &len), 0);
  *client = socket(af, SOCK_STREAM, 0);
  ck_assert_int_ge(*client, 0);
  ck_assert_int_eq(connect(*client, (struct sockaddr *)server_addr, len), 0);
  int fd = accept(l, NULL, NULL);
  ck_assert_int_ge(fd, 0);
  close(l);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

/* The stream's peer is the connecting socket's own address, its local the listening one. */
static void stream_addresses(int af) {
  gost_ctx_t *ctx;
  ck_assert_int_eq(gost_ctx_new(&ctx), 0);
  int client;
  struct sockaddr_storage server_addr, client_addr;
  int fd = loopback_pair(af, &client, &server_addr);
  if (fd < 0) {
    fprintf(stderr, "check_sockaddr: no %s loopback here, skipped\n", af == AF_INET ? "IPv4" : "IPv6");
    gost_ctx_free(ctx);
    return;
  }
  socklen_t len = sizeof client_addr;
  ck_assert_int_eq(getsockname(client, (struct sockaddr *)&client_addr, &len), 0);
  gost_stream *s = gost__sock_new(ctx, fd, 0);
  ck_assert_ptr_nonnull(s);
  struct sockaddr_storage peer, local;
  ck_assert_uint_eq(gost__sa_to_storage(&s->peer, &peer), len);
  ck_assert_mem_eq(&peer, &client_addr, len);
  ck_assert_uint_eq(gost__sa_to_storage(&s->local, &local), len);
  ck_assert_mem_eq(&local, &server_addr, len);
  char want[GOST_ADDR_STR_MAX], got[GOST_ADDR_STR_MAX];
  gost__sockaddr_fmt((struct sockaddr *)&client_addr, want, sizeof want);
  gost__sa_fmt(&s->peer, got, sizeof got);
  ck_assert_str_eq(got, want);
  gost_stream_close(s);
  close(client);
  gost_ctx_free(ctx);
}

START_TEST(stream_v4) { stream_addresses(AF_INET); }
END_TEST

START_TEST(stream_v6) { stream_addresses(AF_INET6); }
END_TEST

/* A socket of another family (a Unix socketpair) leaves the addresses unknown, not truncated. */
START_TEST(stream_unix_unknown) {
  gost_ctx_t *ctx;
  ck_assert_int_eq(gost_ctx_new(&ctx), 0);
  int sv[2];
  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  gost_stream *s = gost__sock_new(ctx, sv[0], 0);
  ck_assert_ptr_nonnull(s);
  ck_assert_int_eq(gost__sa_family(&s->peer), 0);
  ck_assert_int_eq(gost__sa_family(&s->local), 0);
  gost_stream_close(s);
  close(sv[1]);
  gost_ctx_free(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("sockaddr");
  TCase *tc = tcase_create("sockaddr");
  tcase_add_test(tc, compact_size);
  tcase_add_test(tc, v4_v6_round_trip);
  tcase_add_test(tc, other_families_are_unknown);
  tcase_add_test(tc, stream_v4);
  tcase_add_test(tc, stream_v6);
  tcase_add_test(tc, stream_unix_unknown);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
