/* Tunnel client and visitor against a hand-written stock-like tunnel server on loopback:
 * exact BIND/CONNECT bytes (wire-spec §15.1, §15.3), host routing over smux v2 streams, UDP
 * with framing (A) through rudp, and reconnect with back-off after the server drops us. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gost/chain.h"
#include "gost/ctx.h"
#include "gost/service.h"
#include "gost/tunnel.h"
#include "harness.h"
#include "loopback_peers.h"
#include "mux/smux.h"

#define TID "4d21094e-b74c-4916-86c1-d9fa36ea677b"
#define VID "aede1f6a-762b-45da-b937-b6632356555a"

static struct ev_loop *loop;
static gost_ctx_t *ctx;
static int done;

/* ---------- the stock-like tunnel server ---------- */

struct ts_conn {
  ev_io w;
  uint8_t in[8192];
  size_t nin;
  int bound; /* past the relay handshake */
  int is_bind, is_connect;
  struct gost_smux *mux;
  char data[8][256]; /* per odd sid 3,5,.. received bytes */
  size_t ndata[8];
  uint8_t req[1024];
  size_t nreq;
  uint16_t peer_port;
};

static struct {
  ev_io lw;
  uint16_t port;
  struct ts_conn *conn; /* latest */
  int binds, connects;
  double bind_time[8];
  void (*on_bound)(struct ts_conn *c);
  void (*on_data)(struct ts_conn *c, uint32_t sid);
} ts;

static void ts_flush(struct ts_conn *c) {
  size_t n;
  const uint8_t *p;
  while ((p = gost__smux_peek_out(c->mux, &n)) && n) {
    lp_write_all(c->w.fd, p, n);
    gost__smux_consume_out(c->mux, n);
  }
}

static int ts_data(struct gost_smux *s, uint32_t sid, const uint8_t *d, size_t n, void *user) {
  struct ts_conn *c = user;
  size_t k = (sid - 3) / 2;
  ck_assert_uint_lt(k, 8);
  ck_assert_uint_lt(c->ndata[k] + n, sizeof c->data[k]);
  memcpy(c->data[k] + c->ndata[k], d, n);
  c->ndata[k] += n;
  gost__smux_consumed(s, sid, n);
  if (ts.on_data) ts.on_data(c, sid);
  return 0;
}

static int ts_fin(struct gost_smux *s, uint32_t sid, void *user) {
  (void)user;
  gost__smux_close_stream(s, sid);
  return 0;
}

static void ts_close(struct ts_conn *c) {
  ev_io_stop(loop, &c->w);
  close(c->w.fd);
  gost__smux_free(c->mux);
  if (ts.conn == c) ts.conn = NULL;
  free(c);
}

/* Opens a stream with the §4.6 header {src 203.0.113.7:51000, dst} and a first payload. */
static uint32_t ts_open(struct ts_conn *c, const char *dst_hex, const void *payload, size_t n) {
  uint32_t sid;
  ck_assert_int_eq(gost__smux_open(c->mux, &sid), 0);
  uint8_t hdr[300];
  uint8_t dst[260];
  size_t dl = gost_test_hex(dst_hex, dst, sizeof dst);
  size_t hl = gost_test_hex("01 00 00 00 02 00 07 01 cb 00 71 07 c7 38", hdr, sizeof hdr);
  hdr[hl++] = 0x02;
  hdr[hl++] = 0x00;
  hdr[hl++] = (uint8_t)dl;
  memcpy(hdr + hl, dst, dl);
  hl += dl;
  hdr[3] = (uint8_t)(hl - 4);
  ck_assert_int_eq(gost__smux_write(c->mux, sid, hdr, hl), (ssize_t)hl);
  if (n) ck_assert_int_eq(gost__smux_write(c->mux, sid, payload, n), (ssize_t)n);
  ts_flush(c);
  return sid;
}

