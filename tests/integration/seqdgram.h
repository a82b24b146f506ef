/* Numbered datagrams through a relay (header-only, static): a sender connected to the relay's
 * UDP port and a sink it forwards to, both on the test's loop. Each datagram carries its
 * sequence number, its length and a payload derived from both, so the sink checks content and
 * order of every one; gaps are losses. The sender keeps one datagram in flight until the first
 * arrives (the relay's flow is set up), then at most SQ_WINDOW (the sockets' buffers cannot
 * overflow in a healthy relay), and counts the ones still missing
 * after SQ_STALL seconds without progress as lost, so a run ends in bounded time either way. */
#ifndef GOST_TEST_SEQDGRAM_H
#define GOST_TEST_SEQDGRAM_H

#include <arpa/inet.h>
#include <check.h>
#include <ev.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SQ_WINDOW 256
#define SQ_STALL 0.5
#define SQ_MAX 65000

struct sq_run {
  int n;                      /* datagrams to send */
  size_t (*size_of)(int seq); /* length of datagram seq (>= 8) */
  int tx, rx;                 /* sockets: sender (connected to the relay), sink (bound) */
  uint16_t sink_port;
  ev_io rio;
  ev_timer tick;
  int sent, got, lost; /* lost: declared after a stall */
  int64_t last;        /* last sequence number received */
  int done;
  double progress_at;
};

static void sq_fill(uint8_t *p, int seq, size_t len) {
  uint32_t s = (uint32_t)seq, l = (uint32_t)len;
  memcpy(p, &s, 4);
  memcpy(p + 4, &l, 4);
  for (size_t i = 8; i < len; i++) p[i] = (uint8_t)(seq * 31 + (int)i);
}

static void sq_pump(struct ev_loop *loop, struct sq_run *r) {
  static uint8_t buf[SQ_MAX];
  /* one datagram until the first arrives: the relay's flow (and its dial) exists then */
  int window = r->got ? SQ_WINDOW : 1;
  while (r->sent < r->n && r->sent - r->got - r->lost < window) {
    size_t len = r->size_of(r->sent);
    sq_fill(buf, r->sent, len);
    ssize_t k = send(r->tx, buf, len, 0);
    if (k < 0) break; /* EAGAIN: the tick retries */
    ck_assert_int_eq(k, (ssize_t)len);
    r->sent++;
  }
  if (r->got + r->lost >= r->n) {
    r->done = 1;
    ev_break(loop, EVBREAK_ONE);
  }
}

static void sq_on_sink(struct ev_loop *loop, ev_io *w, int revents) {
  (void)revents;
  struct sq_run *r = w->data;
  static uint8_t buf[SQ_MAX + 1];
  ssize_t k;
  while ((k = recv(r->rx, buf, sizeof buf, 0)) >= 0) {
    ck_assert_int_ge(k, 8);
    uint32_t seq, len;
    memcpy(&seq, buf, 4);
    memcpy(&len, buf + 4, 4);
    ck_assert_msg((size_t)k == len, "datagram %u: %zd bytes, sent %u", seq, k, len);
    ck_assert_msg((int64_t)seq > r->last, "datagram %u after %lld: out of order or twice", seq,
                  (long long)r->last);
    ck_assert_uint_eq(len, r->size_of((int)seq));
    for (size_t i = 8; i < len; i++)
      if (buf[i] != (uint8_t)((int)seq * 31 + (int)i)) ck_abort_msg("datagram %u: byte %zu differs", seq, i);
    r->last = seq;
    r->got++;
    r->progress_at = ev_now(loop);
  }
  sq_pump(loop, r);
}

static void sq_on_tick(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)revents;
  struct sq_run *r = w->data;
  if (ev_now(loop) - r->progress_at > SQ_STALL && r->sent > r->got + r->lost) {
    r->lost = r->sent - r->got; /* still missing after a stall: lost on the way */
    r->progress_at = ev_now(loop);
  }
  sq_pump(loop, r);
}

/* The sink: bound to 127.0.0.1:0 with a large buffer; sets r->sink_port. */
static void sq_sink_open(struct sq_run *r) {
  memset(r, 0, sizeof *r);
  r->rx = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int sz = 4 << 20;
  setsockopt(r->rx, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  ck_assert_int_eq(bind(r->rx, (struct sockaddr *)&a, sizeof a), 0);
  socklen_t l = sizeof a;
  getsockname(r->rx, (struct sockaddr *)&a, &l);
  r->sink_port = ntohs(a.sin_port);
  r->last = -1;
}

/* Sends n datagrams to the relay at port and runs the loop until every one arrived or was
 * declared lost (or secs passed: a failure). */
static void sq_run(struct ev_loop *loop, struct sq_run *r, uint16_t port, int n,
                   size_t (*size_of)(int), double secs) {
  r->n = n;
  r->size_of = size_of;
  r->tx = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int sz = 4 << 20;
  setsockopt(r->tx, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                          .sin_port = htons(port)};
  ck_assert_int_eq(connect(r->tx, (struct sockaddr *)&a, sizeof a), 0);
  ev_io_init(&r->rio, sq_on_sink, r->rx, EV_READ);
  r->rio.data = r;
  ev_io_start(loop, &r->rio);
  ev_timer_init(&r->tick, sq_on_tick, 0.001, 0.001);
  r->tick.data = r;
  ev_timer_start(loop, &r->tick);
  r->progress_at = ev_now(loop);
  double end = ev_time() + secs;
  while (!r->done && ev_time() < end) ev_run(loop, EVRUN_ONCE);
  ev_io_stop(loop, &r->rio);
  ev_timer_stop(loop, &r->tick);
  close(r->tx);
  close(r->rx);
  ck_assert_msg(r->done, "%d of %d datagrams arrived in %.0f s (%d lost)", r->got, n, secs, r->lost);
}

#endif
