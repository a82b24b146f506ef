/* mux session over a scripted carrier: the peer is the smux codec machine (acceptor), bytes
 * move only when the test says so. Checks one write per iteration, flow control with read
 * stop/start, FIN semantics, keepalive death. */
#include <check.h>
#include <ev.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx_int.h"
#include "gost/error.h"
#include "mux/session.h"
#include "harness.h"

/* ---- scripted carrier ---- */
struct carrier {
  gost_stream base;
  int reading, closed, writes;
  uint8_t out[1 << 20];
  size_t nout;
};

static int c_rs(gost_stream *s) { ((struct carrier *)s)->reading = 1; return 0; }
static int c_rp(gost_stream *s) { ((struct carrier *)s)->reading = 0; return 0; }
static int c_write(gost_stream *s, const struct iovec *iov, int n, gost_stream_write_cb cb, void *u) {
  struct carrier *c = (struct carrier *)s;
  c->writes++;
  for (int i = 0; i < n; i++) {
    ck_assert_uint_le(c->nout + iov[i].iov_len, sizeof c->out);
    memcpy(c->out + c->nout, iov[i].iov_base, iov[i].iov_len);
    c->nout += iov[i].iov_len;
  }
  return 0;
}
static size_t c_q(const gost_stream *s) { return 0; }
static int c_shut(gost_stream *s) { return 0; }
static void c_close(gost_stream *s) { ((struct carrier *)s)->closed = 1; }
static const struct gost_stream_ops carrier_ops = {"test", c_rs, c_rp, c_write, c_q, c_shut, c_close, NULL};

/* ---- fixture ---- */
static gost_ctx_t *ctx;
static struct carrier *car;
static struct gost_mux_session *m;
static struct gost_smux *peer;
static int closed_status, closed_calls;
static uint32_t peer_sid;
static size_t peer_got;

static int p_open(struct gost_smux *s, uint32_t sid, void *u) { peer_sid = sid; return 0; }
static int p_data(struct gost_smux *s, uint32_t sid, const uint8_t *d, size_t n, void *u) {
  peer_got += n;
  gost__smux_consumed(s, sid, n);
  return 0;
}
static int p_fin(struct gost_smux *s, uint32_t sid, void *u) { return 0; }

static void on_closed(struct gost_mux_session *mm, int status, void *u) {
  closed_status = status;
  closed_calls++;
}

static void iterate(int n) {
  while (n--) ev_run(ctx->loop, EVRUN_NOWAIT);
}

/* carrier output -> peer machine */
static void to_peer(void) {
  ck_assert_int_eq(gost__smux_recv(peer, car->out, car->nout, 0), 0);
  car->nout = 0;
}
/* peer output -> session */
static void to_session(void) {
  size_t n;
  const uint8_t *p;
  while ((p = gost__smux_peek_out(peer, &n)) && n) {
    car->base.on_read(&car->base, (ssize_t)n, (const char *)p, car->base.user);
    gost__smux_consume_out(peer, n);
  }
}

static void setup_with(const char *interval, const char *timeout) {
  ck_assert_int_eq(gost_ctx_new(&ctx), 0);
  car = calloc(1, sizeof *car);
  gost__stream_init(&car->base, &carrier_ops, ctx);
  json_t *meta = json_object();
  if (interval) json_object_set_new(meta, "mux.keepaliveinterval", json_string(interval));
  if (timeout) json_object_set_new(meta, "mux.keepalivetimeout", json_string(timeout));
  struct gost_smux_config cfg;
  ck_assert_int_eq(gost__mux_config_from_meta(&cfg, meta, 1, 2), 0);
  json_decref(meta);
  static const struct gost_mux_callbacks cb = {NULL, on_closed};
  ck_assert_int_eq(gost__mux_session_new(&m, ctx, &car->base, &cfg, NULL, 0, &cb, NULL), 0);
  struct gost_smux_config pc;
  gost__smux_config_default(&pc, 0);
  static const struct gost_smux_callbacks pcb = {p_open, p_data, p_fin, NULL};
  ck_assert_int_eq(gost__smux_new(&peer, NULL, &pc, &pcb, NULL), 0);
  closed_calls = 0;
  peer_sid = 0;
  peer_got = 0;
}

static void setup(void) { setup_with(NULL, NULL); }

static void teardown(void) {
  if (!closed_calls) gost__mux_session_close(m); /* a dead session frees itself */
  gost__smux_free(peer);
  gost_ctx_free(ctx);
  free(car);
}

/* ---- stream reader used by the tests ---- */
static size_t got;
static int eof_seen;
static void reader(gost_stream *s, ssize_t n, const char *d, void *u) {
  if (n < 0) eof_seen = (int)n;
  else got += (size_t)n;
}

