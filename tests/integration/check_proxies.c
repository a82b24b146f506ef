/* Proxy handlers under bad input: garbage to socks5, an oversize HTTP head, a slowloris head,
 * unsupported SOCKS5 commands, and stopping a service with handshakes in flight. Nothing may
 * crash or leak (run under ASan), and every bad connection must end. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "gost/ctx.h"
#include "harness.h"
#include "loopback_peers.h"

static const char *const short_timeout[] = {"readTimeout", "300ms", NULL};

static int client(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                          .sin_port = htons(port)};
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
  return fd;
}

/* Spins the loop reading fd until EOF/reset or secs pass; 1 if the peer closed. Drips one byte
 * of `drip` every 50 ms meanwhile when it is not NULL (slowloris). */
static int read_to_close(struct ev_loop *loop, int fd, char *buf, size_t cap, size_t *got,
                         double secs, const char *drip) {
  double end = ev_time() + secs, next = 0;
  int never = 0;
  *got = 0;
  while (ev_time() < end) {
    if (drip && *drip && ev_time() >= next) {
      send(fd, drip++, 1, MSG_NOSIGNAL);
      next = ev_time() + 0.05;
    }
    lp_spin(loop, &never, 0.01);
    ssize_t n = recv(fd, buf + *got, cap - 1 - *got, 0);
    if (n > 0) *got += (size_t)n;
    else if (n == 0 || errno != EAGAIN) break;
    buf[*got] = '\0';
    if (*got == cap - 1) return 0;
    continue;
  }
  buf[*got] = '\0';
  return ev_time() < end;
}

struct fx {
  struct ev_loop *loop;
  gost_ctx_t *ctx;
  gost_service_t *svc;
};

static void fx_open_meta(struct fx *f, const char *handler, const char *const *meta) {
  f->loop = ev_loop_new(EVFLAG_AUTO);
  ck_assert_int_eq(gost_ctx_new_with_loop(&f->ctx, f->loop), 0);
  f->svc = gost_test_service(f->ctx, "tcp", handler, "127.0.0.1:0", NULL, meta);
}

static void fx_open(struct fx *f, const char *handler) { fx_open_meta(f, handler, short_timeout); }

static void fx_close(struct fx *f) {
  gost_test_service_free(f->svc);
  gost_ctx_free(f->ctx);
  ev_loop_destroy(f->loop);
}

START_TEST(socks5_garbage_closes) {
  static const char *const inputs[] = {"\x04\x01\x00\x50\x7f\x00\x00\x01", "GET / HTTP/1.1\r\n\r\n",
                                       "\x05\x00", "\x05\x01\x00\x06\x01\x00\x09zzzzzzzzz"};
  static const size_t lens[] = {8, 18, 2, 16};
  struct fx f;
  fx_open(&f, "socks5");
  for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
    int fd = client(f.svc->port);
    send(fd, inputs[i], lens[i], MSG_NOSIGNAL);
    char buf[512];
    size_t got;
    ck_assert_msg(read_to_close(f.loop, fd, buf, sizeof buf, &got, 3, NULL), "input %zu: not closed", i);
    close(fd);
  }
  fx_close(&f);
}
END_TEST

START_TEST(socks5_bind_disabled) {
  struct fx f;
  fx_open(&f, "socks");
  int fd = client(f.svc->port);
  /* greeting (no-auth) and BIND 127.0.0.1:80 in one write */
  static const char msg[] = "\x05\x01\x00\x05\x02\x00\x01\x7f\x00\x00\x01\x00\x50";
  send(fd, msg, sizeof msg - 1, MSG_NOSIGNAL);
  char buf[512];
  size_t got;
  ck_assert(read_to_close(f.loop, fd, buf, sizeof buf, &got, 3, NULL));
  ck_assert_uint_ge(got, 4);
  ck_assert_int_eq(buf[0], 5);
  ck_assert_int_eq(buf[1], 0);    /* method: no-auth */
  ck_assert_int_eq(buf[3], 0x02); /* REP: not allowed by the ruleset (bind=true is not set) */
  close(fd);
  fx_close(&f);
}
END_TEST