static void ts_read(struct ev_loop *l, ev_io *w, int ev) {
  (void)l;
  (void)ev;
  struct ts_conn *c = w->data;
  uint8_t buf[16384];
  ssize_t n = recv(w->fd, buf, sizeof buf, 0);
  if (n < 0 && errno == EAGAIN) return;
  if (n <= 0) {
    ts_close(c);
    return;
  }
  if (c->bound) {
    if (c->mux) {
      ck_assert_int_eq(gost__smux_recv(c->mux, buf, (size_t)n, (uint64_t)(ev_now(loop) * 1000)), 0);
      ts_flush(c);
    } else if (ts.on_data) {
      memcpy(c->data[0] + c->ndata[0], buf, (size_t)n);
      c->ndata[0] += (size_t)n;
      ts.on_data(c, 0);
    }
    return;
  }
  memcpy(c->in + c->nin, buf, (size_t)n);
  c->nin += (size_t)n;
  if (c->nin < 4 || c->nin < 4u + (size_t)(c->in[2] << 8 | c->in[3])) return;
  c->nreq = 4u + (size_t)(c->in[2] << 8 | c->in[3]);
  ck_assert_uint_eq(c->nin, c->nreq); /* the client waits for our reply */
  memcpy(c->req, c->in, c->nreq);
  c->bound = 1;
  if ((c->req[1] & 0x0f) == 0x02) {
    c->is_bind = 1;
    ts.bind_time[ts.binds++ % 8] = ev_time();
    uint8_t rep[64];
    size_t rl = gost_test_hex("01 00 00 2e 02 00 14 03 10 61 36 32 36 35 63 36 64 39 38 34 37 61 34 62 65 00 00"
                              "03 00 14 34 64 af 8b 49 c5 42 4c 89 ea b4 e9 af 07 5a 7d 00 00 00 01",
                              rep, sizeof rep);
    if (c->req[1] & 0x80) rep[rl - 4] = 0x01; /* UDP connector flag */
    lp_write_all(w->fd, rep, rl);
    struct gost_smux_config cfg;
    gost__smux_config_default(&cfg, 1);
    static const struct gost_smux_callbacks cb = {.on_stream_data = ts_data, .on_stream_fin = ts_fin};
    ck_assert_int_eq(gost__smux_new(&c->mux, NULL, &cfg, &cb, c), 0);
  } else {
    c->is_connect = 1;
    ts.connects++;
    lp_write_all(w->fd, "\x01\x00\x00\x00", 4);
  }
  if (ts.on_bound) ts.on_bound(c);
}

static void ts_accept(struct ev_loop *l, ev_io *w, int ev) {
  (void)ev;
  struct sockaddr_in a;
  socklen_t al = sizeof a;
  int fd = accept4(w->fd, (struct sockaddr *)&a, &al, SOCK_NONBLOCK);
  if (fd < 0) return;
  struct ts_conn *c = calloc(1, sizeof *c);
  c->peer_port = ntohs(a.sin_port);
  ev_io_init(&c->w, ts_read, fd, EV_READ);
  c->w.data = c;
  ev_io_start(l, &c->w);
  ts.conn = c;
}

/* ---------- fixture ---------- */

static void run_until_done(double secs) {
  ck_assert_msg(lp_spin(loop, &done, secs), "scenario did not finish in %.0f s", secs);
}

static void setup(void) {
  loop = ev_loop_new(EVFLAG_AUTO);
  ck_assert_int_eq(gost_ctx_new_with_loop(&ctx, loop), 0);
  memset(&ts, 0, sizeof ts);
  done = 0;
  int fd = lp_listen(SOCK_STREAM, &ts.port);
  ev_io_init(&ts.lw, ts_accept, fd, EV_READ);
  ev_io_start(loop, &ts.lw);
}

static void teardown(void) {
  if (ts.conn) ts_close(ts.conn);
  ev_io_stop(loop, &ts.lw);
  close(ts.lw.fd);
  gost_ctx_free(ctx);
  ev_loop_destroy(loop);
}

/* ---------- client: BIND bytes, host routing, reconnect ---------- */

static int states[32], nstates;
static void on_state(gost_tunnel_t *t, int state, const char *detail, void *user) {
  (void)t;
  (void)user;
  (void)detail;
  if (nstates < 32) states[nstates++] = state;
}

