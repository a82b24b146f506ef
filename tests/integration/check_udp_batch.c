/* Batched UDP relaying (recvmmsg/sendmmsg, pooled queues) over real loopback sockets: 10 000
 * numbered datagrams through a UDP forward arrive intact and in order, datagrams larger than a
 * batch slot (a pooled buffer) among them; a flow whose reader does not read keeps a bounded
 * queue and drops the rest, counted, with one log line per episode. */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/ctx_int.h"
#include "gost/gost.h"
#include "harness.h"
#include "io/udpflow.h"
#include "seqdgram.h"

static struct ev_loop *loop;
static gost_ctx_t *ctx;

static void setup(void) {
  loop = ev_loop_new(EVFLAG_AUTO);
  ck_assert_int_eq(gost_ctx_new_with_loop(&ctx, loop), 0);
}

static void teardown(void) {
  gost_ctx_free(ctx);
  ev_loop_destroy(loop);
}

/* Mostly MTU-sized, varying; every 1000th larger than a pooled buffer (sent alone, queued
 * alone); one near the largest IPv4 datagram. */
static size_t sizes(int seq) {
  if (seq == 7777) return SQ_MAX;
  if (seq % 1000 == 500) return GOST_BUF_SIZE + 3000;
  return 1200 + (size_t)(seq % 7) * 37;
}

START_TEST(forward_10k_in_order) {
  struct sq_run r;
  sq_sink_open(&r);
  char target[32];
  snprintf(target, sizeof target, "127.0.0.1:%u", r.sink_port);
  gost_service_t *svc;
  ck_assert_int_eq(gost_service_new(&svc, ctx, "fwd"), 0);
  ck_assert_int_eq(gost_service_set_listener(svc, "udp", "127.0.0.1:0"), 0);
  ck_assert_int_eq(gost_service_set_handler(svc, "udp"), 0);
  ck_assert_int_eq(gost_service_set_meta(svc, "listener", "keepalive", "true"), 0);
  ck_assert_int_eq(gost_service_add_node(svc, "target", target, NULL), 0);
  ck_assert_int_eq(gost_service_start(svc), 0);
  sq_run(loop, &r, gost_service_port(svc), 10000, sizes, 60);
  /* Loss only where the kernel may drop under memory pressure (none expected: the window is
   * far below every socket buffer); order and content are checked for each datagram. */
  ck_assert_msg(r.got >= 9900, "%d of 10000 arrived", r.got);
  ck_assert_uint_eq(ctx->budget.udp_dgrams_dropped, 0);
  gost_service_free(svc);
}
END_TEST

/* ---- a full flow queue ---- */

static gost_stream *held;
static char logs[4096];
static int got_n;
static size_t got_len[256];
static uint8_t got_first[256];

static void on_log(gost_ctx_t *c, int level, const char *json, void *user) {
  (void)c, (void)level, (void)user;
  if (strstr(json, "datagrams")) snprintf(logs + strlen(logs), sizeof logs - strlen(logs), "%s\n", json);
}

static void on_flow(struct gost_udpflow_listener *l, gost_stream *flow, void *user) {
  (void)l, (void)user;
  held = flow; /* accepted, but not read from: its queue fills */
}

static void on_flow_read(gost_stream *s, ssize_t n, const char *data, void *user) {
  (void)s, (void)user;
  if (n <= 0 || got_n >= 256) return;
  got_len[got_n] = (size_t)n;
  got_first[got_n++] = (uint8_t)data[0];
}

static int count_lines(const char *needle) {
  int n = 0;
  for (const char *p = logs; (p = strstr(p, needle)); p++) n++;
  return n;
}

/* A listener with an 8-datagram flow queue and a flow accepted but not read from. */
static struct gost_udpflow_listener *listen_small(int *fd) {
  gost_ctx_set_log_cb(ctx, GOST_LOG_INFO, on_log, NULL);
  logs[0] = '\0';
  held = NULL;
  got_n = 0;
  struct gost_udpflow_opts o = {.keepalive = 1, .queue_len = 8};
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  struct gost_udpflow_listener *l;
  ck_assert_int_eq(gost__udpflow_listen(&l, ctx, (struct sockaddr *)&a, &o, on_flow, NULL), 0);
  const struct sockaddr_in *local = (const struct sockaddr_in *)gost__udpflow_local(l);
  *fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ck_assert_int_eq(connect(*fd, (const struct sockaddr *)local, sizeof *local), 0);
  return l;
}

