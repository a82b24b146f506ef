/* TLS, WebSocket and WSS streams over an in-memory pair: 4 MiB echo, handshake failures,
 * oversize frames, timeouts. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx_int.h"
#include "gost/error.h"
#include "gost/log.h"
#include "io/memstream.h"
#include "transport/tls.h"
#include "transport/ws.h"

#define TOTAL ((size_t)4 << 20)
#define HIGH ((size_t)256 << 10)
#define CHUNK ((size_t)48 << 10)

static unsigned char pat(size_t i) { return (unsigned char)(i * 7 + (i >> 9)); }

struct side {
  gost_stream *s;
  int status, done;
};

struct echo {
  gost_ctx_t *ctx;
  struct side cli, srv;
  size_t sent, got;
  int mismatch, srv_eof, cli_err;
};

static void on_ready(gost_ctx_t *ctx, gost_stream *s, int status, void *user) {
  (void)ctx;
  struct side *sd = user;
  sd->s = s;
  sd->status = status;
  sd->done = 1;
}

static void run_until(gost_ctx_t *ctx, int *flag) {
  ev_tstamp end = ev_time() + 30;
  while (!*flag && ev_time() < end) ev_run(ctx->loop, EVRUN_ONCE);
}

static void run_both(gost_ctx_t *ctx, struct side *a, struct side *b) {
  ev_tstamp end = ev_time() + 30;
  while (!(a->done && b->done) && ev_time() < end) ev_run(ctx->loop, EVRUN_ONCE);
}

/* Server: echo with backpressure (stop reading while the write queue is high). */
static void srv_drain(gost_stream *s, void *user) {
  (void)user;
  gost_stream_read_start(s);
}
static void srv_read(gost_stream *s, ssize_t n, const char *data, void *user) {
  struct echo *e = user;
  if (n < 0) {
    e->srv_eof = 1;
    return;
  }
  ck_assert_int_eq(gost_stream_write_buf(s, data, (size_t)n, NULL, NULL), 0);
  if (gost_stream_queued(s) > HIGH) gost_stream_read_stop(s);
}

/* Client: writes the pattern while below the watermark, checks what comes back. */
static void cli_pump(struct echo *e) {
  static unsigned char buf[CHUNK];
  while (e->sent < TOTAL && gost_stream_queued(e->cli.s) < HIGH) {
    size_t n = TOTAL - e->sent < CHUNK ? TOTAL - e->sent : CHUNK;
    for (size_t i = 0; i < n; i++) buf[i] = pat(e->sent + i);
    ck_assert_int_eq(gost_stream_write_buf(e->cli.s, buf, n, NULL, NULL), 0);
    e->sent += n;
  }
}
static void cli_drain(gost_stream *s, void *user) {
  (void)s;
  cli_pump(user);
}
static void cli_read(gost_stream *s, ssize_t n, const char *data, void *user) {
  (void)s;
  struct echo *e = user;
  if (n < 0) {
    e->cli_err = (int)n;
    return;
  }
  for (ssize_t i = 0; i < n; i++)
    if ((unsigned char)data[i] != pat(e->got + (size_t)i)) e->mismatch = 1;
  e->got += (size_t)n;
}

enum mode { M_TLS, M_WS, M_WSS };

struct wss_wait {
  struct side *sd;
  struct gost_ws_opts o;
};
static void wss_tls_done(gost_ctx_t *ctx, gost_stream *s, int status, void *user) {
  struct wss_wait *w = user;
  if (status != 0) return on_ready(ctx, s, status, w->sd);
  ck_assert_int_eq(gost__ws_wrap(ctx, s, &w->o, on_ready, w->sd), 0);
}

static void wrap_side(gost_ctx_t *ctx, enum mode m, int server, gost_stream *raw, struct side *sd,
                      struct wss_wait *ww) {
  struct gost_tls_opts to;
  struct gost_ws_opts wo;
  gost__tls_opts_from_meta(&to, NULL, NULL, server, 0);
  gost__ws_opts_from_meta(&wo, NULL, NULL, server);
  wo.host = "example.test";
  SSL_CTX *sc = m != M_WS ? gost__tls_ctx_get(ctx, &to) : NULL;
  if (m == M_TLS) ck_assert_int_eq(gost__tls_wrap(ctx, raw, sc, &to, on_ready, sd), 0);
  if (m == M_WS) ck_assert_int_eq(gost__ws_wrap(ctx, raw, &wo, on_ready, sd), 0);
  if (m == M_WSS) {
    ww->sd = sd;
    ww->o = wo;
    ck_assert_int_eq(gost__tls_wrap(ctx, raw, sc, &to, wss_tls_done, ww), 0);
  }
  if (sc) SSL_CTX_free(sc);
}

