/* The Redis client and the sd against a real redis-server (skipped when absent): commands,
 * fail-fast while Redis is down (no queue), reconnect with back-off, and the sd's register /
 * lookup / deregister round trip. docs/cluster.md. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster/redis.h"
#include "cluster/sd.h"
#include "core/error.h"
#include "gost/gost.h"
#include "harness.h"

#define LO "127.0.0.2" /* other tests bind random ports on 127.0.0.1 */

static pid_t redis_pid;
static uint16_t redis_port;

static int have_redis(void) { return system("command -v redis-server >/dev/null 2>&1") == 0; }

static void redis_start(void) {
  char port[8];
  snprintf(port, sizeof port, "%u", redis_port);
  redis_pid = fork();
  ck_assert_int_ge(redis_pid, 0);
  if (redis_pid == 0) {
    freopen("/dev/null", "w", stdout);
    execlp("redis-server", "redis-server", "--port", port, "--bind", LO, "--save", "", "--appendonly", "no",
           (char *)NULL);
    _exit(127);
  }
}

static void redis_kill(void) {
  kill(redis_pid, SIGKILL);
  waitpid(redis_pid, NULL, 0);
}

/* Runs the loop until *flag == want (10 s at most). */
static void run_until(struct ev_loop *loop, const int *flag, int want) {
  ev_tstamp end = ev_time() + 10;
  while (*flag != want && ev_time() < end) ev_run(loop, EVRUN_ONCE);
  ck_assert_int_eq(*flag, want);
}

static int up, replies, got_null;
static char last[64];

static void on_state(struct gost_redis *r, int is_up, void *user) { up = is_up; }

static void on_reply(struct gost_redis *r, const redisReply *reply, void *user) {
  replies++;
  if (!reply) got_null++;
  else if (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS)
    snprintf(last, sizeof last, "%s", reply->str);
}

START_TEST(client_commands_down_and_back) {
  if (!have_redis()) return;
  struct ev_loop *loop = ev_loop_new(0);
  gost_ctx_t *ctx;
  ck_assert_int_eq(gost_ctx_new_with_loop(&ctx, loop), 0);
  int fd = gost_test_listen_tcp(&redis_port);
  close(fd);
  redis_start();
  struct gost_redis_conf conf;
  char addr[32];
  snprintf(addr, sizeof addr, LO ":%u", redis_port);
  ck_assert_int_eq(gost__redis_conf_fill(&conf, addr, 0, NULL), 0);
  struct gost_redis *r;
  up = replies = got_null = 0;
  ck_assert_int_eq(gost__redis_new(&r, ctx, &conf, "test", on_state, NULL), 0);
  run_until(loop, &up, 1);
  ck_assert_ptr_nonnull(gost__redis_cmdv(r, on_reply, NULL, "SET", "k", "v1", NULL));
  ck_assert_ptr_nonnull(gost__redis_cmdv(r, on_reply, NULL, "GET", "k", NULL));
  run_until(loop, &replies, 2);
  ck_assert_str_eq(last, "v1");

  /* Redis dies: the client notices, and new commands fail at once (nothing is queued) */
  redis_kill();
  run_until(loop, &up, 0);
  ck_assert_ptr_null(gost__redis_cmdv(r, on_reply, NULL, "GET", "k", NULL));
  ck_assert_str_eq(gost_error_name(GOST_EUNREACH), "GOST_EUNREACH");
  ck_assert_ptr_nonnull(strstr(gost_last_error(), "not connected"));

  /* back: reconnects by itself (back-off 0.1 s doubling, max 5 s) */
  redis_start();
  run_until(loop, &up, 1);
  ck_assert_ptr_nonnull(gost__redis_cmdv(r, on_reply, NULL, "PING", NULL));
  run_until(loop, &replies, 3);
  ck_assert_str_eq(last, "PONG");

  /* a request in flight when the client is freed: dropped without its callback */
  ck_assert_ptr_nonnull(gost__redis_cmdv(r, on_reply, NULL, "PING", NULL));
  gost__redis_free(r);
  ck_assert_int_eq(replies, 3);
  redis_kill();
  gost_ctx_free(ctx);
  ev_loop_destroy(loop);
}
END_TEST