/* n datagrams numbered from 0, the second larger than a pooled buffer (queued alone). */
static uint8_t msg[GOST_BUF_SIZE + 100];
static void send_n(int fd, int n) {
  for (int i = 0; i < n; i++) {
    size_t len = i == 1 ? sizeof msg : 100;
    msg[0] = (uint8_t)i;
    ck_assert_int_eq(send(fd, msg, len, 0), (ssize_t)len);
  }
}

static void read_until(int n, double secs) {
  for (double end = ev_time() + secs; got_n < n && ev_time() < end;) ev_run(loop, EVRUN_NOWAIT);
}

static void check_in_order(int n) {
  for (int i = 0; i < n; i++) {
    ck_assert_uint_eq(got_first[i], i);
    ck_assert_uint_eq(got_len[i], i == 1 ? sizeof msg : 100);
  }
}

/* The reader never reads: the queue fills, reading the socket pauses for at most 50 ms (the
 * datagrams wait in the kernel), then the rest is dropped: counted, one line per episode, and
 * the queue holds no more than its size plus the batch being read when it filled. */
START_TEST(full_queue_drops_counted) {
  int fd;
  struct gost_udpflow_listener *l = listen_small(&fd);
  send_n(fd, 200);
  uint64_t *dropped = &ctx->budget.udp_dgrams_dropped;
  for (double end = ev_time() + 10; *dropped < 200 - 8 - 64 && ev_time() < end;) ev_run(loop, EVRUN_NOWAIT);
  /* and the socket's last datagrams, read right after */
  for (double end = ev_time() + 0.3; ev_time() < end;) ev_run(loop, EVRUN_NOWAIT);
  ck_assert_ptr_nonnull(held);
  ck_assert_uint_ge(*dropped, 200 - 8 - 64); /* the queue never grew past 8 + one batch */
  ck_assert_int_eq(count_lines("flow queue full: dropping datagrams"), 1); /* one line, not one each */
  /* the reader starts: what was queued comes out in order, intact in length */
  gost_stream_set_read_cb(held, on_flow_read, NULL);
  gost_stream_read_start(held);
  int queued = 200 - (int)*dropped;
  ck_assert_int_ge(queued, 8);
  read_until(queued, 5);
  ck_assert_int_eq(got_n, queued);
  check_in_order(queued);
  /* the next datagram goes through and ends the episode: one line with its count */
  char want[64];
  snprintf(want, sizeof want, "%llu datagrams dropped (flow queue full)", (unsigned long long)*dropped);
  msg[0] = 99;
  got_n = 0;
  ck_assert_int_eq(send(fd, msg, 100, 0), 100);
  read_until(1, 5);
  ck_assert_int_eq(got_n, 1);
  ck_assert_uint_eq(got_first[0], 99);
  ck_assert_msg(count_lines(want) == 1, "want \"%s\" in: %s", want, logs);
  ck_assert_uint_eq(*dropped, 200 - queued);
  gost_stream_close(held);
  gost__udpflow_close(l);
  close(fd);
}
END_TEST

/* The reader starts soon after the queue filled (within the 50 ms hold): every datagram of the
 * burst arrives, none dropped, although the burst is six times the queue. */
START_TEST(full_queue_holds_socket) {
  int fd;
  struct gost_udpflow_listener *l = listen_small(&fd);
  send_n(fd, 50);
  for (double end = ev_time() + 5; !held && ev_time() < end;) ev_run(loop, EVRUN_NOWAIT);
  ck_assert_ptr_nonnull(held);
  gost_stream_set_read_cb(held, on_flow_read, NULL);
  gost_stream_read_start(held);
  read_until(50, 5);
  ck_assert_int_eq(got_n, 50);
  check_in_order(50);
  ck_assert_uint_eq(ctx->budget.udp_dgrams_dropped, 0);
  gost_stream_close(held);
  gost__udpflow_close(l);
  close(fd);
}
END_TEST

int main(void) {
  Suite *s = suite_create("udp_batch");
  TCase *tc = tcase_create("udp_batch");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 90);
  tcase_add_test(tc, forward_10k_in_order);
  tcase_add_test(tc, full_queue_drops_counted);
  tcase_add_test(tc, full_queue_holds_socket);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