static void assert_bind_bytes(const struct ts_conn *c, int udp) {
  uint8_t want[128];
  char hex[512];
  snprintf(hex, sizeof hex,
           "01 %s 00 %02x %s 02 00 07 01 7f 00 00 01 %02x %02x 02 00 04 03 00 00 00"
           "03 00 14 4d 21 09 4e b7 4c 49 16 86 c1 d9 fa 36 ea 67 7b 00 00 00 01",
           udp ? "82" : "02", udp ? 0x2d : 0x28, udp ? "04 00 02 00 01" : "", c->peer_port >> 8,
           c->peer_port & 0xff);
  size_t wl = gost_test_hex(hex, want, sizeof want);
  ck_assert_uint_eq(c->nreq, wl);
  ck_assert_mem_eq(c->req, want, wl);
}

static void routed_bound(struct ts_conn *c) {
  assert_bind_bytes(c, 0);
  /* example.com:80 -> backend A (filter.host), other.org:80 -> fallback B */
  ts_open(c, "03 0b 65 78 61 6d 70 6c 65 2e 63 6f 6d 00 50", "GET-A", 5);
  ts_open(c, "03 09 6f 74 68 65 72 2e 6f 72 67 00 50", "GET-B", 5);
}

static void routed_data(struct ts_conn *c, uint32_t sid) {
  (void)sid;
  if (c->ndata[0] == 7 && c->ndata[1] == 7) {
    ck_assert_mem_eq(c->data[0], "A:GET-A", 7);
    ck_assert_mem_eq(c->data[1], "B:GET-B", 7);
    done = 1;
  }
}

START_TEST(client_bind_route_reconnect) {
  struct lp_backend a, b;
  char aa[32], ba[32], url[64];
  snprintf(aa, sizeof aa, "127.0.0.1:%u", lp_backend_start(loop, &a, 'A', 0));
  snprintf(ba, sizeof ba, "127.0.0.1:%u", lp_backend_start(loop, &b, 'B', 0));
  snprintf(url, sizeof url, "tunnel://127.0.0.1:%u", ts.port);
  gost_tunnel_t *t;
  ck_assert_int_eq(gost_tunnel_new(&t, ctx, url, TID, ":0"), 0);
  ck_assert_int_eq(gost_tunnel_set_weight(t, 1), 0);
  ck_assert_int_eq(gost_tunnel_add_target(t, aa, "example.com"), 0);
  ck_assert_int_eq(gost_tunnel_add_target(t, ba, NULL), 0);
  nstates = 0;
  ck_assert_int_eq(gost_tunnel_set_state_cb(t, on_state, NULL), 0);
  ts.on_bound = routed_bound;
  ts.on_data = routed_data;
  ck_assert_int_eq(gost_tunnel_start(t), 0);
  run_until_done(10);
  ck_assert_str_eq(gost_tunnel_endpoint(t), "a6265c6d9847a4be");
  ck_assert_int_eq(gost_tunnel_state(t), GOST_TUNNEL_REGISTERED);

  /* the server drops the session: the client re-BINDs after ~1 s (+-20 %) */
  done = 0;
  ts.on_bound = NULL;
  ts.on_data = NULL;
  double t0 = ev_time();
  ts_close(ts.conn);
  int binds = ts.binds;
  while (ts.binds == binds && ev_time() - t0 < 5) {
    int never = 0;
    lp_spin(loop, &never, 0.02);
  }
  ck_assert_int_eq(ts.binds, binds + 1);
  double dt = ts.bind_time[binds % 8] - t0;
  ck_assert_msg(dt > 0.7 && dt < 1.6, "re-BIND after %.2f s", dt);
  assert_bind_bytes(ts.conn, 0);
  while (gost_tunnel_state(t) != GOST_TUNNEL_REGISTERED && ev_time() - t0 < 5) {
    int never = 0;
    lp_spin(loop, &never, 0.02);
  }
  int want[] = {GOST_TUNNEL_CONNECTING, GOST_TUNNEL_REGISTERED, GOST_TUNNEL_LOST, GOST_TUNNEL_RETRYING,
                GOST_TUNNEL_CONNECTING, GOST_TUNNEL_REGISTERED};
  ck_assert_int_eq(nstates, 6);
  for (int i = 0; i < 6; i++) ck_assert_int_eq(states[i], want[i]);
  gost_tunnel_free(t);
  lp_backend_stop(loop, &a);
  lp_backend_stop(loop, &b);
}
END_TEST

