/* Unit tests of the tunnel client pieces that need no sockets: request bytes (wire-spec
 * §15.1, §15.3), back-off, host-based node selection, and the stream adapters over an
 * in-memory stream. */
#include <check.h>
#include <ev.h>
#include <string.h>

#include "connector/tunnel.h"
#include "core/ctx_int.h"
#include "core/meta.h"
#include "handler/remote.h"
#include "harness.h"
#include "io/dgramframe.h"
#include "io/msgread.h"
#include "tunnel/rtcp.h"

static struct gost_node *mknode(const char *connector, const char *id, const char *weight) {
  static struct gost_node n;
  memset(&n, 0, sizeof n);
  n.connector = (char *)connector;
  n.connector_meta = json_object();
  if (id) gost__meta_set(n.connector_meta, "tunnel.id", id);
  if (weight) gost__meta_set(n.connector_meta, "tunnel.weight", weight);
  return &n;
}

START_TEST(bind_bytes_15_1) {
  struct gost_node *n = mknode("tunnel", "4d21094e-b74c-4916-86c1-d9fa36ea677b", "1");
  struct gost_tunnel_opts o;
  ck_assert_int_eq(gost__tunnel_opts(n, NULL, &o), 0);
  uint8_t buf[512], want[128];
  int len = gost__tunnel_build_request(n, &o, GOST__RELAY_CMD_BIND, 0, "192.168.1.10:53422", ":0", buf, sizeof buf);
  size_t wl = gost_test_hex("01 02 00 28  02 00 07 01 c0 a8 01 0a d0 ae  02 00 04 03 00 00 00"
                            "03 00 14 4d 21 09 4e b7 4c 49 16 86 c1 d9 fa 36 ea 67 7b 00 00 00 01",
                            want, sizeof want);
  ck_assert_int_eq(len, (int)wl);
  ck_assert_mem_eq(buf, want, wl);
  /* UDP variant: CMD 0x82 and a leading Network feature */
  len = gost__tunnel_build_request(n, &o, GOST__RELAY_CMD_BIND, 1, "192.168.1.10:53422", ":0", buf, sizeof buf);
  ck_assert_int_eq(len, (int)wl + 5);
  ck_assert_int_eq(buf[1], 0x82);
  ck_assert_int_eq(buf[3], 0x28 + 5);
  uint8_t net[] = {0x04, 0x00, 0x02, 0x00, 0x01};
  ck_assert_mem_eq(buf + 4, net, 5);
  /* custom name "hello": domain "hello" port 0 */
  len = gost__tunnel_build_request(n, &o, GOST__RELAY_CMD_BIND, 0, "192.168.1.10:53422", "hello", buf, sizeof buf);
  uint8_t hello[] = {0x02, 0x00, 0x09, 0x03, 0x05, 'h', 'e', 'l', 'l', 'o', 0x00, 0x00};
  ck_assert_mem_eq(buf + 4 + 10, hello, sizeof hello);
  json_decref(n->connector_meta);
}
END_TEST

START_TEST(connect_bytes_15_3) {
  struct gost_node *n = mknode("tunnel", "aede1f6a-762b-45da-b937-b6632356555a", NULL);
  struct gost_tunnel_opts o;
  ck_assert_int_eq(gost__tunnel_opts(n, NULL, &o), 0);
  uint8_t buf[512], want[128];
  int len = gost__tunnel_build_request(n, &o, GOST__RELAY_CMD_CONNECT, 1, "127.0.0.1:40000",
                                       "dns.srv-2.local:0", buf, sizeof buf);
  size_t wl = gost_test_hex("01 81 00 3c 04 00 02 00 01 02 00 07 01 7f 00 00 01 9c 40"
                            "02 00 13 03 0f 64 6e 73 2e 73 72 76 2d 32 2e 6c 6f 63 61 6c 00 00"
                            "03 00 14 ae de 1f 6a 76 2b 45 da b9 37 b6 63 23 56 55 5a 00 00 00 00",
                            want, sizeof want);
  ck_assert_int_eq(len, (int)wl);
  ck_assert_mem_eq(buf, want, wl);
  json_decref(n->connector_meta);
}
END_TEST

START_TEST(legacy_relay_and_generated_id) {
  /* legacy relay: single Addr, 16-byte tunnel DATA, smux v1 */
  struct gost_node *n = mknode("relay", "aede1f6a-762b-45da-b937-b6632356555a", NULL);
  struct gost_tunnel_opts o;
  ck_assert_int_eq(gost__tunnel_opts(n, NULL, &o), 0);
  ck_assert_int_eq(o.mux_version, 1);
  uint8_t buf[512];
  int len = gost__tunnel_build_request(n, &o, GOST__RELAY_CMD_CONNECT, 0, "0.0.0.0:0", "a.b:22", buf, sizeof buf);
  ck_assert_int_eq(len, 4 + (3 + 1 + 1 + 3 + 2) + (3 + 16));
  json_decref(n->connector_meta);
  /* tunnel without tunnel.id: one random ID, kept across calls */
  n = mknode("tunnel", NULL, "300");
  struct gost_tunnel_opts o1, o2;
  ck_assert_int_eq(gost__tunnel_opts(n, NULL, &o1), 0);
  ck_assert_int_eq(gost__tunnel_opts(n, NULL, &o2), 0);
  ck_assert(o1.has_id);
  ck_assert_str_eq(o1.id_str, o2.id_str);
  ck_assert_int_eq(o1.weight, 300 % 256);
  ck_assert_int_eq(o1.mux_version, 2);
  json_decref(n->connector_meta);
  /* bad id */
  n = mknode("tunnel", "not-a-uuid", NULL);
  ck_assert_int_eq(gost__tunnel_opts(n, NULL, &o), GOST_ECONFIG);
  json_decref(n->connector_meta);
}
END_TEST

