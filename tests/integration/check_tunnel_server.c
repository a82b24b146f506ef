/* Tunnel server against a hand-written stock-like client: raw sockets speaking the exact
 * bytes of wire-spec §15, the smux codec machine as acceptor, curl as the public user.
 * Everything runs in one thread: helpers spin the library's loop while they wait. */
#include <check.h>
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gost/gost.h"
#include "../support/harness.h"
#include "api/api_int.h"
#include "mux/smux.h"
#include "harness.h"

extern char **environ;

#define TID "4d21094e-b74c-4916-86c1-d9fa36ea677b"
#define TID_OTHER "aede1f6a-762b-45da-b937-b6632356555a"
#define BIND_HEX                                                                                \
  "01 02 00 28 02 00 07 01 c0 a8 01 0a d0 ae 02 00 04 03 00 00 00"                              \
  " 03 00 14 4d 21 09 4e b7 4c 49 16 86 c1 d9 fa 36 ea 67 7b 00 00 00 01"

static gost_ctx_t *ctx;
static gost_service_t *svc;
static gost_ingress_t *ing;
static uint16_t tport, eport;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- fake stock client: relay BIND + smux v2 acceptor answering HTTP ---- */

struct fstream {
  uint32_t sid;
  size_t got;
  char data[8192];
  int answered, upgraded;
  size_t total, hdr_end, big_left; /* stream bytes seen; where the body starts; to send */
};

#define BIG (3u * 1000 * 1000)

struct fclient {
  int fd;
  struct gost_smux *mx;
  uint8_t log[4096]; /* first bytes received after the BIND reply */
  size_t nlog;
  uint8_t reply[256];
  size_t nreply, reply_need;
  struct fstream st[8];
  int syns, answered, dead;
  uint8_t first[2048]; /* first bytes of the latest stream (header + payload) */
  size_t nfirst;
};

static void pump_out(struct fclient *c) {
  size_t n;
  const uint8_t *p;
  while (!c->dead && (p = gost__smux_peek_out(c->mx, &n)) && n) {
    ssize_t k = send(c->fd, p, n, MSG_NOSIGNAL);
    if (k <= 0) break;
    gost__smux_consume_out(c->mx, (size_t)k);
  }
}

static struct fstream *fs_find(struct fclient *c, uint32_t sid) {
  for (int i = 0; i < 8; i++)
    if (c->st[i].sid == sid) return &c->st[i];
  return NULL;
}

static int fc_open(struct gost_smux *s, uint32_t sid, void *user) {
  struct fclient *c = user;
  struct fstream *f = fs_find(c, 0);
  c->syns++;
  if (!f) return 1;
  memset(f, 0, sizeof *f);
  f->sid = sid;
  c->nfirst = 0;
  return 0;
}

/* Sends as much of a big download as the window allows; closes when done. */
static void fc_push(struct gost_smux *s, struct fstream *f) {
  static const uint8_t chunk[32768];
  while (f->big_left) {
    size_t k = f->big_left < sizeof chunk ? f->big_left : sizeof chunk;
    ssize_t w = gost__smux_write(s, f->sid, chunk, k);
    if (w <= 0) return; /* window or output bound: on_stream_window resumes */
    f->big_left -= (size_t)w;
  }
  gost__smux_close_stream(s, f->sid);
  f->sid = 0;
}

static void fc_window(struct gost_smux *s, uint32_t sid, void *user) {
  struct fstream *f = fs_find(user, sid);
  if (f && f->answered == 3) fc_push(s, f);
}

