/* TCP and UDP local port forwarding over loopback, each scenario on an owned ctx and on a
 * borrowed loop. The loop must end by itself once the services are stopped. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gost/ctx.h"
#include "harness.h"
#include "io/udpflow.h"

/* ---- running a scenario on either kind of loop ---- */

struct env {
  gost_ctx_t *ctx;
  struct ev_loop *loop;
  struct ev_loop *borrowed;
  ev_timer watchdog;
};

static void env_open(struct env *e, int borrowed) {
  memset(e, 0, sizeof *e);
  if (borrowed) {
    e->borrowed = ev_loop_new(EVFLAG_AUTO);
    ck_assert_int_eq(gost_ctx_new_with_loop(&e->ctx, e->borrowed), 0);
  } else {
    ck_assert_int_eq(gost_ctx_new(&e->ctx), 0);
  }
  e->loop = gost_ctx_loop(e->ctx);
}

static void env_run(struct env *e) {
  if (e->borrowed) ev_run(e->loop, 0);
  else ck_assert_int_eq(gost_ctx_run(e->ctx, GOST_RUN_DEFAULT), 0);
}

static void env_close(struct env *e) {
  gost_ctx_free(e->ctx);
  if (e->borrowed) ev_loop_destroy(e->borrowed);
}

static int connect_local(uint16_t port, int type) {
  int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0); /* blocking connect, then nonblocking */
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
  return fd;
}

static char *target(char *buf, size_t cap, const char *host, uint16_t port) {
  snprintf(buf, cap, "%s:%u", host, (unsigned)port);
  return buf;
}

/* ---- a TCP client streaming pseudo-random bytes and hashing both ways ---- */

struct client {
  struct env *env;
  gost_service_t *svc;
  struct gost_test_echo *echo;
  int fd;
  ev_io io;
  uint64_t total, sent, recvd;
  uint64_t rng;
  int half_close; /* send all, then SHUT_WR, then read everything */
  int shut, eof;
  EVP_MD_CTX *h_out, *h_in;
  char chunk[65536];
  size_t chunk_len, chunk_off;
};

static void fill(struct client *c) {
  size_t n = sizeof c->chunk;
  if (n > c->total - c->sent) n = (size_t)(c->total - c->sent);
  for (size_t i = 0; i < n; i += 8) {
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    memcpy(c->chunk + i, &c->rng, n - i < 8 ? n - i : 8);
  }
  EVP_DigestUpdate(c->h_out, c->chunk, n);
  c->chunk_len = n;
  c->chunk_off = 0;
}

static void client_finish(struct client *c) {
  ev_io_stop(c->env->loop, &c->io);
  gost_test_watchdog_stop(c->env->loop, &c->env->watchdog);
  /* Stopping the service and the echo server must leave the loop with nothing to do. */
  gost_test_service_free(c->svc);
  c->svc = NULL;
  gost_test_echo_stop(c->echo);
  c->echo = NULL;
}

static void on_client(struct ev_loop *loop, ev_io *w, int revents) {
  (void)loop;
  struct client *c = w->data;
  if (revents & EV_WRITE) {
    if (c->chunk_off == c->chunk_len && c->sent < c->total) fill(c);
    if (c->chunk_off < c->chunk_len) {
      ssize_t n = send(c->fd, c->chunk + c->chunk_off, c->chunk_len - c->chunk_off, MSG_NOSIGNAL);
      if (n > 0) {
        c->chunk_off += (size_t)n;
        c->sent += (uint64_t)n;
      }
    }
    if (c->sent == c->total && c->chunk_off == c->chunk_len && !c->shut) {
      shutdown(c->fd, SHUT_WR);
      c->shut = 1;
    }
  }
  if (revents & EV_READ) {
    char buf[65536];
    ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n > 0) {
      EVP_DigestUpdate(c->h_in, buf, (size_t)n);
      c->recvd += (uint64_t)n;
    } else if (n == 0) {
      c->eof = 1;
    } else {
      ck_assert_msg(errno == EAGAIN, "client recv: %s", strerror(errno));
    }
  }
  if (c->eof) {
    client_finish(c);
    return;
  }
  int ev = EV_READ | (c->shut ? 0 : EV_WRITE);
  if (ev != (c->io.events & (EV_READ | EV_WRITE))) {
    ev_io_stop(loop, w);
    ev_io_set(w, c->fd, ev);
    ev_io_start(loop, w);
  }
}

