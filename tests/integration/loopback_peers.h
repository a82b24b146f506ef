/* Loopback peers for the tunnel tests (header-only, static): listeners on 127.0.0.1:0,
 * TCP backends that answer "<tag>:" + data (or a fixed HTTP response), a UDP echo that
 * answers "U:" + data, and a loop spinner with a deadline. */
#ifndef GOST_TEST_LOOPBACK_PEERS_H
#define GOST_TEST_LOOPBACK_PEERS_H

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ev.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int lp_listen(int type, uint16_t *port) {
  int fd = socket(AF_INET, type | SOCK_NONBLOCK, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  if (type == SOCK_STREAM) ck_assert_int_eq(listen(fd, 16), 0);
  socklen_t l = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &l);
  *port = ntohs(a.sin_port);
  return fd;
}

static void lp_write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n) {
    ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EAGAIN) continue;
    ck_assert_int_gt(w, 0);
    c += w;
    n -= (size_t)w;
  }
}

#define LP_MAX_CONNS 16

struct lp_backend {
  ev_io lw;
  char tag; /* 'H': HTTP 200 "hello" to any request head */
  int conns;
  ev_io *live[LP_MAX_CONNS]; /* open connections, closed by lp_backend_stop */
};

static void lp_be_close(struct ev_loop *l, struct lp_backend *b, ev_io *w) {
  for (int i = 0; i < LP_MAX_CONNS; i++)
    if (b->live[i] == w) b->live[i] = NULL;
  ev_io_stop(l, w);
  close(w->fd);
  free(w);
}

static void lp_be_read(struct ev_loop *l, ev_io *w, int ev) {
  (void)ev;
  struct lp_backend *b = w->data;
  char buf[4096];
  buf[0] = b->tag;
  buf[1] = ':';
  ssize_t n = recv(w->fd, buf + 2, sizeof buf - 2, 0);
  if (n < 0 && errno == EAGAIN) return;
  if (n > 0 && b->tag == 'H') {
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
    lp_write_all(w->fd, resp, sizeof resp - 1);
    n = 0; /* close after answering */
  } else if (n > 0) {
    lp_write_all(w->fd, buf, (size_t)n + 2);
    return;
  }
  lp_be_close(l, b, w);
}

static void lp_be_accept(struct ev_loop *l, ev_io *w, int ev) {
  (void)ev;
  struct lp_backend *b = w->data;
  int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK);
  if (fd < 0) return;
  b->conns++;
  ev_io *c = malloc(sizeof *c);
  ev_io_init(c, lp_be_read, fd, EV_READ);
  c->data = b;
  ev_io_start(l, c);
  for (int i = 0; i < LP_MAX_CONNS; i++)
    if (!b->live[i]) {
      b->live[i] = c;
      break;
    }
}

static void lp_udp_echo(struct ev_loop *l, ev_io *w, int ev) {
  (void)l;
  (void)ev;
  struct lp_backend *b = w->data;
  char buf[2048] = "U:";
  struct sockaddr_storage from;
  socklen_t fl = sizeof from;
  ssize_t n = recvfrom(w->fd, buf + 2, sizeof buf - 2, 0, (struct sockaddr *)&from, &fl);
  if (n > 0) {
    b->conns++;
    sendto(w->fd, buf, (size_t)n + 2, 0, (struct sockaddr *)&from, fl);
  }
}

/* Returns the port; the backend lives on loop until lp_backend_stop. */
static uint16_t lp_backend_start(struct ev_loop *loop, struct lp_backend *b, char tag, int udp) {
  uint16_t port;
  int fd = lp_listen(udp ? SOCK_DGRAM : SOCK_STREAM, &port);
  memset(b, 0, sizeof *b);
  b->tag = tag;
  ev_io_init(&b->lw, udp ? lp_udp_echo : lp_be_accept, fd, EV_READ);
  b->lw.data = b;
  ev_io_start(loop, &b->lw);
  return port;
}

static void lp_backend_stop(struct ev_loop *loop, struct lp_backend *b) {
  if (!b->lw.data) return; /* never started */
  for (int i = 0; i < LP_MAX_CONNS; i++)
    if (b->live[i]) lp_be_close(loop, b, b->live[i]);
  ev_io_stop(loop, &b->lw);
  close(b->lw.fd);
  b->lw.data = NULL;
}

static void lp_tick(struct ev_loop *l, ev_timer *w, int ev) {
  (void)l;
  (void)w;
  (void)ev;
}

/* Runs the loop until *flag becomes nonzero or secs pass; returns *flag. */
static int lp_spin(struct ev_loop *loop, const int *flag, double secs) {
  ev_timer tick;
  ev_timer_init(&tick, lp_tick, 0.01, 0.01); /* ONCE never blocks longer than this */
  ev_timer_start(loop, &tick);
  double end = ev_time() + secs;
  while (!*flag && ev_time() < end) ev_run(loop, EVRUN_ONCE);
  ev_timer_stop(loop, &tick);
  return *flag;
}

/* A non-blocking client socket connected to 127.0.0.1:port (type SOCK_STREAM or SOCK_DGRAM). */
__attribute__((unused)) static int lp_connect(int type, uint16_t port) {
  int fd = socket(AF_INET, type, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                          .sin_port = htons(port)};
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  fcntl(fd, F_SETFL, O_NONBLOCK);
  return fd;
}

/* Reads fd until `want` appears (or the peer closes), spinning the loop. */
__attribute__((unused)) static int lp_recv_until(struct ev_loop *loop, int fd, char *buf, size_t cap, const char *want,
                         double secs) {
  size_t n = 0;
  double end = ev_time() + secs;
  buf[0] = '\0';
  while (ev_time() < end) {
    ssize_t k = recv(fd, buf + n, cap - 1 - n, 0);
    if (k > 0) {
      n += (size_t)k;
      buf[n] = '\0';
      if (strstr(buf, want)) return 1;
    } else if (k == 0) {
      return strstr(buf, want) != NULL;
    }
    int never = 0;
    lp_spin(loop, &never, 0.01);
  }
  return 0;
}

#endif