/* ---------- client: rudp with framing (A) ---------- */

static void udp_bound(struct ts_conn *c) {
  assert_bind_bytes(c, 1);
  ts_open(c, "03 09 64 6e 73 2e 6c 6f 63 61 6c 00 00", "\x00\x04ping", 6);
}

static void udp_data(struct ts_conn *c, uint32_t sid) {
  (void)sid;
  if (c->ndata[0] == 8) {
    ck_assert_mem_eq(c->data[0], "\x00\x06U:ping", 8);
    done = 1;
  }
}

START_TEST(client_rudp) {
  struct lp_backend u;
  char ua[32], url[64];
  snprintf(ua, sizeof ua, "127.0.0.1:%u", lp_backend_start(loop, &u, 'U', 1));
  snprintf(url, sizeof url, "tunnel://127.0.0.1:%u", ts.port);
  gost_tunnel_t *t;
  ck_assert_int_eq(gost_tunnel_new(&t, ctx, url, TID, ":0"), 0);
  ck_assert_int_eq(gost_tunnel_set_weight(t, 1), 0);
  ck_assert_int_eq(gost_tunnel_set_udp(t, 1), 0);
  ck_assert_int_eq(gost_tunnel_add_target(t, ua, NULL), 0);
  ts.on_bound = udp_bound;
  ts.on_data = udp_data;
  ck_assert_int_eq(gost_tunnel_start(t), 0);
  run_until_done(10);
  gost_tunnel_free(t);
  lp_backend_stop(loop, &u);
}
END_TEST

/* ---------- visitor: CONNECT bytes, then pipe ---------- */

static ev_io user_w;
static char user_got[64];
static size_t user_n;

static void visitor_bound(struct ts_conn *c) {
  uint8_t want[128];
  size_t wl = gost_test_hex("01 01 00 37 02 00 07 01 7f 00 00 01 00 00"
                            "02 00 13 03 0f 73 73 68 2e 73 72 76 2d 32 2e 6c 6f 63 61 6c 00 00"
                            "03 00 14 ae de 1f 6a 76 2b 45 da b9 37 b6 63 23 56 55 5a 00 00 00 00",
                            want, sizeof want);
  ck_assert_uint_eq(c->nreq, wl);
  /* src = the visitor's own client (127.0.0.1 and its port), as stock sends it */
  ck_assert_mem_eq(c->req, want, 12);
  ck_assert(c->req[12] || c->req[13]);
  ck_assert_mem_eq(c->req + 14, want + 14, wl - 14);
}

static void visitor_data(struct ts_conn *c, uint32_t sid) {
  (void)sid;
  if (c->ndata[0] == 2) lp_write_all(c->w.fd, "echo:hi", 7);
}

static void user_read(struct ev_loop *l, ev_io *w, int ev) {
  (void)l;
  (void)ev;
  ssize_t n = recv(w->fd, user_got + user_n, sizeof user_got - user_n, 0);
  if (n > 0) user_n += (size_t)n;
  if (user_n == 7) done = 1;
}