static void run_tcp(int borrowed, uint64_t total, int defer, const char *host, int dead_first) {
  struct env env;
  env_open(&env, borrowed);
  struct client c;
  memset(&c, 0, sizeof c);
  c.env = &env;
  c.total = total;
  c.rng = 0x9E3779B97F4A7C15ull;
  c.h_out = EVP_MD_CTX_new();
  c.h_in = EVP_MD_CTX_new();
  EVP_DigestInit_ex(c.h_out, EVP_sha256(), NULL);
  EVP_DigestInit_ex(c.h_in, EVP_sha256(), NULL);
  uint16_t eport;
  char t[64];
  c.echo = gost_test_echo_start(env.loop, 0, defer, &eport);
  char dead[64];
  uint16_t dport;
  int dfd = gost_test_listen_tcp(&dport);
  close(dfd); /* a port nobody listens on: the dial fails and the next node is tried */
  const char *nodes[] = {target(dead, sizeof dead, "127.0.0.1", dport),
                         target(t, sizeof t, host, eport), NULL};
  c.svc = gost_test_service(env.ctx, "tcp", "tcp", "127.0.0.1:0", nodes + !dead_first, NULL);
  ck_assert_int_ne(c.svc->port, 0);
  c.fd = connect_local(c.svc->port, SOCK_STREAM);
  ev_io_init(&c.io, on_client, c.fd, EV_READ | EV_WRITE);
  c.io.data = &c;
  ev_io_start(env.loop, &c.io);
  gost_test_watchdog_start(env.loop, &env.watchdog, 120., "tcp forward stalled");
  env_run(&env);
  ck_assert_ptr_null(c.svc); /* the loop ended because the scenario finished */
  ck_assert_uint_eq(c.sent, total);
  ck_assert_uint_eq(c.recvd, total);
  unsigned char a[32], b[32];
  unsigned la, lb;
  EVP_DigestFinal_ex(c.h_out, a, &la);
  EVP_DigestFinal_ex(c.h_in, b, &lb);
  ck_assert_mem_eq(a, b, 32);
  EVP_MD_CTX_free(c.h_out);
  EVP_MD_CTX_free(c.h_in);
  close(c.fd);
  env_close(&env);
}

static uint64_t big_size(void) {
  const char *s = getenv("GOST_TEST_FORWARD_MB");
  return (uint64_t)(s ? atoi(s) : 64) << 20;
}

START_TEST(tcp_64mib) { run_tcp(_i, big_size(), 0, "127.0.0.1", 0); }
END_TEST

START_TEST(tcp_half_close) { run_tcp(_i, 3 << 20, 1, "127.0.0.1", 0); }
END_TEST

START_TEST(tcp_resolved_target) { run_tcp(_i, 1 << 20, 0, "localhost", 0); }
END_TEST

START_TEST(tcp_retry_next_node) { run_tcp(_i, 1 << 20, 0, "127.0.0.1", 1); }
END_TEST

/* ---- UDP ---- */

struct udp_case {
  struct env *env;
  gost_service_t *svc;
  struct gost_test_echo *echo;
  int fd;
  ev_io io;
  ev_timer step;
  int keepalive;
  int sent, got, phase;
  size_t max_flows;
  double t_quiet; /* when the last datagram was echoed */
};

static void udp_send(struct udp_case *u) {
  char msg[32];
  int n = snprintf(msg, sizeof msg, "datagram-%d", u->sent++);
  ck_assert_int_eq(send(u->fd, msg, (size_t)n, 0), n);
}

static size_t flows(struct udp_case *u) { return gost__udpflow_count(u->svc->listener_state); }