static void echo_4mib(enum mode m) {
  struct echo e;
  struct wss_wait w1, w2;
  memset(&e, 0, sizeof e);
  ck_assert_int_eq(gost_ctx_new(&e.ctx), 0);
  gost_ctx_set_log_level(e.ctx, GOST_LOG_OFF);
  gost_stream *a, *b;
  ck_assert_int_eq(gost__memstream_pair(e.ctx, &a, &b), 0);
  wrap_side(e.ctx, m, 0, a, &e.cli, &w1);
  wrap_side(e.ctx, m, 1, b, &e.srv, &w2);
  run_both(e.ctx, &e.cli, &e.srv);
  ck_assert_int_eq(e.cli.status, 0);
  ck_assert_int_eq(e.srv.status, 0);
  gost_stream_set_read_cb(e.srv.s, srv_read, &e);
  e.srv.s->on_drain = srv_drain;
  gost_stream_read_start(e.srv.s);
  gost_stream_set_read_cb(e.cli.s, cli_read, &e);
  e.cli.s->on_drain = cli_drain;
  e.cli.s->drain_user = &e;
  gost_stream_read_start(e.cli.s);
  cli_pump(&e);
  ev_tstamp end = ev_time() + 60;
  while (e.got < TOTAL && !e.cli_err && ev_time() < end) ev_run(e.ctx->loop, EVRUN_ONCE);
  ck_assert_uint_eq(e.got, TOTAL);
  ck_assert_int_eq(e.mismatch, 0);
  /* Orderly end: the client's shutdown reaches the server as EOF. */
  ck_assert_int_eq(gost_stream_shutdown(e.cli.s), 0);
  run_until(e.ctx, &e.srv_eof);
  ck_assert_int_eq(e.srv_eof, 1);
  gost_stream_close(e.cli.s);
  gost_stream_close(e.srv.s);
  ev_run(e.ctx->loop, EVRUN_NOWAIT);
  gost_ctx_free(e.ctx);
}

START_TEST(tls_echo) { echo_4mib(M_TLS); }
END_TEST
START_TEST(ws_echo) { echo_4mib(M_WS); }
END_TEST
START_TEST(wss_echo) { echo_4mib(M_WSS); }
END_TEST

static gost_ctx_t *quiet_ctx(void) {
  gost_ctx_t *ctx;
  ck_assert_int_eq(gost_ctx_new(&ctx), 0);
  gost_ctx_set_log_level(ctx, getenv("TLSWS_LOG") ? GOST_LOG_DEBUG : GOST_LOG_OFF);
  return ctx;
}

START_TEST(tls_plaintext) {
  gost_ctx_t *ctx = quiet_ctx();
  gost_stream *a, *b;
  struct side srv = {0};
  ck_assert_int_eq(gost__memstream_pair(ctx, &a, &b), 0);
  struct gost_tls_opts o;
  gost__tls_opts_from_meta(&o, NULL, NULL, 1, 0);
  SSL_CTX *sc = gost__tls_ctx_get(ctx, &o);
  ck_assert_int_eq(gost__tls_wrap(ctx, b, sc, &o, on_ready, &srv), 0);
  SSL_CTX_free(sc);
  const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  ck_assert_int_eq(gost_stream_write_buf(a, req, sizeof req - 1, NULL, NULL), 0);
  run_until(ctx, &srv.done);
  ck_assert_int_eq(srv.status, GOST_ETLS);
  ck_assert_ptr_null(srv.s);
  gost_stream_close(a);
  ev_run(ctx->loop, EVRUN_NOWAIT);
  gost_ctx_free(ctx);
}
END_TEST

/* A client that verifies (secure=true) rejects the self-signed server certificate. */
START_TEST(tls_bad_cert) {
  gost_ctx_t *ctx = quiet_ctx();
  gost_stream *a, *b;
  struct side cli = {0}, srv = {0};
  ck_assert_int_eq(gost__memstream_pair(ctx, &a, &b), 0);
  struct gost_tls_opts so, co;
  gost__tls_opts_from_meta(&so, NULL, NULL, 1, 0);
  json_t *m = json_pack("{s:s, s:s}", "secure", "true", "servername", "gost.run");
  gost__tls_opts_from_meta(&co, m, NULL, 0, 0);
  SSL_CTX *ss = gost__tls_ctx_get(ctx, &so), *cs = gost__tls_ctx_get(ctx, &co);
  ck_assert_ptr_nonnull(cs);
  ck_assert_int_eq(gost__tls_wrap(ctx, b, ss, &so, on_ready, &srv), 0);
  ck_assert_int_eq(gost__tls_wrap(ctx, a, cs, &co, on_ready, &cli), 0);
  SSL_CTX_free(ss);
  SSL_CTX_free(cs);
  json_decref(m);
  run_both(ctx, &cli, &srv);
  ck_assert_int_eq(cli.status, GOST_ETLS);
  ck_assert_int_lt(srv.status, 0);
  ev_run(ctx->loop, EVRUN_NOWAIT);
  gost_ctx_free(ctx);
}
END_TEST

