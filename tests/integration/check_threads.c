/* The threaded paths of docs/threading.md, for `make test-tsan` (and the normal suite):
 * gost_ctx_stop from another thread while traffic flows, several contexts on several threads
 * at once (shared TLS context cache, thread-local last error), and stop before run. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "gost/gost.h"
#include "harness.h"

/* A blocking echo server on its own thread: one connection at a time until closed. */
struct echo {
  int fd;
  uint16_t port;
  pthread_t th;
};

static void *echo_main(void *arg) {
  struct echo *e = arg;
  for (;;) {
    int c = accept(e->fd, NULL, NULL);
    if (c < 0) return NULL;
    char buf[4096];
    ssize_t n;
    while ((n = read(c, buf, sizeof buf)) > 0)
      if (write(c, buf, (size_t)n) != n) break;
    close(c);
  }
}

static void echo_start(struct echo *e) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  e->fd = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_ge(e->fd, 0);
  ck_assert_int_eq(bind(e->fd, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(listen(e->fd, 16), 0);
  getsockname(e->fd, (struct sockaddr *)&a, &len);
  e->port = ntohs(a.sin_port);
  ck_assert_int_eq(pthread_create(&e->th, NULL, echo_main, e), 0);
}

static void echo_stop(struct echo *e) {
  shutdown(e->fd, SHUT_RDWR); /* wakes accept() */
  close(e->fd);
  pthread_join(e->th, NULL);
}

static int dial(uint16_t port) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct timeval tv = {5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* One round trip of n bytes through the forwarder; 1 when they come back intact. */
static int round_trip(uint16_t port, size_t n) {
  char out[2048], in[2048];
  int fd = dial(port), ok = fd >= 0;
  for (size_t i = 0; i < n; i++) out[i] = (char)(i * 7 + n);
  if (ok) ok = write(fd, out, n) == (ssize_t)n;
  size_t got = 0;
  while (ok && got < n) {
    ssize_t r = read(fd, in + got, n - got);
    if (r <= 0) ok = 0;
    else got += (size_t)r;
  }
  if (fd >= 0) close(fd);
  return ok && !memcmp(in, out, n);
}

struct runner {
  gost_ctx_t *ctx;
  pthread_t th;
  int rc;
};

static void *run_main(void *arg) {
  struct runner *r = arg;
  r->rc = gost_ctx_run(r->ctx, GOST_RUN_DEFAULT);
  return NULL;
}

/* A forwarder (optionally over TLS to itself: tls listener + tls dialer) to the echo server. */
static gost_ctx_t *forwarder(uint16_t echo_port, int tls, uint16_t *port) {
  gost_ctx_t *ctx;
  char target[64], l[160];
  ck_assert_int_eq(gost_ctx_new(&ctx), 0);
  gost_ctx_set_log_level(ctx, GOST_LOG_OFF);
  snprintf(target, sizeof target, "127.0.0.1:%u", echo_port);
  if (!tls) {
    snprintf(l, sizeof l, "tcp://127.0.0.1:0/%s", target);
    const char *L[] = {l};
    ck_assert_msg(gost_ctx_load_urls(ctx, L, 1, NULL, 0) == 0, "%s", gost_last_error());
    ck_assert_int_eq(gost_ctx_start(ctx), 0);
    *port = gost_service_port(gost_ctx_service_at(ctx, 0));
    return ctx;
  }
  /* service-1: tls relay end; service-0: plain entry forwarding through a tls hop to it */
  const char *L1[] = {"relay+tls://127.0.0.1:0"};
  ck_assert_msg(gost_ctx_load_urls(ctx, L1, 1, NULL, 0) == 0, "%s", gost_last_error());
  ck_assert_int_eq(gost_ctx_start(ctx), 0);
  char f[160];
  snprintf(l, sizeof l, "tcp://127.0.0.1:0/%s", target);
  snprintf(f, sizeof f, "relay+tls://127.0.0.1:%u", gost_service_port(gost_ctx_service_at(ctx, 0)));
  const char *L[] = {l}, *F[] = {f};
  char json[1024];
  size_t len = sizeof json;
  ck_assert_int_eq(gost_urls_to_json(L, 1, F, 1, json, &len), 0);
  /* rename so the names do not clash with the relay service already loaded */
  char *svc = strstr(json, "\"service-0\"");
  ck_assert_ptr_nonnull(svc);
  svc[9] = '9';
  ck_assert_msg(gost_ctx_load_json(ctx, json, len) == 0, "%s", gost_last_error());
  ck_assert_int_eq(gost_ctx_start(ctx), 0);
  *port = gost_service_port(gost_ctx_service(ctx, "service-9"));
  return ctx;
}

START_TEST(stop_from_another_thread_under_traffic) {
  struct echo e;
  echo_start(&e);
  for (int round = 0; round < 3; round++) {
    uint16_t port;
    struct runner r = {.ctx = forwarder(e.port, 0, &port)};
    ck_assert_int_eq(pthread_create(&r.th, NULL, run_main, &r), 0);
    for (int i = 0; i < 20; i++) ck_assert(round_trip(port, 100 + (size_t)i * 50));
    ck_assert_int_eq(gost_ctx_stop(r.ctx), 0); /* from this thread, loop on the other */
    pthread_join(r.th, NULL);
    ck_assert_int_eq(r.rc, 0);
    gost_ctx_free(r.ctx);
  }
  echo_stop(&e);
}
END_TEST

struct parallel {
  uint16_t echo_port;
  int tls, ok;
  char err[256];
};

/* Each thread owns a context and its loop, and checks its own last error. */
static void *parallel_main(void *arg) {
  struct parallel *p = arg;
  uint16_t port;
  struct runner r = {.ctx = forwarder(p->echo_port, p->tls, &port)};
  pthread_create(&r.th, NULL, run_main, &r);
  p->ok = 1;
  for (int i = 0; i < 10 && p->ok; i++) p->ok = round_trip(port, 200 + (size_t)i);
  /* gost_last_error is per thread: this thread's failure, not another's */
  const char *bad[] = {p->tls ? "nope-tls://x" : "nope://x"};
  char buf[64];
  size_t len = sizeof buf;
  if (gost_urls_to_json(bad, 1, NULL, 0, buf, &len) == 0) p->ok = 0;
  usleep(1000);
  snprintf(p->err, sizeof p->err, "%s", gost_last_error());
  gost_ctx_stop(r.ctx);
  pthread_join(r.th, NULL);
  gost_ctx_free(r.ctx);
  return NULL;
}

START_TEST(contexts_on_threads) {
  struct echo e;
  echo_start(&e);
  struct parallel p[4];
  pthread_t th[4];
  for (int i = 0; i < 4; i++) {
    p[i] = (struct parallel){.echo_port = e.port, .tls = i & 1};
    ck_assert_int_eq(pthread_create(&th[i], NULL, parallel_main, &p[i]), 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    ck_assert_msg(p[i].ok, "thread %d failed", i);
    const char *want = i & 1 ? "unknown handler \"nope-tls\"" : "unknown handler \"nope\"";
    ck_assert_msg(strstr(p[i].err, want) != NULL, "thread %d error: %s", i, p[i].err);
  }
  echo_stop(&e);
}
END_TEST

START_TEST(stop_before_run) {
  gost_ctx_t *ctx;
  ck_assert_int_eq(gost_ctx_new(&ctx), 0);
  struct runner r = {.ctx = ctx};
  ck_assert_int_eq(gost_ctx_stop(ctx), 0); /* the pending stop ends the next run at once */
  ck_assert_int_eq(pthread_create(&r.th, NULL, run_main, &r), 0);
  pthread_join(r.th, NULL);
  ck_assert_int_eq(r.rc, 0);
  gost_ctx_free(ctx);
}
END_TEST

/* The Python binding's pattern (Context.run_in_thread / stop / inspect), in C because the
 * interpreter cannot run under a preloaded TSan: a tunnel server and a tunnel client, each loop
 * on its own thread; callbacks (log, tunnel state) run on the loop threads and hand results to
 * the main thread under a lock, as the GIL would; the main thread stops both and then reads the
 * connector list. */
struct shared {
  pthread_mutex_t mu;
  int registered, log_lines;
};

static void on_log(gost_ctx_t *ctx, int level, const char *json, void *user) {
  struct shared *sh = user;
  pthread_mutex_lock(&sh->mu);
  sh->log_lines++;
  pthread_mutex_unlock(&sh->mu);
}

static void on_state(gost_tunnel_t *t, int state, const char *detail, void *user) {
  struct shared *sh = user;
  pthread_mutex_lock(&sh->mu);
  if (state == GOST_TUNNEL_REGISTERED) sh->registered = 1;
  pthread_mutex_unlock(&sh->mu);
}

static int registered(struct shared *sh) {
  pthread_mutex_lock(&sh->mu);
  int r = sh->registered;
  pthread_mutex_unlock(&sh->mu);
  return r;
}

static void count_connector(const char *tid, const char *cid, int udp, int weight, uint64_t streams,
                            uint64_t in, uint64_t out, void *user) {
  ++*(int *)user;
}

START_TEST(python_pattern) {
  struct shared sh = {.mu = PTHREAD_MUTEX_INITIALIZER};
  struct echo e;
  echo_start(&e);
  gost_ctx_t *server, *client;
  ck_assert_int_eq(gost_ctx_new(&server), 0);
  ck_assert_int_eq(gost_ctx_new(&client), 0);
  gost_ctx_set_log_cb(server, GOST_LOG_INFO, on_log, &sh);
  gost_ctx_set_log_cb(client, GOST_LOG_INFO, on_log, &sh);
  const char *L[] = {"tunnel://127.0.0.1:0?tunnel=.example.com:4d21094e-b74c-4916-86c1-d9fa36ea677b"};
  ck_assert_int_eq(gost_ctx_load_urls(server, L, 1, NULL, 0), 0);
  ck_assert_int_eq(gost_ctx_start(server), 0);
  gost_service_t *svc = gost_ctx_service_at(server, 0);
  char url[64], target[32];
  snprintf(url, sizeof url, "tunnel://127.0.0.1:%u", gost_service_port(svc));
  snprintf(target, sizeof target, "127.0.0.1:%u", e.port);
  gost_tunnel_t *t;
  ck_assert_int_eq(gost_tunnel_new(&t, client, url, "4d21094e-b74c-4916-86c1-d9fa36ea677b", ":0"), 0);
  ck_assert_int_eq(gost_tunnel_add_target(t, target, NULL), 0);
  ck_assert_int_eq(gost_tunnel_set_state_cb(t, on_state, &sh), 0);
  ck_assert_int_eq(gost_tunnel_start(t), 0);
  struct runner rs = {.ctx = server}, rc = {.ctx = client};
  ck_assert_int_eq(pthread_create(&rs.th, NULL, run_main, &rs), 0);
  ck_assert_int_eq(pthread_create(&rc.th, NULL, run_main, &rc), 0);
  for (int i = 0; i < 500 && !registered(&sh); i++) usleep(10000);
  ck_assert(registered(&sh));
  gost_ctx_stop(client);
  gost_ctx_stop(server);
  pthread_join(rc.th, NULL);
  pthread_join(rs.th, NULL);
  int n = 0;
  ck_assert_int_ge(gost_service_foreach_connector(svc, count_connector, &n), 0);
  ck_assert_int_eq(n, 1);
  pthread_mutex_lock(&sh.mu);
  ck_assert_int_gt(sh.log_lines, 0);
  pthread_mutex_unlock(&sh.mu);
  gost_tunnel_free(t);
  gost_ctx_free(client);
  gost_ctx_free(server);
  echo_stop(&e);
}
END_TEST

int main(void) {
  Suite *s = suite_create("threads");
  TCase *tc = tcase_create("threads");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, stop_from_another_thread_under_traffic);
  tcase_add_test(tc, contexts_on_threads);
  tcase_add_test(tc, stop_before_run);
  tcase_add_test(tc, python_pattern);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