/* Once the stream header and a whole request head are in, answer and close (FIN). */
static int fc_data(struct gost_smux *s, uint32_t sid, const uint8_t *d, size_t n, void *user) {
  struct fclient *c = user;
  struct fstream *f = fs_find(c, sid);
  gost__smux_consumed(s, sid, n);
  if (f && c->nfirst < sizeof c->first) {
    size_t k = n < sizeof c->first - c->nfirst ? n : sizeof c->first - c->nfirst;
    memcpy(c->first + c->nfirst, d, k);
    c->nfirst += k;
  }
  if (f && f->upgraded) { /* after 101: an echo service */
    gost__smux_write(s, sid, d, n);
    return 0;
  }
  if (f) f->total += n;
  if (f && f->answered == 2) { /* counting an upload body */
    if (f->total - f->hdr_end >= BIG) {
      static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
      gost__smux_write(s, sid, (const uint8_t *)ok, sizeof ok - 1);
      gost__smux_close_stream(s, sid);
      f->sid = 0;
      c->answered++;
    }
    return 0;
  }
  if (!f || f->answered) return 0;
  if (n > sizeof f->data - 1 - f->got) n = sizeof f->data - 1 - f->got;
  memcpy(f->data + f->got, d, n);
  f->got += n;
  f->data[f->got] = 0;
  if (f->got < 4) return 0;
  size_t hl = 4 + ((size_t)(uint8_t)f->data[2] << 8 | (uint8_t)f->data[3]);
  if (f->got < hl || !strstr(f->data + hl, "\r\n\r\n")) return 0;
  static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
  static const char up[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
  if (strstr(f->data + hl, "Upgrade: websocket")) {
    gost__smux_write(s, sid, (const uint8_t *)up, sizeof up - 1);
    f->upgraded = 1;
    c->answered++;
    return 0;
  }
  char *eoh = strstr(f->data + hl, "\r\n\r\n");
  if (!strncmp(f->data + hl, "POST /up ", 9)) {
    f->answered = 2;
    f->hdr_end = (size_t)(eoh + 4 - f->data); /* BIG never fits in the first chunk */
    return 0;
  }
  if (!strncmp(f->data + hl, "GET /big ", 9)) {
    static const char hd[] = "HTTP/1.1 200 OK\r\nContent-Length: 3000000\r\n\r\n";
    gost__smux_write(s, sid, (const uint8_t *)hd, sizeof hd - 1);
    f->answered = 3;
    f->big_left = BIG;
    fc_push(s, f);
    return 0;
  }
  if (strstr(f->data + hl, "Expect: 100-continue")) gost__smux_write(s, sid, (const uint8_t *)cont, sizeof cont - 1);
  gost__smux_write(s, sid, (const uint8_t *)resp, sizeof resp - 1);
  gost__smux_close_stream(s, sid);
  f->answered = 1;
  f->sid = 0;
  c->answered++;
  return 0;
}

static int fc_fin(struct gost_smux *s, uint32_t sid, void *user) {
  struct fstream *f = fs_find(user, sid);
  if (f) f->sid = 0;
  gost__smux_close_stream(s, sid);
  return 0;
}

static void fc_pump(struct fclient *c) {
  uint8_t buf[16384];
  if (c->dead || c->fd < 0) return;
  for (;;) {
    ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN)) {
      c->dead = 1;
      return;
    }
    if (n < 0) break;
    size_t off = 0;
    while (off < (size_t)n && c->nreply < c->reply_need) { /* the BIND reply, then smux */
      size_t k = c->reply_need - c->nreply;
      if (k > (size_t)n - off) k = (size_t)n - off;
      memcpy(c->reply + c->nreply, buf + off, k);
      c->nreply += k;
      off += k;
      if (c->nreply == 4 && c->reply_need == 4) c->reply_need = 4 + ((size_t)c->reply[2] << 8 | c->reply[3]);
    }
    if (off < (size_t)n) {
      size_t k = (size_t)n - off;
      if (k > sizeof c->log - c->nlog) k = sizeof c->log - c->nlog;
      memcpy(c->log + c->nlog, buf + off, k);
      c->nlog += k;
      if (gost__smux_recv(c->mx, buf + off, (size_t)n - off, 0) != 0) c->dead = 1;
    }
  }
  pump_out(c);
}

static int tcp_connect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(0x7f000001)};
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

static struct fclient *clients[8];
static int nclients;

static void spin_once(void) {
  ev_run(gost_ctx_loop(ctx), EVRUN_NOWAIT);
  for (int i = 0; i < nclients; i++) fc_pump(clients[i]);
  usleep(300);
}

#define SPIN_UNTIL(cond, secs)                                   \
  do {                                                           \
    double dl_ = now_s() + (secs);                               \
    while (!(cond) && now_s() < dl_) spin_once();                \
  } while (0)

/* BIND with the §15.1 bytes, the weight byte replaced; waits for the reply. */
static struct fclient *fc_new_ex(uint16_t port, int version, const char *bind_hex, int weight) {
  struct fclient *c = calloc(1, sizeof *c);
  uint8_t req[128];
  size_t n = gost_test_hex(bind_hex, req, sizeof req);
  if (weight >= 0) req[n - 1] = (uint8_t)weight;
  struct gost_smux_config cfg;
  gost__smux_config_default(&cfg, 0);
  cfg.version = (uint8_t)version;
  static const struct gost_smux_callbacks cb = {fc_open, fc_data, fc_fin, fc_window};
  ck_assert_int_eq(gost__smux_new(&c->mx, NULL, &cfg, &cb, c), 0);
  c->fd = tcp_connect(port);
  c->reply_need = 4;
  clients[nclients++] = c;
  ck_assert_int_eq(send(c->fd, req, n, 0), (ssize_t)n);
  SPIN_UNTIL(c->nreply >= 4 && c->nreply == c->reply_need, 5);
  ck_assert_int_eq(c->nreply, c->reply_need);
  return c;
}

static struct fclient *fc_new(const char *bind_hex, int weight) { return fc_new_ex(tport, 2, bind_hex, weight); }

static void fc_kill(struct fclient *c) {
  close(c->fd);
  c->fd = -1;
  c->dead = 1;
}

/* ---- public users ---- */

/* Runs curl against the entrypoint while spinning the loop; returns the HTTP code and the
 * body in body (if not NULL). */
static int curl_run(char **argv, const char *out);

static int curl_get_port(uint16_t port, const char *host_header, char *body, size_t cap) {
  char url[64], hdr[128], out[] = "/tmp/gost_ts_curlXXXXXX";
  int ofd = mkstemp(out);
  snprintf(url, sizeof url, "http://127.0.0.1:%u/", port);
  snprintf(hdr, sizeof hdr, "Host: %s", host_header);
  char *argv[] = {"curl", "-s", "-o", out, "-w", "%{http_code}", "-H", hdr, "-H", "X-Forwarded-For: 203.0.113.7",
                  "--max-time", "10", url, NULL};
  int code = curl_run(argv, out);
  if (body) {
    ssize_t m = pread(ofd, body, cap - 1, 0);
    body[m > 0 ? m : 0] = 0;
  }
  close(ofd);
  unlink(out);
  return code;
}

static int curl_get(const char *host_header, char *body, size_t cap) {
  return curl_get_port(eport, host_header, body, cap);
}