START_TEST(visitor_tcp) {
  gost_chain_t *ch;
  char addr[32];
  snprintf(addr, sizeof addr, "127.0.0.1:%u", ts.port);
  ck_assert_int_eq(gost_chain_new(&ch, ctx, "chain-0"), 0);
  ck_assert_int_eq(gost_chain_add_hop(ch, "hop-0"), 0);
  ck_assert_int_eq(gost_chain_add_node(ch, 0, "node-0", addr, "tunnel", "tcp"), 0);
  ck_assert_int_eq(gost_chain_set_node_meta(ch, "node-0", "connector", "tunnel.id", VID), 0);
  gost_service_t *svc;
  ck_assert_int_eq(gost_service_new(&svc, ctx, "visitor"), 0);
  ck_assert_int_eq(gost_service_set_listener(svc, "tcp", "127.0.0.1:0"), 0);
  ck_assert_int_eq(gost_service_set_handler(svc, "tcp"), 0);
  ck_assert_int_eq(gost_service_set_chain(svc, ch), 0);
  ck_assert_int_eq(gost_service_add_node(svc, "ssh", "ssh.srv-2.local", NULL), 0);
  ck_assert_int_eq(gost_service_start(svc), 0);
  ts.on_bound = visitor_bound;
  ts.on_data = visitor_data;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                          .sin_port = htons(gost_service_port(svc))};
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  fcntl(fd, F_SETFL, O_NONBLOCK);
  lp_write_all(fd, "hi", 2);
  user_n = 0;
  ev_io_init(&user_w, user_read, fd, EV_READ);
  ev_io_start(loop, &user_w);
  run_until_done(10);
  ck_assert_mem_eq(user_got, "echo:hi", 7);
  ck_assert_int_eq(ts.connects, 1);
  ev_io_stop(loop, &user_w);
  close(fd);
  gost_service_free(svc);
  gost_chain_free(ch);
}
END_TEST


/* ---------- client: sniffing (HTTP Host wins over the header, sniffed bytes replayed) ---------- */

static double sniff_t0, late_at;

static void sniff_bound(struct ts_conn *c) {
  static const char req[] = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
  /* header dst is a bare IP: only sniffing can route this to A */
  ts_open(c, "01 01 02 03 04 00 50", req, sizeof req - 1);
  /* server-speaks-first style: nothing from the user; routed by header host after the
   * sniffing timeout */
  ts_open(c, "03 09 6f 74 68 65 72 2e 6f 72 67 00 16", NULL, 0);
  sniff_t0 = ev_time();
}

static void sniff_data(struct ts_conn *c, uint32_t sid) {
  (void)sid;
  if (!late_at && c->ndata[0] >= 6 && !memcmp(c->data[0], "A:GET ", 6)) {
    /* now the second stream's user speaks; B must answer once its dial is done */
    late_at = ev_time();
    ck_assert_int_eq(gost__smux_write(c->mux, 5, (const uint8_t *)"late", 4), 4);
    ts_flush(c);
  }
  if (c->ndata[1] == 6) {
    ck_assert_mem_eq(c->data[1], "B:late", 6);
    done = 1;
  }
}

START_TEST(client_sniffing) {
  struct lp_backend a, b;
  char aa[32], ba[32], addr[32];
  snprintf(aa, sizeof aa, "127.0.0.1:%u", lp_backend_start(loop, &a, 'A', 0));
  snprintf(ba, sizeof ba, "127.0.0.1:%u", lp_backend_start(loop, &b, 'B', 0));
  snprintf(addr, sizeof addr, "127.0.0.1:%u", ts.port);
  gost_chain_t *ch;
  ck_assert_int_eq(gost_chain_new(&ch, ctx, "chain-0"), 0);
  ck_assert_int_eq(gost_chain_add_hop(ch, "hop-0"), 0);
  ck_assert_int_ge(gost_chain_add_node(ch, 0, "node-0", addr, "tunnel", "tcp"), 0);
  ck_assert_int_eq(gost_chain_set_node_meta(ch, "node-0", "connector", "tunnel.id", TID), 0);
  gost_service_t *svc;
  ck_assert_int_eq(gost_service_new(&svc, ctx, "client"), 0);
  ck_assert_int_eq(gost_service_set_listener(svc, "rtcp", ":0"), 0);
  ck_assert_int_eq(gost_service_set_handler(svc, "rtcp"), 0);
  ck_assert_int_eq(gost_service_set_meta(svc, "handler", "sniffing", "true"), 0);
  ck_assert_int_eq(gost_service_set_meta(svc, "handler", "sniffing.timeout", "300ms"), 0);
  ck_assert_int_eq(gost_service_set_chain(svc, ch), 0);
  ck_assert_int_ge(gost_service_add_node(svc, "a", aa, "*.example.com"), 0);
  ck_assert_int_ge(gost_service_add_node(svc, "b", ba, NULL), 0);
  late_at = 0;
  ts.on_bound = sniff_bound;
  ts.on_data = sniff_data;
  ck_assert_int_eq(gost_service_start(svc), 0);
  run_until_done(10);
  ck_assert_int_eq(a.conns, 1);
  ck_assert_int_eq(b.conns, 1);
  gost_service_free(svc);
  gost_chain_free(ch);
  lp_backend_stop(loop, &a);
  lp_backend_stop(loop, &b);
}
END_TEST

