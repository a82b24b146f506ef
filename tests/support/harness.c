#include "harness.h"

#include <arpa/inet.h>
#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/meta.h"

int gost_test_run(Suite *s) {
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

size_t gost_test_hex(const char *hex, uint8_t *out, size_t cap) {
  size_t n = 0;
  int hi = -1;
  for (; *hex && n < cap; hex++) {
    if (!isxdigit((unsigned char)*hex)) continue;
    int v = isdigit((unsigned char)*hex) ? *hex - '0' : (tolower((unsigned char)*hex) - 'a' + 10);
    if (hi < 0) hi = v;
    else {
      out[n++] = (uint8_t)(hi << 4 | v);
      hi = -1;
    }
  }
  return n;
}

static int bind_local(int type, uint16_t *port) {
  int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  ck_assert_int_ge(fd, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  socklen_t len = sizeof a;
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  *port = ntohs(a.sin_port);
  return fd;
}

int gost_test_listen_tcp(uint16_t *port) {
  int fd = bind_local(SOCK_STREAM, port);
  ck_assert_int_eq(listen(fd, 128), 0);
  return fd;
}

int gost_test_bind_udp(uint16_t *port) { return bind_local(SOCK_DGRAM, port); }

/* ---- echo servers ---- */

#define ECHO_CAP (8 * 1024 * 1024)

struct echo_conn {
  struct gost_test_echo *e;
  struct echo_conn *next;
  int fd;
  ev_io io;
  char *buf;
  size_t off, len; /* pending bytes buf[off..len) */
  int eof;
};

struct gost_test_echo {
  struct ev_loop *loop;
  int fd, udp, defer;
  ev_io io;
  struct echo_conn *conns;
};

static void conn_free(struct echo_conn *c) {
  struct echo_conn **pp = &c->e->conns;
  while (*pp != c) pp = &(*pp)->next;
  *pp = c->next;
  ev_io_stop(c->e->loop, &c->io);
  close(c->fd);
  free(c->buf);
  free(c);
}

static void conn_update(struct echo_conn *c) {
  int ev = 0;
  if (!c->eof && c->len < ECHO_CAP) ev |= EV_READ;
  if (c->len > c->off && (!c->e->defer || c->eof)) ev |= EV_WRITE;
  ev_io_stop(c->e->loop, &c->io);
  if (!ev) return;
  ev_io_set(&c->io, c->fd, ev);
  ev_io_start(c->e->loop, &c->io);
}

static void on_conn(struct ev_loop *loop, ev_io *w, int revents) {
  (void)loop;
  struct echo_conn *c = w->data;
  if (revents & EV_READ) {
    ssize_t n = read(c->fd, c->buf + c->len, ECHO_CAP - c->len);
    if (n > 0) c->len += (size_t)n;
    else if (n == 0 || (errno != EAGAIN && errno != EINTR)) c->eof = 1;
  }
  if ((revents & EV_WRITE) && c->len > c->off) {
    ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
    if (n > 0) c->off += (size_t)n;
    else if (n < 0 && errno != EAGAIN && errno != EINTR) {
      conn_free(c);
      return;
    }
    if (c->off == c->len && !c->e->defer) c->off = c->len = 0;
  }
  if (c->eof && c->off == c->len) {
    conn_free(c); /* everything echoed: close (the client sees EOF) */
    return;
  }
  conn_update(c);
}

static void on_echo_accept(struct ev_loop *loop, ev_io *w, int revents) {
  (void)loop;
  (void)revents;
  struct gost_test_echo *e = w->data;
  int fd = accept4(e->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  struct echo_conn *c = calloc(1, sizeof *c);
  c->buf = malloc(ECHO_CAP);
  c->e = e;
  c->fd = fd;
  c->next = e->conns;
  e->conns = c;
  ev_init(&c->io, on_conn);
  c->io.data = c;
  conn_update(c);
}

static void on_echo_udp(struct ev_loop *loop, ev_io *w, int revents) {
  (void)loop;
  (void)revents;
  struct gost_test_echo *e = w->data;
  char buf[65536];
  struct sockaddr_storage from;
  socklen_t len = sizeof from;
  ssize_t n;
  while ((n = recvfrom(e->fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &len)) >= 0) {
    sendto(e->fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
    len = sizeof from;
  }
}

struct gost_test_echo *gost_test_echo_start(struct ev_loop *loop, int udp, int defer, uint16_t *port) {
  struct gost_test_echo *e = calloc(1, sizeof *e);
  e->loop = loop;
  e->udp = udp;
  e->defer = defer;
  e->fd = udp ? gost_test_bind_udp(port) : gost_test_listen_tcp(port);
  ev_io_init(&e->io, udp ? on_echo_udp : on_echo_accept, e->fd, EV_READ);
  e->io.data = e;
  ev_io_start(loop, &e->io);
  return e;
}

void gost_test_echo_stop(struct gost_test_echo *e) {
  if (!e) return;
  while (e->conns) conn_free(e->conns);
  ev_io_stop(e->loop, &e->io);
  close(e->fd);
  free(e);
}

/* ---- watchdog ---- */

static void on_watchdog(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop;
  (void)revents;
  ck_abort_msg("watchdog: %s", (const char *)w->data);
}

void gost_test_watchdog_start(struct ev_loop *loop, ev_timer *t, double secs, const char *msg) {
  ev_timer_init(t, on_watchdog, secs, 0.);
  t->data = (void *)msg;
  ev_timer_start(loop, t);
}

void gost_test_watchdog_stop(struct ev_loop *loop, ev_timer *t) { ev_timer_stop(loop, t); }

/* ---- hand-built services ---- */

gost_service_t *gost_test_service(gost_ctx_t *ctx, const char *listener, const char *handler,
                                  const char *addr, const char *const *nodes,
                                  const char *const *meta_kv) {
  gost_service_t *svc = calloc(1, sizeof *svc);
  svc->ctx = ctx;
  svc->name = strdup("test");
  svc->addr = strdup(addr);
  svc->listener = gost__listener_find(listener);
  svc->handler = gost__handler_find(handler);
  ck_assert_ptr_nonnull(svc->listener);
  ck_assert_ptr_nonnull(svc->handler);
  svc->handler_meta = json_object();
  svc->listener_meta = json_object();
  svc->service_meta = json_object();
  for (size_t i = 0; meta_kv && meta_kv[i]; i += 2)
    gost__meta_set(svc->service_meta, meta_kv[i], meta_kv[i + 1]);
  size_t n = 0;
  while (nodes && nodes[n]) n++;
  svc->nodes = calloc(n ? n : 1, sizeof *svc->nodes);
  for (size_t i = 0; i < n; i++) {
    struct gost_node *nd = calloc(1, sizeof *nd);
    nd->addr = strdup(nodes[i]);
    nd->meta = json_object();
    svc->nodes[i] = nd;
  }
  svc->nnodes = n;
  ck_assert_int_eq(svc->handler->start(svc), 0);
  ck_assert_int_eq(svc->listener->start(svc), 0);
  svc->running = 1;
  return svc;
}

void gost_test_service_free(gost_service_t *svc) {
  if (!svc) return;
  if (svc->running) {
    svc->listener->stop(svc);
    svc->handler->stop(svc);
  }
  for (size_t i = 0; i < svc->nnodes; i++) {
    free(svc->nodes[i]->addr);
    json_decref(svc->nodes[i]->meta);
    free(svc->nodes[i]);
  }
  free(svc->nodes);
  json_decref(svc->handler_meta);
  json_decref(svc->listener_meta);
  json_decref(svc->service_meta);
  free(svc->name);
  free(svc->addr);
  free(svc);
}