static void udp_finish(struct udp_case *u) {
  ev_io_stop(u->env->loop, &u->io);
  ev_timer_stop(u->env->loop, &u->step);
  gost_test_watchdog_stop(u->env->loop, &u->env->watchdog);
  gost_test_service_free(u->svc);
  u->svc = NULL;
  gost_test_echo_stop(u->echo);
  u->echo = NULL;
}

static void on_udp_reply(struct ev_loop *loop, ev_io *w, int revents) {
  (void)revents;
  struct udp_case *u = w->data;
  char buf[64], want[32];
  ssize_t n = recv(u->fd, buf, sizeof buf - 1, 0);
  if (n < 0) return;
  buf[n] = '\0';
  snprintf(want, sizeof want, "datagram-%d", u->got++);
  ck_assert_str_eq(buf, want);
  if (u->got < 3) {
    udp_send(u);
    return;
  }
  u->t_quiet = ev_now(loop);
  ev_timer_set(&u->step, 0.05, 0.05);
  ev_timer_start(loop, &u->step);
}

/* Polls the flow table after the exchange. */
static void on_udp_step(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)revents;
  struct udp_case *u = w->data;
  double quiet = ev_now(loop) - u->t_quiet;
  size_t n = flows(u);
  if (!u->keepalive) {
    /* Each datagram was its own flow, ended by its reply. */
    if (n == 0) udp_finish(u);
    return;
  }
  if (quiet < 0.15) ck_assert_uint_eq(n, 1); /* still alive inside one ttl (0.3 s) */
  if (n == 0) {
    ck_assert_msg(quiet >= 0.25 && quiet <= 1.0, "flow closed after %.2f s idle", quiet);
    udp_finish(u);
  }
}

static void run_udp(int borrowed, int keepalive) {
  struct env env;
  env_open(&env, borrowed);
  struct udp_case u;
  memset(&u, 0, sizeof u);
  u.env = &env;
  u.keepalive = keepalive;
  uint16_t eport;
  char t[64];
  u.echo = gost_test_echo_start(env.loop, 1, 0, &eport);
  const char *nodes[] = {target(t, sizeof t, "127.0.0.1", eport), NULL};
  const char *meta[] = {"keepalive", keepalive ? "true" : "false", "TTL", "300ms", NULL};
  u.svc = gost_test_service(env.ctx, "udp", "udp", "127.0.0.1:0", nodes, meta);
  u.fd = connect_local(u.svc->port, SOCK_DGRAM);
  ev_io_init(&u.io, on_udp_reply, u.fd, EV_READ);
  u.io.data = &u;
  ev_io_start(env.loop, &u.io);
  ev_init(&u.step, on_udp_step);
  u.step.data = &u;
  gost_test_watchdog_start(env.loop, &env.watchdog, 20., "udp forward stalled");
  udp_send(&u);
  env_run(&env);
  ck_assert_ptr_null(u.svc);
  ck_assert_int_eq(u.got, 3);
  close(u.fd);
  env_close(&env);
}

START_TEST(udp_oneshot) { run_udp(_i, 0); }
END_TEST

START_TEST(udp_keepalive_ttl) { run_udp(_i, 1); }
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("forward");
  TCase *tc = tcase_create("tcp");
  tcase_set_timeout(tc, 240);
  /* _i = 0: owned ctx, 1: borrowed loop */
  tcase_add_loop_test(tc, tcp_64mib, 0, 2);
  tcase_add_loop_test(tc, tcp_half_close, 0, 2);
  tcase_add_loop_test(tc, tcp_resolved_target, 0, 2);
  tcase_add_loop_test(tc, tcp_retry_next_node, 0, 2);
  suite_add_tcase(s, tc);
  tc = tcase_create("udp");
  tcase_set_timeout(tc, 30);
  tcase_add_loop_test(tc, udp_oneshot, 0, 2);
  tcase_add_loop_test(tc, udp_keepalive_ttl, 0, 2);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return gost_test_run(suite());
}