/* ---------- client: PROXY protocol v1 to the target, 502 when no node fits ---------- */

static void pp_bound(struct ts_conn *c) {
  static const char ok[] = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
  static const char no[] = "GET / HTTP/1.1\r\nHost: nobody.org\r\n\r\n";
  ts_open(c, "03 0b 65 78 61 6d 70 6c 65 2e 63 6f 6d 00 50", ok, sizeof ok - 1);
  ts_open(c, "03 0a 6e 6f 62 6f 64 79 2e 6f 72 67 00 50", no, sizeof no - 1);
}

static void pp_data(struct ts_conn *c, uint32_t sid) {
  (void)sid;
  static const char pp[] = "A:PROXY TCP4 203.0.113.7 127.0.0.1 51000 ";
  static const char bad[] = "HTTP/1.1 502";
  if (c->ndata[0] > sizeof pp && c->ndata[1] >= sizeof bad - 1) {
    ck_assert_mem_eq(c->data[0], pp, sizeof pp - 1);
    ck_assert(memmem(c->data[0], c->ndata[0], "\r\nGET / HTTP/1.1\r\n", 18) != NULL);
    ck_assert_mem_eq(c->data[1], bad, sizeof bad - 1);
    done = 1;
  }
}

START_TEST(client_proxy_protocol_502) {
  struct lp_backend a;
  char aa[32], addr[32];
  snprintf(aa, sizeof aa, "127.0.0.1:%u", lp_backend_start(loop, &a, 'A', 0));
  snprintf(addr, sizeof addr, "127.0.0.1:%u", ts.port);
  gost_chain_t *ch;
  ck_assert_int_eq(gost_chain_new(&ch, ctx, "chain-0"), 0);
  ck_assert_int_eq(gost_chain_add_hop(ch, "hop-0"), 0);
  ck_assert_int_ge(gost_chain_add_node(ch, 0, "node-0", addr, "tunnel", "tcp"), 0);
  gost_service_t *svc;
  ck_assert_int_eq(gost_service_new(&svc, ctx, "client"), 0);
  ck_assert_int_eq(gost_service_set_listener(svc, "rtcp", ":0"), 0);
  ck_assert_int_eq(gost_service_set_handler(svc, "rtcp"), 0);
  ck_assert_int_eq(gost_service_set_meta(svc, "handler", "sniffing", "true"), 0);
  ck_assert_int_eq(gost_service_set_meta(svc, "handler", "proxyProtocol", "1"), 0);
  ck_assert_int_eq(gost_service_set_chain(svc, ch), 0);
  ck_assert_int_ge(gost_service_add_node(svc, "a", aa, "example.com"), 0);
  ts.on_bound = pp_bound;
  ts.on_data = pp_data;
  ck_assert_int_eq(gost_service_start(svc), 0);
  run_until_done(10);
  gost_service_free(svc);
  gost_chain_free(ch);
  lp_backend_stop(loop, &a);
}
END_TEST

int main(void) {
  Suite *s = suite_create("tunnel_client_integration");
  TCase *tc = tcase_create("loopback");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, client_bind_route_reconnect);
  tcase_add_test(tc, client_rudp);
  tcase_add_test(tc, visitor_tcp);
  tcase_add_test(tc, client_sniffing);
  tcase_add_test(tc, client_proxy_protocol_502);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