START_TEST(open_writes_syn_and_data_once) {
  gost_stream *s;
  ck_assert_int_eq(gost__mux_open_stream(m, &s), 0);
  ck_assert_int_eq(gost_stream_write_buf(s, "abc", 3, NULL, NULL), 0);
  ck_assert_int_eq(car->writes, 0); /* nothing before the loop turns */
  iterate(1);
  ck_assert_int_eq(car->writes, 1);
  static const uint8_t want[] = {2, 0, 0, 0, 3, 0, 0, 0, 2, 2, 3, 0, 3, 0, 0, 0, 'a', 'b', 'c'};
  ck_assert_uint_eq(car->nout, sizeof want);
  ck_assert_mem_eq(car->out, want, sizeof want);
  to_peer();
  ck_assert_uint_eq(peer_sid, 3);
  ck_assert_uint_eq(peer_got, 3);
  gost_stream_close(s);
  iterate(2);
  static const uint8_t fin[] = {2, 1, 0, 0, 3, 0, 0, 0};
  ck_assert_mem_eq(car->out, fin, sizeof fin);
}
END_TEST

START_TEST(window_queues_and_drains) {
  gost_stream *s;
  ck_assert_int_eq(gost__mux_open_stream(m, &s), 0);
  static char big[300000];
  /* initial peer window is 256 KiB: the rest waits in the stream queue */
  ck_assert_int_eq(gost_stream_write_buf(s, big, sizeof big, NULL, NULL), 0);
  ck_assert_uint_gt(gost_stream_queued(s), sizeof big - 262144);
  ck_assert_uint_lt(gost_stream_queued(s), sizeof big - 262144 + 64);
  for (int i = 0; i < 10; i++) {
    iterate(1);
    to_peer();
    to_session(); /* UPDs from the peer open the window */
  }
  ck_assert_uint_eq(gost_stream_queued(s), 0);
  ck_assert_uint_eq(peer_got, sizeof big);
  gost_stream_close(s);
}
END_TEST

START_TEST(read_stop_holds_consumed) {
  gost_stream *s;
  ck_assert_int_eq(gost__mux_open_stream(m, &s), 0);
  iterate(1);
  to_peer();
  got = 0;
  eof_seen = 0;
  gost_stream_set_read_cb(s, reader, NULL);
  /* reader stopped: data is held and no UPD goes out */
  static uint8_t data[1000];
  ck_assert_int_eq(gost__smux_write(peer, 3, data, sizeof data), (ssize_t)sizeof data);
  to_session();
  iterate(2);
  ck_assert_uint_eq(got, 0);
  ck_assert_uint_eq(car->nout, 0);
  ck_assert_int_eq(gost_stream_read_start(s), 0);
  ck_assert_uint_eq(got, 0); /* never from inside read_start */
  iterate(2);
  ck_assert_uint_eq(got, sizeof data);
  ck_assert_uint_eq(car->nout, 16); /* UPD on the first read */
  ck_assert_uint_eq(car->out[1], 4);
  /* peer FIN: EOF after the data */
  ck_assert_int_eq(gost__smux_close_stream(peer, 3), 0);
  to_session();
  iterate(2);
  ck_assert_int_eq(eof_seen, GOST_ECLOSED);
  ck_assert_int_ne(gost_stream_write_buf(s, "x", 1, NULL, NULL), 0);
  gost_stream_close(s);
}
END_TEST

static void setup_fast(void) { setup_with("50ms", "150ms"); }

START_TEST(keepalive_nop_and_death) {
  gost_stream *s;
  ck_assert_int_eq(gost__mux_open_stream(m, &s), 0);
  eof_seen = 0;
  gost_stream_set_read_cb(s, reader, NULL);
  gost_stream_read_start(s);
  double end = ev_time() + 1.0;
  while (ev_time() < end && !closed_calls) ev_run(ctx->loop, EVRUN_ONCE);
  ck_assert_int_eq(closed_calls, 1);
  ck_assert_int_eq(closed_status, GOST_ETIMEDOUT);
  ck_assert(car->closed);
  /* NOPs went out before the death */
  int nops = 0;
  for (size_t i = 0; i + 8 <= car->nout; i += 8)
    if (car->out[i + 1] == 3) nops++;
  ck_assert_int_ge(nops, 1);
  iterate(2);
  ck_assert_int_eq(eof_seen, GOST_ETIMEDOUT);
  gost_stream_close(s);
}
END_TEST

int main(void) {
  Suite *su = suite_create("mux_session");
  TCase *tc = tcase_create("session");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, open_writes_syn_and_data_once);
  tcase_add_test(tc, window_queues_and_drains);
  tcase_add_test(tc, read_stop_holds_consumed);
  suite_add_tcase(su, tc);
  TCase *tk = tcase_create("keepalive");
  tcase_add_checked_fixture(tk, setup_fast, teardown);
  tcase_add_test(tk, keepalive_nop_and_death);
  suite_add_tcase(su, tk);
  return gost_test_run(su);
}