static int looked_up, found_status;
static size_t found_n;
static char found_node[64], found_addr[64];

static void on_lookup(int status, const struct gost_sd_entry *e, size_t n, void *user) {
  looked_up++;
  found_status = status;
  found_n = n;
  if (n) {
    snprintf(found_node, sizeof found_node, "%s", e[0].node);
    snprintf(found_addr, sizeof found_addr, "%s", e[0].addr);
  }
}

static void sd_state_wait(struct ev_loop *loop, gost_sd_t *sd, int want) {
  ev_tstamp end = ev_time() + 10;
  while (gost_sd_is_connected(sd) != want && ev_time() < end) ev_run(loop, EVRUN_ONCE);
  ck_assert_int_eq(gost_sd_is_connected(sd), want);
}

START_TEST(sd_register_lookup_deregister) {
  if (!have_redis()) return;
  struct ev_loop *loop = ev_loop_new(0);
  gost_ctx_t *ctx;
  ck_assert_int_eq(gost_ctx_new_with_loop(&ctx, loop), 0);
  int fd = gost_test_listen_tcp(&redis_port);
  close(fd);
  redis_start();
  char addr[32];
  snprintf(addr, sizeof addr, LO ":%u", redis_port);
  gost_sd_t *sd;
  ck_assert_int_eq(gost_sd_new(&sd, ctx, "sd-t", addr), 0);
  ck_assert_int_eq(gost_sd_set(sd, "ttl", "2s"), 0);
  ck_assert_int_eq(gost_sd_set(sd, "key", "gost:check"), 0);
  ck_assert_int_eq(gost_sd_set(sd, "ttl", "10ms"), GOST_EINVAL);
  ck_assert_int_eq(gost_sd_set(sd, "nope", "1"), GOST_EINVAL);
  ck_assert_int_eq(gost__sd_use(sd), 0);
  ck_assert_int_eq(gost_sd_free(sd), GOST_ESTATE); /* in use */
  sd_state_wait(loop, sd, 1);
  uint8_t tid[16], cid[16];
  memset(tid, 0x11, 16);
  memset(cid, 0x22, 16);
  struct gost_sd_reg *g = gost__sd_register(sd, tid, cid, 0, 7, "node-x", "127.0.0.9:8443");
  ck_assert_ptr_nonnull(g);
  looked_up = 0;
  ck_assert_ptr_nonnull(gost__sd_lookup(sd, tid, on_lookup, NULL));
  ck_assert_int_eq(looked_up, 0); /* never inside the call */
  run_until(loop, &looked_up, 1);
  ck_assert_int_eq(found_status, 0);
  ck_assert_uint_eq(found_n, 1);
  ck_assert_str_eq(found_node, "node-x");
  ck_assert_str_eq(found_addr, "127.0.0.9:8443");

  gost__sd_deregister(g);
  gost__sd_forget(sd, tid); /* the answer above is cached */
  ck_assert_ptr_nonnull(gost__sd_lookup(sd, tid, on_lookup, NULL));
  run_until(loop, &looked_up, 2);
  ck_assert_uint_eq(found_n, 0);

  /* Redis down: a lookup fails fast, later, with EUNREACH */
  redis_kill();
  sd_state_wait(loop, sd, 0);
  ev_tstamp t0 = ev_time();
  ck_assert_ptr_nonnull(gost__sd_lookup(sd, tid, on_lookup, NULL));
  ck_assert_int_eq(looked_up, 2);
  run_until(loop, &looked_up, 3);
  ck_assert_int_eq(found_status, GOST_EUNREACH);
  ck_assert(ev_time() - t0 < 0.5);

  gost__sd_unuse(sd);
  gost_ctx_free(ctx); /* frees the sd */
  ev_loop_destroy(loop);
}
END_TEST

int main(void) {
  if (!have_redis()) fprintf(stderr, "check_redis: redis-server absent, tests pass without running\n");
  Suite *s = suite_create("redis");
  TCase *tc = tcase_create("redis");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, client_commands_down_and_back);
  tcase_add_test(tc, sd_register_lookup_deregister);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