START_TEST(backoff) {
  ck_assert_uint_eq(gost__rtcp_backoff_ms(0, 0.5), 1000);
  ck_assert_uint_eq(gost__rtcp_backoff_ms(1, 0.5), 2000);
  ck_assert_uint_eq(gost__rtcp_backoff_ms(2, 0.5), 4000);
  ck_assert_uint_eq(gost__rtcp_backoff_ms(3, 0.5), 5000);
  ck_assert_uint_eq(gost__rtcp_backoff_ms(50, 0.5), 5000);
  ck_assert_uint_eq(gost__rtcp_backoff_ms(0, 0.0), 800);
  ck_assert_uint_le(gost__rtcp_backoff_ms(3, 0.9999), 6000);
}
END_TEST

/* ---- node selection ---- */

static gost_ctx_t *ctx;
static struct ev_loop *loop;

static void setup(void) {
  loop = ev_loop_new(EVFLAG_AUTO);
  ck_assert_int_eq(gost_ctx_new_with_loop(&ctx, loop), 0);
}
static void teardown(void) {
  gost_ctx_free(ctx);
  ev_loop_destroy(loop);
}

START_TEST(select_by_host) {
  struct gost_node a = {.name = "a", .addr = "10.0.0.1:80", .filter_host = "example.com"};
  struct gost_node w = {.name = "w", .addr = "10.0.0.2:80", .filter_host = ".example.org"};
  struct gost_node f = {.name = "f", .addr = "10.0.0.3:80"};
  struct gost_node b = {.name = "b", .addr = "10.0.0.4:80", .meta = json_pack("{s:s}", "backup", "true")};
  struct gost_node *nodes[] = {&b, &a, &w, &f};
  struct gost_service svc;
  memset(&svc, 0, sizeof svc);
  svc.ctx = ctx;
  svc.nodes = nodes;
  svc.nnodes = 4;
  for (int i = 0; i < 3; i++) ck_assert_ptr_eq(gost__remote_select(&svc, "example.com:80"), &a);
  ck_assert_ptr_eq(gost__remote_select(&svc, "EXAMPLE.com"), &a);
  ck_assert_ptr_eq(gost__remote_select(&svc, "x.example.org:443"), &w);
  ck_assert_ptr_eq(gost__remote_select(&svc, "example.org"), &w);
  ck_assert_ptr_eq(gost__remote_select(&svc, "badexample.org"), &f); /* no suffix quirk */
  ck_assert_ptr_eq(gost__remote_select(&svc, NULL), &f);
  ck_assert_ptr_eq(gost__remote_select(&svc, "other.net"), &f);
  /* fallback failed -> backup; matching node failed -> fallback */
  gost__remote_node_failed(&svc, &f);
  ck_assert_ptr_eq(gost__remote_select(&svc, "other.net"), &b);
  gost__remote_node_failed(&svc, &a);
  ck_assert_ptr_eq(gost__remote_select(&svc, "example.com"), &b);
  json_decref(b.meta);
}
END_TEST

/* ---- stream adapters over an in-memory stream ---- */

struct mem_stream {
  gost_stream base;
  uint8_t out[70000];
  size_t nout;
  int reading, closed;
};

static int m_rs(gost_stream *s) { ((struct mem_stream *)s)->reading = 1; return 0; }
static int m_rp(gost_stream *s) { ((struct mem_stream *)s)->reading = 0; return 0; }
static int m_w(gost_stream *s, const struct iovec *iov, int n, gost_stream_write_cb cb, void *u) {
  struct mem_stream *m = (struct mem_stream *)s;
  for (int i = 0; i < n; i++) {
    memcpy(m->out + m->nout, iov[i].iov_base, iov[i].iov_len);
    m->nout += iov[i].iov_len;
  }
  (void)cb;
  (void)u;
  return 0;
}
static size_t m_q(const gost_stream *s) { (void)s; return 0; }
static int m_sd(gost_stream *s) { (void)s; return 0; }
static void m_c(gost_stream *s) { ((struct mem_stream *)s)->closed = 1; }
static const struct gost_stream_ops mem_ops = {"mem", m_rs, m_rp, m_w, m_q, m_sd, m_c, NULL};

static void feed(struct mem_stream *m, const void *p, size_t n) {
  ck_assert(m->reading);
  m->base.on_read(&m->base, (ssize_t)n, p, m->base.user);
}

