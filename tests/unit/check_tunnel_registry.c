/* Tunnel registry totals (docs/operations.md, "Per-tunnel totals"): a tunnel's streams and
 * connections survive its connector leaving and a new one joining; an idle tunnel's totals are
 * forgotten after tunnel.statsTTL, and at most GOST_TUNNEL_IDLE_MAX idle tunnels are kept
 * (oldest first out), whatever number of tunnel IDs clients come and go with. Connectors are
 * real smux sessions over in-memory stream pairs; a connector leaves when its peer end closes. */
#include <check.h>
#include <ev.h>
#include <string.h>
#include <unistd.h>

#include "core/ctx_int.h"
#include "gost/error.h"
#include "io/memstream.h"
#include "mux/smux.h"
#include "tunnel/registry.h"
#include "harness.h"

static gost_ctx_t *ctx;
static struct gost_tunnel_registry *reg;

static void setup(void) {
  ck_assert_int_eq(gost_ctx_new(&ctx), 0);
  reg = gost__tunnel_registry_new(ctx);
  ck_assert_ptr_nonnull(reg);
}

static void teardown(void) {
  gost__tunnel_registry_free(reg);
  gost_ctx_free(ctx);
}

static void spin(void) {
  for (int i = 0; i < 20; i++) ev_run(ctx->loop, EVRUN_NOWAIT);
}

static void make_id(uint8_t id[16], unsigned n, uint8_t tag) {
  memset(id, tag, 16);
  memcpy(id, &n, sizeof n);
}

/* A connector for tunnel n; returns the client's end (close it to make the connector leave). */
static gost_stream *join(unsigned n, unsigned conn) {
  uint8_t tid[16], cid[16];
  make_id(tid, n, 0xAA);
  make_id(cid, conn, 0xCC);
  gost_stream *server_end, *client_end;
  ck_assert_int_eq(gost__memstream_pair(ctx, &server_end, &client_end), 0);
  struct gost_smux_config cfg;
  gost__smux_config_default(&cfg, 0);
  ck_assert_int_eq(gost__tunnel_registry_bind(reg, tid, cid, 0, 1, server_end, &cfg, NULL, 0, NULL), GOST_OK);
  return client_end;
}

static void open_streams(unsigned n, int k) {
  uint8_t tid[16];
  make_id(tid, n, 0xAA);
  for (int i = 0; i < k; i++) {
    gost_stream *s;
    ck_assert_int_eq(gost__tunnel_registry_open(reg, tid, 0, &s), GOST_OK);
    gost_stream_close(s);
  }
  spin();
}

struct seen {
  int count;
  gost_tunnel_stats_t first, last; /* tunnel_id points into first_id / last_id */
  char first_id[37], last_id[37];
};

static void collect(gost_service_t *svc, const gost_tunnel_stats_t *st, void *user) {
  struct seen *s = user; /* st and its strings live during the call only */
  if (!s->count++) {
    s->first = *st;
    snprintf(s->first_id, sizeof s->first_id, "%s", st->tunnel_id);
  }
  s->last = *st;
  snprintf(s->last_id, sizeof s->last_id, "%s", st->tunnel_id);
  s->first.tunnel_id = s->first_id;
  s->last.tunnel_id = s->last_id;
}

static void tunnels(struct seen *s) {
  memset(s, 0, sizeof *s);
  ck_assert_int_eq(gost__tunnel_registry_foreach_tunnel(reg, NULL, collect, s), s->count);
}

START_TEST(totals_survive_leave_and_rejoin) {
  gost_stream *c1 = join(7, 1);
  open_streams(7, 2);
  struct seen s;
  tunnels(&s);
  ck_assert_int_eq(s.count, 1);
  ck_assert_int_eq(s.first.connectors, 1);
  ck_assert_uint_eq(s.first.streams, 2);
  ck_assert_uint_gt(s.first.bytes_out, 0); /* the two SYN and FIN frames went to the client */
  uint64_t out1 = s.first.bytes_out;
  gost_stream_close(c1); /* the only connector leaves */
  spin();
  uint8_t tid[16];
  make_id(tid, 7, 0xAA);
  ck_assert_uint_eq(gost__tunnel_registry_count(reg, tid), 0); /* no live connector to open to */
  tunnels(&s);
  ck_assert_int_eq(s.count, 1);
  ck_assert_int_eq(s.first.connectors, 0);
  ck_assert_uint_eq(s.first.connections, 1);
  ck_assert_uint_eq(s.first.streams, 2);
  ck_assert_uint_eq(s.first.bytes_out, out1);
  gost_stream *c2 = join(7, 2); /* a new connector rejoins the same tunnel */
  open_streams(7, 3);
  tunnels(&s);
  ck_assert_int_eq(s.count, 1);
  ck_assert_int_eq(s.first.connectors, 1);
  ck_assert_uint_eq(s.first.connections, 2);
  ck_assert_uint_eq(s.first.streams, 5);
  ck_assert_uint_gt(s.first.bytes_out, out1);
  ck_assert(s.first.idle_s == 0);
  gost_stream_close(c2);
  spin();
}
END_TEST

START_TEST(idle_tunnels_bounded) {
  const unsigned n = GOST_TUNNEL_IDLE_MAX + 100;
  for (unsigned i = 0; i < n; i++) {
    gost_stream *c = join(i, i);
    open_streams(i, 1);
    gost_stream_close(c);
    spin();
  }
  struct seen s;
  tunnels(&s);
  ck_assert_int_eq(s.count, GOST_TUNNEL_IDLE_MAX);
  uint8_t oldest_kept[16], newest[16];
  make_id(oldest_kept, n - GOST_TUNNEL_IDLE_MAX, 0xAA);
  make_id(newest, n - 1, 0xAA);
  char want[37];
  snprintf(want, sizeof want, "%02x%02x%02x%02x-", oldest_kept[0], oldest_kept[1], oldest_kept[2], oldest_kept[3]);
  ck_assert_msg(!strncmp(s.first.tunnel_id, want, 9), "first kept %s, want %s...", s.first.tunnel_id, want);
  snprintf(want, sizeof want, "%02x%02x%02x%02x-", newest[0], newest[1], newest[2], newest[3]);
  ck_assert_msg(!strncmp(s.last.tunnel_id, want, 9), "last kept %s, want %s...", s.last.tunnel_id, want);
  ck_assert_uint_eq(s.last.streams, 1);
}
END_TEST

START_TEST(idle_totals_expire_after_ttl) {
  gost__tunnel_registry_set_stats_ttl(reg, 0.05);
  gost_stream *c = join(3, 3);
  open_streams(3, 1);
  gost_stream_close(c);
  spin();
  struct seen s;
  tunnels(&s);
  ck_assert_int_eq(s.count, 1); /* kept while younger than the TTL */
  usleep(80 * 1000);
  ev_now_update(ctx->loop);
  tunnels(&s);
  ck_assert_int_eq(s.count, 0); /* then forgotten */
  gost__tunnel_registry_set_stats_ttl(reg, 0);
  c = join(4, 4);
  gost_stream_close(c);
  spin();
  tunnels(&s);
  ck_assert_int_eq(s.count, 0); /* TTL 0: forgotten as the last connector leaves */
}
END_TEST

int main(void) {
  Suite *s = suite_create("tunnel_registry");
  TCase *tc = tcase_create("totals");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, totals_survive_leave_and_rejoin);
  tcase_add_test(tc, idle_tunnels_bounded);
  tcase_add_test(tc, idle_totals_expire_after_ttl);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