struct raw_peer {
  unsigned char buf[4096];
  size_t len;
  int eof;
};
static void raw_read(gost_stream *s, ssize_t n, const char *data, void *user) {
  (void)s;
  struct raw_peer *r = user;
  if (n < 0) {
    r->eof = 1;
    return;
  }
  size_t k = (size_t)n < sizeof r->buf - r->len ? (size_t)n : sizeof r->buf - r->len;
  memcpy(r->buf + r->len, data, k);
  r->len += k;
}

struct ws_srv_user {
  ssize_t err;
};
static void ws_srv_read(gost_stream *s, ssize_t n, const char *data, void *user) {
  (void)s, (void)data;
  struct ws_srv_user *u = user;
  if (n < 0) u->err = n;
}

START_TEST(ws_oversize) {
  gost_ctx_t *ctx = quiet_ctx();
  gost_stream *a, *b;
  struct side srv = {0};
  struct raw_peer rp = {0};
  ck_assert_int_eq(gost__memstream_pair(ctx, &a, &b), 0);
  struct gost_ws_opts o;
  gost__ws_opts_from_meta(&o, NULL, NULL, 1);
  ck_assert_int_eq(gost__ws_wrap(ctx, b, &o, on_ready, &srv), 0);
  gost_stream_set_read_cb(a, raw_read, &rp);
  gost_stream_read_start(a);
  const char req[] = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  ck_assert_int_eq(gost_stream_write_buf(a, req, sizeof req - 1, NULL, NULL), 0);
  run_until(ctx, &srv.done);
  ck_assert_int_eq(srv.status, 0);
  for (int i = 0; i < 100 && !strstr((char *)rp.buf, "\r\n\r\n"); i++) ev_run(ctx->loop, EVRUN_ONCE);
  ck_assert_ptr_nonnull(strstr((char *)rp.buf, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
  rp.len = 0;
  struct ws_srv_user u = {0};
  gost_stream_set_read_cb(srv.s, ws_srv_read, &u);
  gost_stream_read_start(srv.s);
  /* Masked binary frame announcing 2 MiB (limit 1 MiB), first payload bytes. */
  unsigned char fr[18] = {0x82, 0xFF, 0, 0, 0, 0, 0, 0x20, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
  ck_assert_int_eq(gost_stream_write_buf(a, fr, sizeof fr, NULL, NULL), 0);
  run_until(ctx, &rp.eof);
  ck_assert_int_eq(u.err, GOST_EPROTO);
  ck_assert_uint_ge(rp.len, 4);
  ck_assert_uint_eq(rp.buf[0], 0x88); /* close frame */
  ck_assert_uint_eq((unsigned)(rp.buf[2] << 8 | rp.buf[3]), 1009);
  gost_stream_close(srv.s);
  gost_stream_close(a);
  ev_run(ctx->loop, EVRUN_NOWAIT);
  gost_ctx_free(ctx);
}
END_TEST

START_TEST(ws_bad_request_and_timeout) {
  gost_ctx_t *ctx = quiet_ctx();
  gost_stream *a, *b, *c, *d;
  struct side s1 = {0}, s2 = {0};
  ck_assert_int_eq(gost__memstream_pair(ctx, &a, &b), 0);
  ck_assert_int_eq(gost__memstream_pair(ctx, &c, &d), 0);
  struct gost_ws_opts o;
  gost__ws_opts_from_meta(&o, NULL, NULL, 1);
  o.handshake_ms = 100;
  ck_assert_int_eq(gost__ws_wrap(ctx, b, &o, on_ready, &s1), 0);
  ck_assert_int_eq(gost__ws_wrap(ctx, d, &o, on_ready, &s2), 0);
  const char req[] = "GET /other HTTP/1.1\r\nHost: x\r\n\r\n";
  ck_assert_int_eq(gost_stream_write_buf(a, req, sizeof req - 1, NULL, NULL), 0);
  run_both(ctx, &s1, &s2);
  ck_assert_int_eq(s1.status, GOST_EPROTO);
  ck_assert_int_eq(s2.status, GOST_ETIMEDOUT);
  gost_stream_close(a);
  gost_stream_close(c);
  ev_run(ctx->loop, EVRUN_NOWAIT);
  gost_ctx_free(ctx);
}
END_TEST

START_TEST(ws_accept_vector) {
  char out[29];
  gost__ws_accept("dGhlIHNhbXBsZSBub25jZQ==", out); /* RFC 6455 section 1.3 */
  ck_assert_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}
END_TEST

int main(void) {
  Suite *s = suite_create("tls_ws");
  TCase *tc = tcase_create("memstream");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, ws_accept_vector);
  tcase_add_test(tc, tls_echo);
  tcase_add_test(tc, ws_echo);
  tcase_add_test(tc, wss_echo);
  tcase_add_test(tc, tls_plaintext);
  tcase_add_test(tc, tls_bad_cert);
  tcase_add_test(tc, ws_oversize);
  tcase_add_test(tc, ws_bad_request_and_timeout);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  gost__tls_ctx_cache_clear();
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