static char got[8][70000];
static size_t gotlen[8];
static int ngot;
static void collect(gost_stream *s, ssize_t n, const char *d, void *u) {
  (void)s;
  (void)u;
  ck_assert_int_gt(n, 0);
  memcpy(got[ngot], d, (size_t)n);
  gotlen[ngot++] = (size_t)n;
}

START_TEST(dgramframe_split_and_whole) {
  static struct mem_stream m;
  memset(&m, 0, sizeof m);
  gost__stream_init(&m.base, &mem_ops, ctx);
  gost_stream *d = gost__dgramframe_new(ctx, &m.base);
  ngot = 0;
  gost_stream_set_read_cb(d, collect, NULL);
  gost_stream_read_start(d);
  /* two whole frames in one read, then one split over three reads, and an empty one */
  uint8_t in[] = {0, 3, 'a', 'b', 'c', 0, 0, 0, 2, 'd', 'e', 0, 4, 'w', 'x'};
  feed(&m, in, sizeof in);
  feed(&m, "y", 1);
  feed(&m, "z", 1);
  ck_assert_int_eq(ngot, 3);
  ck_assert_int_eq(gotlen[0], 3);
  ck_assert_mem_eq(got[0], "abc", 3);
  ck_assert_mem_eq(got[1], "de", 2);
  ck_assert_mem_eq(got[2], "wxyz", 4);
  ck_assert_int_eq(gost_stream_write_buf(d, "hello", 5, NULL, NULL), 0);
  ck_assert_int_eq(m.nout, 0); /* batched: handed on at the start of the next iteration */
  ev_run(ctx->loop, EVRUN_NOWAIT);
  ck_assert_int_eq(m.nout, 7);
  ck_assert_mem_eq(m.out, "\x00\x05hello", 7);
  static char big[65536];
  ck_assert_int_eq(gost_stream_write_buf(d, big, 65536, NULL, NULL), GOST_EINVAL);
  ck_assert_int_eq(gost_stream_write_buf(d, big, 65535, NULL, NULL), 0);
  gost_stream_close(d);
  ck_assert(m.closed);
}
END_TEST

static int resp_parse(const uint8_t *b, size_t n, void *out, size_t *c) {
  return gost__relay_decode_response(b, n, out, c);
}
static gost_stream *done_s;
static int done_status = 1;
static void on_msg(gost_stream *s, int status, void *u) {
  (void)u;
  done_s = s;
  done_status = status;
}

START_TEST(msgread_leaves_tail) {
  static struct mem_stream m;
  memset(&m, 0, sizeof m);
  gost__stream_init(&m.base, &mem_ops, ctx);
  struct gost_relay_msg msg;
  done_status = 1;
  struct gost_msg_read *r = gost__msg_read(ctx, &m.base, 1024, 1000, resp_parse, &msg, on_msg, NULL);
  ck_assert_ptr_nonnull(r);
  /* response split in two reads, followed by smux bytes in the second */
  feed(&m, "\x01\x00", 2);
  ck_assert_int_eq(done_status, 1);
  feed(&m, "\x00\x00TAIL", 6);
  ck_assert_int_eq(done_status, 0);
  ck_assert_ptr_ne(done_s, &m.base); /* wrapped to replay "TAIL" */
  ngot = 0;
  gost_stream_set_read_cb(done_s, collect, NULL);
  gost_stream_read_start(done_s);
  ev_run(loop, EVRUN_NOWAIT);
  ck_assert_int_eq(ngot, 1);
  ck_assert_mem_eq(got[0], "TAIL", 4);
  feed(&m, "more", 4); /* then pass-through */
  ck_assert_int_eq(ngot, 2);
  gost_stream_close(done_s);
  ck_assert(m.closed);
  /* timeout */
  memset(&m, 0, sizeof m);
  gost__stream_init(&m.base, &mem_ops, ctx);
  done_status = 1;
  r = gost__msg_read(ctx, &m.base, 1024, 20, resp_parse, &msg, on_msg, NULL);
  ev_run(loop, 0);
  ck_assert_int_eq(done_status, GOST_ETIMEDOUT);
  ck_assert_ptr_eq(done_s, &m.base);
  /* bound */
  done_status = 1;
  r = gost__msg_read(ctx, &m.base, 8, 0, resp_parse, &msg, on_msg, NULL);
  feed(&m, "\x01\x00\x00\x10", 4);
  feed(&m, "0123456789", 10);
  ck_assert_int_eq(done_status, GOST_EPROTO);
}
END_TEST

int main(void) {
  Suite *s = suite_create("tunnel_client");
  TCase *tc = tcase_create("wire");
  tcase_add_test(tc, bind_bytes_15_1);
  tcase_add_test(tc, connect_bytes_15_3);
  tcase_add_test(tc, legacy_relay_and_generated_id);
  tcase_add_test(tc, backoff);
  suite_add_tcase(s, tc);
  tc = tcase_create("select_and_streams");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, select_by_host);
  tcase_add_test(tc, dgramframe_split_and_whole);
  tcase_add_test(tc, msgread_leaves_tail);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