/* Reads exactly n bytes within secs, spinning the server's loop meanwhile. */
static int read_n(struct ev_loop *loop, int fd, uint8_t *buf, size_t n, double secs) {
  size_t got = 0;
  double end = ev_time() + secs;
  int never = 0;
  while (got < n && ev_time() < end) {
    lp_spin(loop, &never, 0.01);
    ssize_t k = recv(fd, buf + got, n - got, 0);
    if (k > 0) got += (size_t)k;
    else if (k == 0 || errno != EAGAIN) return 0;
  }
  return got == n;
}

static const char *const bind_meta[] = {"readTimeout", "300ms", "bind", "true", NULL};

/* Sends greeting + BIND 127.0.0.1:0, returns the port of the first reply. */
static uint16_t bind_request(struct fx *f, int fd) {
  static const char msg[] = "\x05\x01\x00\x05\x02\x00\x01\x7f\x00\x00\x01\x00\x00";
  send(fd, msg, sizeof msg - 1, MSG_NOSIGNAL);
  uint8_t r[12];
  ck_assert(read_n(f->loop, fd, r, sizeof r, 3));
  ck_assert_int_eq(r[1], 0);
  ck_assert_int_eq(r[3], 0x00); /* succeeded */
  ck_assert_int_eq(r[5], 0x01); /* IPv4: the address the client reached us on */
  ck_assert_mem_eq(r + 6, "\x7f\x00\x00\x01", 4);
  uint16_t port = (uint16_t)(r[10] << 8 | r[11]);
  ck_assert_uint_ne(port, 0);
  return port;
}

START_TEST(socks5_bind_plain_relays_one_peer) {
  struct fx f;
  fx_open_meta(&f, "socks5", bind_meta);
  int fd = client(f.svc->port);
  uint16_t port = bind_request(&f, fd);
  int peer = client(port);
  struct sockaddr_in me;
  socklen_t len = sizeof me;
  ck_assert_int_eq(getsockname(peer, (struct sockaddr *)&me, &len), 0);
  uint8_t r[10];
  ck_assert(read_n(f.loop, fd, r, sizeof r, 3)); /* second reply: the peer's address */
  ck_assert_int_eq(r[1], 0x00);
  ck_assert_mem_eq(r + 4, &me.sin_addr, 4);
  ck_assert_mem_eq(r + 8, &me.sin_port, 2);
  send(peer, "ping", 4, MSG_NOSIGNAL);
  ck_assert(read_n(f.loop, fd, r, 4, 3));
  ck_assert_mem_eq(r, "ping", 4);
  send(fd, "pong!", 5, MSG_NOSIGNAL);
  ck_assert(read_n(f.loop, peer, r, 5, 3));
  ck_assert_mem_eq(r, "pong!", 5);
  /* one peer only: the listener is gone once it came */
  int late = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(port)};
  ck_assert_int_ne(connect(late, (struct sockaddr *)&a, sizeof a), 0);
  close(late);
  close(peer);
  char buf[64];
  size_t got;
  ck_assert_msg(read_to_close(f.loop, fd, buf, sizeof buf, &got, 3, NULL), "peer closed: client not ended");
  close(fd);
  fx_close(&f);
}
END_TEST

START_TEST(socks5_bind_plain_client_leaves_first) {
  struct fx f;
  fx_open_meta(&f, "socks5", bind_meta);
  int fd = client(f.svc->port);
  uint16_t port = bind_request(&f, fd);
  close(fd);
  int never = 0;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(port)};
  lp_spin(f.loop, &never, 0.3); /* the server sees the EOF and cancels the wait */
  int p = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int refused = connect(p, (struct sockaddr *)&a, sizeof a) != 0; /* a first peer would be accepted */
  close(p);
  ck_assert_msg(refused, "bind port %u still open after the client left", port);
  fx_close(&f); /* ASan/LSan: nothing of the wait is left */
}
END_TEST