/* Spawns curl, spins the loop until it exits; returns what it printed as a number. */
static int curl_run(char **argv, const char *out) {
  int pfd[2];
  ck_assert_int_eq(pipe(pfd), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
  posix_spawn_file_actions_addclose(&fa, pfd[0]);
  pid_t pid;
  ck_assert_int_eq(posix_spawnp(&pid, "curl", &fa, NULL, argv, environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  close(pfd[1]);
  int status = 0;
  double dl = now_s() + 15;
  while (waitpid(pid, &status, WNOHANG) == 0 && now_s() < dl) spin_once();
  char code[16] = {0};
  ssize_t k = read(pfd[0], code, sizeof code - 1);
  close(pfd[0]);
  return k > 0 ? atoi(code) : -1;
}

/* Reads until the peer closes or secs pass; returns bytes read (or -1 if still open). */
static ssize_t read_until_close(int fd, uint8_t *buf, size_t cap, double secs) {
  size_t got = 0;
  double dl = now_s() + secs;
  while (now_s() < dl) {
    spin_once();
    ssize_t n = recv(fd, buf + got, cap - got, MSG_DONTWAIT);
    if (n == 0) return (ssize_t)got;
    if (n < 0 && errno != EAGAIN) return (ssize_t)got;
    if (n > 0) got += (size_t)n;
  }
  return -1;
}

/* ---- fixture ---- */

static void setup(void) {
  signal(SIGPIPE, SIG_IGN);
  nclients = 0;
  ck_assert_int_eq(gost_ctx_new(&ctx), 0);
  ck_assert_int_eq(gost_ingress_new(&ing, ctx, "ing"), 0);
  ck_assert_int_eq(gost_ingress_set_rule(ing, "example.com", TID), 0);
  ck_assert_int_eq(gost_ingress_set_rule(ing, "priv.example", "$" TID), 0);
  ck_assert_int_eq(gost_ingress_set_rule(ing, "nobody.example", TID_OTHER), 0);
  ck_assert_int_eq(gost_service_new(&svc, ctx, "tun"), 0);
  ck_assert_int_eq(gost_service_set_listener(svc, "tcp", "127.0.0.1:0"), 0);
  ck_assert_int_eq(gost_service_set_handler(svc, "tunnel"), 0);
  ck_assert_int_eq(gost_service_set_meta(svc, "handler", "entrypoint", "127.0.0.1:0"), 0);
  ck_assert_int_eq(gost_service_set_meta(svc, "handler", "readTimeout", "1s"), 0);
  ck_assert_int_eq(gost_service_set_meta(svc, "handler", "entrypoint.readTimeout", "1s"), 0);
  ck_assert_int_eq(gost_service_set_ingress(svc, ing), 0);
  ck_assert_int_eq(gost_service_start(svc), 0);
  tport = gost_service_port(svc);
  eport = gost_service_entrypoint_port(svc);
  ck_assert_int_ne(tport, 0);
  ck_assert_int_ne(eport, 0);
}

static void teardown(void) {
  for (int i = 0; i < nclients; i++)
    if (clients[i]->fd >= 0) fc_kill(clients[i]);
  SPIN_UNTIL(0, 0.2); /* let pipes see their peers go */
  for (int i = 0; i < nclients; i++) {
    gost__smux_free(clients[i]->mx);
    free(clients[i]);
  }
  gost_ctx_free(ctx);
}

static void count_cb(const char *t, const char *c, int udp, int w, uint64_t s, uint64_t bi,
                     uint64_t bo, void *user) {
  (*(int *)user)++;
}

static int live_connectors(void) {
  int n = 0;
  gost_service_foreach_connector(svc, count_cb, &n);
  return n;
}

/* ---- tests ---- */

START_TEST(bind_reply_bytes) {
  struct fclient *c = fc_new(BIND_HEX, -1);
  const uint8_t *r = c->reply;
  ck_assert_uint_eq(r[0], 1);
  ck_assert_uint_eq(r[1], 0);
  ck_assert_uint_eq(c->nreply, 4 + 0x2e);
  static const char addr[] = "\x02\x00\x14\x03\x10" "a6265c6d9847a4be" "\x00\x00";
  ck_assert_mem_eq(r + 4, addr, sizeof addr - 1);
  const uint8_t *t = r + 4 + sizeof addr - 1;
  ck_assert_uint_eq(t[0], 3);
  ck_assert_uint_eq(t[1], 0);
  ck_assert_uint_eq(t[2], 20);
  ck_assert_uint_eq(t[3 + 6] >> 4, 4);      /* v4 UUID */
  ck_assert_uint_eq(t[3 + 8] & 0xc0, 0x80); /* RFC 4122 variant */
  ck_assert_uint_eq(t[3 + 16], 0);          /* TCP connector */
  ck_assert_uint_eq(t[3 + 17] | t[3 + 18], 0);
  ck_assert_uint_eq(t[3 + 19], 1); /* weight copied */
  SPIN_UNTIL(0, 0.05);
  ck_assert_int_eq(live_connectors(), 1);
}
END_TEST

START_TEST(http_stream_bytes) {
  struct fclient *c = fc_new(BIND_HEX, -1);
  char body[256];
  ck_assert_int_eq(curl_get("example.com", body, sizeof body), 200);
  ck_assert_str_eq(body, "hello");
  /* §15.2: SYN sid 3, then at once the header {src 203.0.113.7 (X-Forwarded-For, port 0),
   * dst example.com:80}, then the request. */
  uint8_t want[64];
  size_t n = gost_test_hex("02 00 00 00 03 00 00 00  02 02 20 00 03 00 00 00"
                           "01 00 00 1c 02 00 07 01 cb 00 71 07 00 00"
                           "02 00 0f 03 0b 65 78 61 6d 70 6c 65 2e 63 6f 6d 00 50",
                           want, sizeof want);
  ck_assert_uint_ge(c->nlog, n + 8);
  ck_assert_mem_eq(c->log, want, n);
  ck_assert_uint_eq(c->log[n], 2); /* next frame: PSH on sid 3 with "GET / HTTP/1.1" */
  ck_assert_uint_eq(c->log[n + 1], 2);
  ck_assert_mem_eq(c->log + n + 8, "GET / HTTP/1.1\r\n", 16);
}
END_TEST

START_TEST(http_502_503) {
  char body[64];
  ck_assert_int_eq(curl_get("unknown.example", body, sizeof body), 502);
  ck_assert_int_eq(curl_get("priv.example", body, sizeof body), 502);
  ck_assert_int_eq(curl_get("example.com", body, sizeof body), 503); /* no client yet */
  ck_assert_int_eq(curl_get("nobody.example", body, sizeof body), 503);
}
END_TEST

static void expect_refusal(const char *hex, const uint8_t *want, size_t wlen) {
  uint8_t req[128], got[64];
  size_t n = gost_test_hex(hex, req, sizeof req);
  int fd = tcp_connect(tport);
  ck_assert_int_eq(send(fd, req, n, 0), (ssize_t)n);
  ssize_t k = read_until_close(fd, got, sizeof got, 3);
  close(fd);
  ck_assert_int_eq(k, (ssize_t)wlen);
  if (wlen) ck_assert_mem_eq(got, want, wlen);
}

START_TEST(bad_input_keeps_tunnel) {
  struct fclient *c = fc_new(BIND_HEX, -1);
  static const uint8_t bad[4] = {1, 1, 0, 0};
  expect_refusal("02 02 00 00", bad, 4); /* bad version -> BadRequest */
  expect_refusal("01 02 00 17 03 00 14 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
                 bad, 4);                 /* zero tunnel ID */
  expect_refusal("01 02 00 05 09 00 02 00", NULL, 0); /* truncated: 1 s read timeout, closed */
  expect_refusal("01 02 00 03 02 00 01", NULL, 0);    /* malformed feature: closed silently */
  expect_refusal("47 45 54 20 2f 0d 0a 0d 0a", bad, 4); /* garbage: a wrong VER byte */
  /* slow headers on the entrypoint: closed after entrypoint.readTimeout */
  int fd = tcp_connect(eport);
  ck_assert_int_eq(send(fd, "GET / HTTP/1.1\r\nHo", 18, 0), 18);
  uint8_t buf[64];
  double t0 = now_s();
  ck_assert_int_eq(read_until_close(fd, buf, sizeof buf, 5), 0);
  ck_assert(now_s() - t0 > 0.5);
  close(fd);
  /* the live tunnel never noticed */
  ck_assert(!c->dead);
  char body[64];
  ck_assert_int_eq(curl_get("example.com", body, sizeof body), 200);
  ck_assert_str_eq(body, "hello");
}
END_TEST

/* One keep-alive public connection, n requests: each one gets its own stream. */
static void keepalive_requests(int n) {
  int fd = tcp_connect(eport);
  static const char req[] = "GET /x HTTP/1.1\r\nHost: example.com\r\n\r\n";
  char buf[256];
  for (int i = 0; i < n; i++) {
    ck_assert_int_eq(send(fd, req, sizeof req - 1, 0), (ssize_t)(sizeof req - 1));
    size_t got = 0;
    double dl = now_s() + 5;
    while (now_s() < dl && !(got >= 5 && strstr(buf, "hello"))) {
      spin_once();
      ssize_t k = recv(fd, buf + got, sizeof buf - 1 - got, MSG_DONTWAIT);
      ck_assert_int_ne(k, 0);
      if (k > 0) got += (size_t)k;
      buf[got] = 0;
    }
    ck_assert_msg(strstr(buf, "HTTP/1.1 200") && strstr(buf, "hello"), "request %d: %s", i, buf);
  }
  close(fd);
}

START_TEST(weighted_selection) {
  struct fclient *a = fc_new(BIND_HEX, 1);
  struct fclient *b = fc_new(BIND_HEX, 3);
  keepalive_requests(400);
  ck_assert_int_eq(a->answered + b->answered, 400);
  /* expected 100 : 300; 5 sigma of a binomial(400, 0.25) is about 43 */
  ck_assert_msg(a->answered > 55 && a->answered < 145, "a=%d b=%d", a->answered, b->answered);
}
END_TEST

START_TEST(weight_255_exclusive) {
  struct fclient *a = fc_new(BIND_HEX, 255);
  struct fclient *b = fc_new(BIND_HEX, 1);
  struct fclient *c = fc_new(BIND_HEX, 0);
  keepalive_requests(50);
  ck_assert_int_eq(a->answered, 50);
  ck_assert_int_eq(b->answered + c->answered, 0);
}
END_TEST

START_TEST(dead_connector_removed) {
  struct fclient *a = fc_new(BIND_HEX, 1);
  struct fclient *b = fc_new(BIND_HEX, 1);
  SPIN_UNTIL(live_connectors() == 2, 2);
  ck_assert_int_eq(live_connectors(), 2);
  fc_kill(a);
  SPIN_UNTIL(live_connectors() == 1, 3);
  ck_assert_int_eq(live_connectors(), 1);
  keepalive_requests(20);
  ck_assert_int_eq(b->answered, 20);
  fc_kill(b);
  SPIN_UNTIL(live_connectors() == 0, 3);
  char body[64];
  ck_assert_int_eq(curl_get("example.com", body, sizeof body), 503);
}
END_TEST


/* Visitor CONNECT (§4.5): OK only once the stream is open, then bytes flow; wrong host for the
 * tunnel -> HostUnreachable. */
START_TEST(visitor_connect) {
  struct fclient *c = fc_new(BIND_HEX, -1);
  uint8_t req[128], got[256];
  size_t n = gost_test_hex("01 01 00 33 02 00 07 01 7f 00 00 01 9c 40"
                           " 02 00 0f 03 0b 65 78 61 6d 70 6c 65 2e 63 6f 6d 00 50"
                           " 03 00 14 4d 21 09 4e b7 4c 49 16 86 c1 d9 fa 36 ea 67 7b 00 00 00 00",
                           req, sizeof req);
  ck_assert_uint_eq(n, 4 + 0x33);
  int fd = tcp_connect(tport);
  static const char http[] = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
  memcpy(req + n, http, sizeof http - 1); /* early data right behind the request */
  ck_assert_int_eq(send(fd, req, n + sizeof http - 1, 0), (ssize_t)(n + sizeof http - 1));
  ssize_t k = read_until_close(fd, got, sizeof got - 1, 5);
  close(fd);
  ck_assert_int_gt(k, 4);
  ck_assert_mem_eq(got, "\x01\x00\x00\x00", 4);
  got[k] = 0;
  ck_assert_ptr_nonnull(strstr((char *)got + 4, "hello"));
  ck_assert_int_eq(c->answered, 1);
  /* dst host that the ingress maps elsewhere */
  static const uint8_t unreachable[4] = {1, 6, 0, 0};
  expect_refusal("01 01 00 36 02 00 07 01 7f 00 00 01 9c 40"
                 " 02 00 12 03 0e 6e 6f 62 6f 64 79 2e 65 78 61 6d 70 6c 65 00 50"
                 " 03 00 14 4d 21 09 4e b7 4c 49 16 86 c1 d9 fa 36 ea 67 7b 00 00 00 00",
                 unreachable, 4);
}
END_TEST


/* TLS on the entrypoint: routed by SNI, header dst sni:443, the ClientHello replayed. */
START_TEST(tls_sni_passthrough) {
  struct fclient *c = fc_new(BIND_HEX, -1);
  char resolve[64], url[64];
  snprintf(resolve, sizeof resolve, "example.com:%u:127.0.0.1", eport);
  snprintf(url, sizeof url, "https://example.com:%u/", eport);
  char *argv[] = {"curl", "-s", "-k", "-o", "/dev/null", "-w", "%{http_code}", "--resolve", resolve,
                  "--max-time", "3", url, NULL};
  curl_run(argv, NULL); /* fails: our fake backend speaks no TLS */
  ck_assert_int_ge(c->syns, 1);
  uint8_t want[64];
  size_t n = gost_test_hex("02 00 0f 03 0b 65 78 61 6d 70 6c 65 2e 63 6f 6d 01 bb", want, sizeof want);
  ck_assert_uint_gt(c->nfirst, 4 + 10 + n + 5);
  ck_assert_mem_eq(c->first, "\x01\x00\x00", 3);
  ck_assert_mem_eq(c->first + 4, "\x02\x00\x07\x01\x7f\x00\x00\x01", 8); /* src 127.0.0.1:port */
  ck_assert_mem_eq(c->first + 14, want, n);
  ck_assert_uint_eq(c->first[14 + n], 0x16); /* the hello itself */
  ck_assert_uint_eq(c->first[14 + n + 5], 0x01);
}
END_TEST

/* The §5.5 relay path on the entrypoint with the safer default. */
START_TEST(entrypoint_relay_connect) {
  struct fclient *c = fc_new(BIND_HEX, -1);
  static const char http[] = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
  uint8_t req[256], got[256];
  size_t n = gost_test_hex("01 01 00 33 02 00 07 01 7f 00 00 01 9c 40"
                           " 02 00 0f 03 0b 65 78 61 6d 70 6c 65 2e 63 6f 6d 00 50"
                           " 03 00 14 4d 21 09 4e b7 4c 49 16 86 c1 d9 fa 36 ea 67 7b 00 00 00 00",
                           req, sizeof req);
  memcpy(req + n, http, sizeof http - 1);
  int fd = tcp_connect(eport);
  ck_assert_int_eq(send(fd, req, n + sizeof http - 1, 0), (ssize_t)(n + sizeof http - 1));
  ssize_t k = read_until_close(fd, got, sizeof got - 1, 5);
  close(fd);
  ck_assert_int_gt(k, 4);
  ck_assert_mem_eq(got, "\x01\x00\x00\x00", 4);
  got[k] = 0;
  ck_assert_ptr_nonnull(strstr((char *)got + 4, "hello"));
  ck_assert_int_eq(c->answered, 1);
  /* a private name of the same tunnel is refused on the public port */
  n = gost_test_hex("01 01 00 34 02 00 07 01 7f 00 00 01 9c 40"
                    " 02 00 10 03 0c 70 72 69 76 2e 65 78 61 6d 70 6c 65 00 50"
                    " 03 00 14 4d 21 09 4e b7 4c 49 16 86 c1 d9 fa 36 ea 67 7b 00 00 00 00",
                    req, sizeof req);
  fd = tcp_connect(eport);
  ck_assert_int_eq(send(fd, req, n, 0), (ssize_t)n);
  k = read_until_close(fd, got, sizeof got, 5);
  close(fd);
  ck_assert_int_eq(k, 4);
  ck_assert_mem_eq(got, "\x01\x06\x00\x00", 4);
}
END_TEST

/* PROXY protocol v1 in front of the entrypoint names the client in the stream header. */
START_TEST(entrypoint_proxy_protocol) {
  gost_service_t *s2;
  ck_assert_int_eq(gost_service_new(&s2, ctx, "tun-pp"), 0);
  ck_assert_int_eq(gost_service_set_listener(s2, "tcp", "127.0.0.1:0"), 0);
  ck_assert_int_eq(gost_service_set_handler(s2, "tunnel"), 0);
  ck_assert_int_eq(gost_service_set_meta(s2, "handler", "entryPoint", "127.0.0.1:0"), 0);
  ck_assert_int_eq(gost_service_set_meta(s2, "handler", "entrypoint.proxyProtocol", "1"), 0);
  ck_assert_int_eq(gost_service_set_meta(s2, "handler", "tunnel", "example.com:" TID), 0);
  ck_assert_int_eq(gost_service_start(s2), 0);
  struct fclient *c = fc_new_ex(gost_service_port(s2), 2, BIND_HEX, -1);
  static const char req[] = "PROXY TCP4 198.51.100.9 127.0.0.1 5555 80\r\n"
                            "GET / HTTP/1.1\r\nHost: Example.COM\r\nConnection: close\r\n\r\n";
  int fd = tcp_connect(gost_service_entrypoint_port(s2));
  ck_assert_int_eq(send(fd, req, sizeof req - 1, 0), (ssize_t)(sizeof req - 1));
  uint8_t got[256];
  ssize_t k = read_until_close(fd, got, sizeof got - 1, 5);
  close(fd);
  ck_assert_int_gt(k, 0);
  got[k] = 0;
  ck_assert_ptr_nonnull(strstr((char *)got, "hello"));
  uint8_t want[64];
  size_t n = gost_test_hex("01 00 00 1c 02 00 07 01 c6 33 64 09 15 b3"
                           " 02 00 0f 03 0b 65 78 61 6d 70 6c 65 2e 63 6f 6d 00 50", want, sizeof want);
  ck_assert_mem_eq(c->first, want, n);
}
END_TEST

/* Handler "relay": rc-era tunnel (16-byte IDs, smux v1, domain dst) next to plain relay. */
START_TEST(legacy_relay_tunnel) {
  gost_service_t *s2;
  ck_assert_int_eq(gost_service_new(&s2, ctx, "relay"), 0);
  ck_assert_int_eq(gost_service_set_listener(s2, "tcp", "127.0.0.1:0"), 0);
  ck_assert_int_eq(gost_service_set_handler(s2, "relay"), 0);
  ck_assert_int_eq(gost_service_set_meta(s2, "handler", "entryPoint", "127.0.0.1:0"), 0);
  ck_assert_int_eq(gost_service_set_meta(s2, "handler", "tunnel", "example.com:" TID), 0);
  ck_assert_int_eq(gost_service_start(s2), 0);
  struct fclient *c = fc_new_ex(gost_service_port(s2), 1,
                                "01 02 00 24 02 00 07 01 c0 a8 01 0a d0 ae 02 00 04 03 00 00 00"
                                " 03 00 10 4d 21 09 4e b7 4c 49 16 86 c1 d9 fa 36 ea 67 7b", -1);
  /* Addr = the entrypoint (a 3.0.0-rc client resolves it), not the endpoint name */
  ck_assert_uint_eq(c->nreply, 4 + 10 + 19);
  ck_assert_uint_eq(c->reply[1], 0);
  ck_assert_mem_eq(c->reply + 4, "\x02\x00\x07\x01\x7f\x00\x00\x01", 8);
  ck_assert_uint_eq((unsigned)c->reply[12] << 8 | c->reply[13], gost_service_entrypoint_port(s2));
  ck_assert_mem_eq(c->reply + 4 + 10, "\x03\x00\x10", 3); /* 16-byte connector ID */
  char body[64];
  ck_assert_int_eq(curl_get_port(gost_service_entrypoint_port(s2), "example.com", body, sizeof body), 200);
  ck_assert_str_eq(body, "hello");
  ck_assert_uint_eq(c->log[0], 1); /* smux v1 frames */
  /* plain relay CONNECT to a local listener: OK, then bytes */
  int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
  socklen_t al = sizeof a;
  ck_assert_int_eq(bind(ls, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(listen(ls, 4), 0);
  getsockname(ls, (struct sockaddr *)&a, &al);
  uint8_t req[32] = {1, 1, 0, 10, 2, 0, 7, 1, 127, 0, 0, 1};
  memcpy(req + 12, &a.sin_port, 2);
  memcpy(req + 14, "ping", 4);
  int fd = tcp_connect(gost_service_port(s2));
  ck_assert_int_eq(send(fd, req, 18, 0), 18);
  int peer = -1;
  double dl = now_s() + 5;
  while (peer < 0 && now_s() < dl) {
    spin_once();
    peer = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
  }
  ck_assert_int_ge(peer, 0);
  char buf[16] = {0};
  size_t got = 0;
  while (got < 4 && now_s() < dl) {
    spin_once();
    ssize_t k = recv(peer, buf + got, sizeof buf - got, 0);
    if (k > 0) got += (size_t)k;
  }
  ck_assert_mem_eq(buf, "ping", 4);
  ck_assert_int_eq(send(peer, "pong", 4, 0), 4);
  uint8_t back[16];
  got = 0;
  while (got < 8 && now_s() < dl) {
    spin_once();
    ssize_t k = recv(fd, back + got, sizeof back - got, MSG_DONTWAIT);
    if (k > 0) got += (size_t)k;
  }
  ck_assert_mem_eq(back, "\x01\x00\x00\x00pong", 8);
  close(peer);
  close(fd);
  close(ls);
}
END_TEST


/* 1xx interim responses do not end the exchange; 101 turns the connection into a raw pipe. */
START_TEST(http_continue_and_upgrade) {
  struct fclient *c = fc_new(BIND_HEX, -1);
  int fd = tcp_connect(eport);
  static const char r1[] = "GET /a HTTP/1.1\r\nHost: example.com\r\nExpect: 100-continue\r\n\r\n";
  static const char r2[] = "GET /ws HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
  char buf[512];
  size_t got = 0;
  ck_assert_int_eq(send(fd, r1, sizeof r1 - 1, 0), (ssize_t)(sizeof r1 - 1));
  double dl = now_s() + 5;
  while (now_s() < dl && !strstr(buf, "hello")) {
    spin_once();
    ssize_t k = recv(fd, buf + got, sizeof buf - 1 - got, MSG_DONTWAIT);
    if (k > 0) got += (size_t)k;
    buf[got] = 0;
  }
  ck_assert_ptr_nonnull(strstr(buf, "100 Continue"));
  ck_assert_ptr_nonnull(strstr(buf, "200 OK"));
  got = 0;
  buf[0] = 0;
  ck_assert_int_eq(send(fd, r2, sizeof r2 - 1, 0), (ssize_t)(sizeof r2 - 1));
  while (now_s() < dl && !strstr(buf, "\r\n\r\n")) {
    spin_once();
    ssize_t k = recv(fd, buf + got, sizeof buf - 1 - got, MSG_DONTWAIT);
    if (k > 0) got += (size_t)k;
    buf[got] = 0;
  }
  ck_assert_ptr_nonnull(strstr(buf, "101 Switching"));
  got = 0;
  buf[0] = 0;
  ck_assert_int_eq(send(fd, "raw bytes", 9, 0), 9);
  while (now_s() < dl && got < 9) {
    spin_once();
    ssize_t k = recv(fd, buf + got, sizeof buf - 1 - got, MSG_DONTWAIT);
    if (k > 0) got += (size_t)k;
  }
  ck_assert_mem_eq(buf, "raw bytes", 9);
  ck_assert_int_eq(c->syns, 2);
  close(fd);
}
END_TEST


/* `entrypoints`: extra listeners, each with its own ingress. */
START_TEST(entrypoints_list) {
  gost_ingress_t *ing2;
  ck_assert_int_eq(gost_ingress_new(&ing2, ctx, "ing2"), 0);
  ck_assert_int_eq(gost_ingress_set_rule(ing2, "*.other.example", TID), 0);
  gost_service_t *s2;
  ck_assert_int_eq(gost_service_new(&s2, ctx, "tun-list"), 0);
  ck_assert_int_eq(gost_service_set_listener(s2, "tcp", "127.0.0.1:0"), 0);
  ck_assert_int_eq(gost_service_set_handler(s2, "tunnel"), 0);
  json_t *eps = json_pack("[{s:s, s:s}]", "addr", "127.0.0.1:0", "ingress", "ing2");
  ck_assert_int_eq(gost__service_set_meta_json(s2, "handler", "entrypoints", eps), 0);
  ck_assert_int_eq(gost_service_start(s2), 0);
  fc_new_ex(gost_service_port(s2), 2, BIND_HEX, -1);
  uint16_t p2 = gost_service_entrypoint_port(s2);
  ck_assert_int_ne(p2, 0);
  char body[64];
  ck_assert_int_eq(curl_get_port(p2, "www.other.example", body, sizeof body), 200);
  ck_assert_str_eq(body, "hello");
  ck_assert_int_eq(curl_get_port(p2, "example.com", body, sizeof body), 502);
}
END_TEST


/* UDP BIND gets flag 0x01; a UDP visitor (§15.3 shape) goes to the UDP connector only. */
START_TEST(udp_connector_split) {
  struct fclient *t = fc_new(BIND_HEX, -1);
  struct fclient *u = fc_new("01 82 00 2d 04 00 02 00 01 02 00 07 01 c0 a8 01 0a d0 ae 02 00 04 03 00 00 00"
                             " 03 00 14 4d 21 09 4e b7 4c 49 16 86 c1 d9 fa 36 ea 67 7b 00 00 00 01", -1);
  ck_assert_uint_eq(u->reply[4 + 23 + 3 + 16], 1); /* UDP connector flag */
  ck_assert_uint_eq(t->reply[4 + 23 + 3 + 16], 0);
  uint8_t req[128], got[64];
  size_t n = gost_test_hex("01 81 00 38 04 00 02 00 01 02 00 07 01 7f 00 00 01 9c 40"
                           " 02 00 0f 03 0b 65 78 61 6d 70 6c 65 2e 63 6f 6d 00 00"
                           " 03 00 14 4d 21 09 4e b7 4c 49 16 86 c1 d9 fa 36 ea 67 7b 00 00 00 00",
                           req, sizeof req);
  int fd = tcp_connect(tport);
  ck_assert_int_eq(send(fd, req, n, 0), (ssize_t)n);
  size_t k = 0;
  double dl = now_s() + 5;
  while (k < 4 && now_s() < dl) {
    spin_once();
    ssize_t r = recv(fd, got + k, sizeof got - k, MSG_DONTWAIT);
    if (r > 0) k += (size_t)r;
  }
  ck_assert_uint_eq(k, 4);
  ck_assert_mem_eq(got, "\x01\x00\x00\x00", 4);
  SPIN_UNTIL(u->syns == 1, 2);
  ck_assert_int_eq(u->syns, 1);
  ck_assert_int_eq(t->syns, 0);
  close(fd);
}
END_TEST


/* 3 MB each way through entrypoint + tunnel: windows, queues and backpressure hold. */
START_TEST(large_transfer) {
  fc_new(BIND_HEX, -1);
  int fd = tcp_connect(eport);
  static char body[BIG];
  char head[128];
  int hn = snprintf(head, sizeof head, "POST /up HTTP/1.1\r\nHost: example.com\r\nContent-Length: %u\r\n\r\n", BIG);
  ck_assert_int_eq(send(fd, head, (size_t)hn, 0), hn);
  size_t sent = 0, got = 0;
  char buf[65536];
  double dl = now_s() + 20;
  buf[0] = 0;
  while (now_s() < dl && !strstr(buf, "hello")) {
    spin_once();
    if (sent < BIG) {
      ssize_t k = send(fd, body + sent, BIG - sent, MSG_DONTWAIT);
      if (k > 0) sent += (size_t)k;
    }
    ssize_t k = recv(fd, buf + got, sizeof buf - 1 - got, MSG_DONTWAIT);
    if (k > 0) got += (size_t)k;
    buf[got] = 0;
  }
  ck_assert_uint_eq(sent, BIG);
  ck_assert_msg(strstr(buf, "hello"), "upload: client saw %zu bytes (head %zu), answered %d, got: %s",
                clients[0]->st[0].total, clients[0]->st[0].hdr_end, clients[0]->answered, buf);
  static const char req[] = "GET /big HTTP/1.1\r\nHost: example.com\r\n\r\n";
  ck_assert_int_eq(send(fd, req, sizeof req - 1, 0), (ssize_t)(sizeof req - 1));
  size_t total = 0;
  while (now_s() < dl && total < BIG + 40) {
    spin_once();
    ssize_t k = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (k > 0) total += (size_t)k;
  }
  ck_assert_uint_eq(total, BIG + strlen("HTTP/1.1 200 OK\r\nContent-Length: 3000000\r\n\r\n"));
  close(fd);
}
END_TEST


/* Stopping the service with a live tunnel, an upgraded pipe and a half-sent head. */
START_TEST(stop_with_live_state) {
  struct fclient *c = fc_new(BIND_HEX, -1);
  int up = tcp_connect(eport);
  static const char r2[] = "GET /ws HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
  ck_assert_int_eq(send(up, r2, sizeof r2 - 1, 0), (ssize_t)(sizeof r2 - 1));
  SPIN_UNTIL(c->answered == 1, 3);
  int half = tcp_connect(eport);
  ck_assert_int_eq(send(half, "GET / HTTP/1.1\r\n", 16, 0), 16);
  int hs = tcp_connect(tport);
  ck_assert_int_eq(send(hs, "\x01\x02\x00\x30", 4, 0), 4);
  SPIN_UNTIL(0, 0.1);
  ck_assert_int_eq(gost_service_stop(svc), 0);
  SPIN_UNTIL(c->dead, 2);
  ck_assert(c->dead);
  uint8_t buf[256];
  ck_assert_int_ge(read_until_close(half, buf, sizeof buf, 2), 0);
  ck_assert_int_ge(read_until_close(hs, buf, sizeof buf, 2), 0);
  ck_assert_int_ge(read_until_close(up, buf, sizeof buf, 2), 0);
  close(up);
  close(half);
  close(hs);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("tunnel_server");
  /* Run one test by name with CK_RUN_TEST-like TS_ONLY=<name> (debugging). */
  TCase *tc = tcase_create("server");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, bind_reply_bytes);
  tcase_add_test(tc, http_stream_bytes);
  tcase_add_test(tc, http_502_503);
  tcase_add_test(tc, bad_input_keeps_tunnel);
  tcase_add_test(tc, visitor_connect);
  tcase_add_test(tc, http_continue_and_upgrade);
  tcase_add_test(tc, entrypoints_list);
  tcase_add_test(tc, udp_connector_split);
  tcase_add_test(tc, large_transfer);
  tcase_add_test(tc, stop_with_live_state);
  tcase_add_test(tc, tls_sni_passthrough);
  tcase_add_test(tc, entrypoint_relay_connect);
  tcase_add_test(tc, entrypoint_proxy_protocol);
  tcase_add_test(tc, legacy_relay_tunnel);
  tcase_add_test(tc, weighted_selection);
  tcase_add_test(tc, weight_255_exclusive);
  tcase_add_test(tc, dead_connector_removed);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return gost_test_run(suite());
}