START_TEST(socks5_connect_echo) {
  struct fx f;
  fx_open(&f, "socks5");
  struct lp_backend be;
  uint16_t eport = lp_backend_start(f.loop, &be, 'E', 0);
  int fd = client(f.svc->port);
  char msg[] = "\x05\x01\x00\x05\x01\x00\x01\x7f\x00\x00\x01PPhi";
  msg[11] = (char)(eport >> 8);
  msg[12] = (char)(eport & 0xff);
  send(fd, msg, sizeof msg - 1, MSG_NOSIGNAL);
  char buf[64];
  size_t got = 0;
  int done = 0;
  for (double end = ev_time() + 5; got < 16 && ev_time() < end;) {
    lp_spin(f.loop, &done, 0.01);
    ssize_t n = recv(fd, buf + got, sizeof buf - got, 0);
    if (n > 0) got += (size_t)n;
  }
  ck_assert_uint_eq(got, 2 + 10 + 4); /* method, IPv4 reply, "E:hi" from the backend */
  ck_assert_int_eq(buf[3], 0x00);
  ck_assert_int_eq(buf[5], 0x01);
  ck_assert(memcmp(buf + 12, "E:hi", 4) == 0);
  close(fd);
  lp_spin(f.loop, &done, 0.05);
  lp_backend_stop(f.loop, &be);
  fx_close(&f);
}
END_TEST

START_TEST(http_oversize_head) {
  struct fx f;
  fx_open(&f, "http");
  int fd = client(f.svc->port);
  static char big[20 * 1024];
  memset(big, 'a', sizeof big);
  memcpy(big, "GET http://x/ HTTP/1.1\r\nX-Pad: ", 31);
  send(fd, big, sizeof big, MSG_NOSIGNAL);
  char buf[512];
  size_t got;
  ck_assert(read_to_close(f.loop, fd, buf, sizeof buf, &got, 3, NULL));
  /* a reset may eat the answer; if it arrived it must be a 400 */
  ck_assert_msg(got == 0 || strncmp(buf, "HTTP/1.1 400", 12) == 0, "got %s", buf);
  close(fd);
  fx_close(&f);
}
END_TEST

START_TEST(http_bad_request_400) {
  struct fx f;
  fx_open(&f, "auto");
  int fd = client(f.svc->port);
  static const char req[] = "BREW coffee://pot HTTP/1.1\r\nHost: pot\r\n\r\n";
  send(fd, req, sizeof req - 1, MSG_NOSIGNAL);
  char buf[512];
  size_t got;
  ck_assert(read_to_close(f.loop, fd, buf, sizeof buf, &got, 3, NULL));
  ck_assert_msg(strncmp(buf, "HTTP/1.1 400", 12) == 0, "got %s", buf);
  close(fd);
  fx_close(&f);
}
END_TEST

START_TEST(slowloris_times_out) {
  static const char *const handlers[] = {"http", "socks5", "auto"};
  static const char *const drips[] = {"GET http://x/ HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa",
                                      "\x05", ""};
  for (int i = 0; i < 3; i++) {
    struct fx f;
    fx_open(&f, handlers[i]);
    int fd = client(f.svc->port);
    double t0 = ev_time();
    char buf[512];
    size_t got;
    /* readTimeout is 300 ms for the whole head, dripping bytes must not extend it */
    ck_assert_msg(read_to_close(f.loop, fd, buf, sizeof buf, &got, 3, drips[i]), "%s: not closed",
                  handlers[i]);
    ck_assert_double_lt(ev_time() - t0, 2.0);
    close(fd);
    fx_close(&f);
  }
}
END_TEST

START_TEST(stop_with_handshakes_in_flight) {
  struct fx f;
  fx_open(&f, "auto");
  int fds[4];
  for (int i = 0; i < 4; i++) {
    fds[i] = client(f.svc->port);
    if (i % 2) send(fds[i], "\x05\x01", 2, MSG_NOSIGNAL);
    else send(fds[i], "GET http://x/ HTTP/1.1\r\n", 24, MSG_NOSIGNAL);
  }
  int never = 0;
  lp_spin(f.loop, &never, 0.1);
  fx_close(&f); /* stop ends every connection: ASan/LSan checks nothing leaks */
  for (int i = 0; i < 4; i++) close(fds[i]);
}
END_TEST

int main(void) {
  Suite *s = suite_create("proxies");
  TCase *tc = tcase_create("bad input");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, socks5_garbage_closes);
  tcase_add_test(tc, socks5_bind_disabled);
  tcase_add_test(tc, socks5_bind_plain_relays_one_peer);
  tcase_add_test(tc, socks5_bind_plain_client_leaves_first);
  tcase_add_test(tc, socks5_connect_echo);
  tcase_add_test(tc, http_oversize_head);
  tcase_add_test(tc, http_bad_request_400);
  tcase_add_test(tc, slowloris_times_out);
  tcase_add_test(tc, stop_with_handshakes_in_flight);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
