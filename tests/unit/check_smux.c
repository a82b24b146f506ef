/* smux frame codec and session state machine (wire-spec §3, §13, §15.2). */
#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/smux_frame.h"
#include "gost/error.h"
#include "../support/harness.h"
#include "mux/smux.h"
#include "harness.h"

/* ---- a test peer: session + event log ---- */

struct peer {
  struct gost_smux *s;
  char *log;
  size_t log_len, log_cap;
  int log_data;          /* record payload bytes as hex in the log */
  uint32_t last_data_sid; /* coalesces split PSH deliveries in the log */
  int refuse_all;
  uint32_t refuse_sid;
  int close_on_fin;
  int auto_consume;
  int abort_data;
  size_t rx_total;
  unsigned nopen, nfin, nwindow;
};

static void logf_(struct peer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct peer *p, const char *fmt, ...) {
  char tmp[64];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (p->log_len + (size_t)n + 1 > p->log_cap) {
    p->log_cap = (p->log_cap + (size_t)n + 1) * 2;
    p->log = realloc(p->log, p->log_cap);
    ck_assert_ptr_nonnull(p->log);
  }
  memcpy(p->log + p->log_len, tmp, (size_t)n + 1);
  p->log_len += (size_t)n;
}

static int cb_open(struct gost_smux *s, uint32_t sid, void *user) {
  struct peer *p = user;
  p->nopen++;
  p->last_data_sid = 0;
  logf_(p, "O%u ", (unsigned)sid);
  return p->refuse_all || sid == p->refuse_sid;
}

static int cb_data(struct gost_smux *s, uint32_t sid, const uint8_t *d, size_t n, void *user) {
  struct peer *p = user;
  p->rx_total += n;
  if (p->log_data) {
    if (p->last_data_sid != sid) logf_(p, "D%u:", (unsigned)sid);
    for (size_t i = 0; i < n; i++) logf_(p, "%02x", d[i]);
    p->last_data_sid = sid;
  }
  if (p->auto_consume) ck_assert_int_eq(gost__smux_consumed(s, sid, n), GOST_OK);
  return p->abort_data;
}

static int cb_fin(struct gost_smux *s, uint32_t sid, void *user) {
  struct peer *p = user;
  p->nfin++;
  p->last_data_sid = 0;
  logf_(p, " F%u ", (unsigned)sid);
  if (p->close_on_fin) ck_assert_int_eq(gost__smux_close_stream(s, sid), GOST_OK);
  return 0;
}

static void cb_window(struct gost_smux *s, uint32_t sid, void *user) {
  struct peer *p = user;
  p->nwindow++;
}

static const struct gost_smux_callbacks cbs = {cb_open, cb_data, cb_fin, cb_window};

static void peer_init(struct peer *p, int version, int is_client) {
  memset(p, 0, sizeof *p);
  p->log_data = 1;
  struct gost_smux_config cfg;
  gost__smux_config_default(&cfg, is_client);
  cfg.version = (uint8_t)version;
  ck_assert_int_eq(gost__smux_new(&p->s, NULL, &cfg, &cbs, p), GOST_OK);
  p->log = calloc(1, 1);
  p->log_cap = 1;
}

static void peer_free(struct peer *p) {
  gost__smux_free(p->s);
  free(p->log);
}

static const char *plog(struct peer *p) { return p->log ? p->log : ""; }

/* Takes all queued output of p into buf (cap bytes), returns the count. */
static size_t drain(struct peer *p, uint8_t *buf, size_t cap) {
  size_t n = 0, len;
  const uint8_t *d;
  while ((d = gost__smux_peek_out(p->s, &len)) != NULL) {
    ck_assert_uint_le(n + len, cap);
    memcpy(buf + n, d, len);
    n += len;
    gost__smux_consume_out(p->s, len);
  }
  return n;
}

/* Moves output from a to b (and back) until both are idle, through writev-style iovecs. */
static void pump(struct peer *a, struct peer *b) {
  for (int moved = 1; moved;) {
    moved = 0;
    struct peer *from = a, *to = b;
    for (int dir = 0; dir < 2; dir++, from = b, to = a) {
      struct iovec iov[8];
      int n = gost__smux_out_iov(from->s, iov, 8);
      size_t total = 0;
      for (int i = 0; i < n; i++) {
        ck_assert_int_eq(gost__smux_recv(to->s, iov[i].iov_base, iov[i].iov_len, 0), GOST_OK);
        total += iov[i].iov_len;
      }
      if (total) {
        gost__smux_consume_out(from->s, total);
        moved = 1;
      }
    }
  }
}

static void expect_out(struct peer *p, const char *hex) {
  uint8_t want[256], got[256];
  size_t wn = gost_test_hex(hex, want, sizeof want);
  size_t gn = drain(p, got, sizeof got);
  ck_assert_uint_eq(gn, wn);
  ck_assert_mem_eq(got, want, wn);
}

/* ---- frame codec ---- */

static void check_vector(const char *hex, uint8_t cmd, uint16_t len, uint32_t sid) {
  uint8_t want[8], got[8];
  ck_assert_uint_eq(gost_test_hex(hex, want, sizeof want), 8);
  struct gost_smux_frame f = {2, cmd, len, sid}, d;
  ck_assert_int_eq(gost__smux_frame_encode(got, &f), GOST_OK);
  ck_assert_mem_eq(got, want, 8);
  ck_assert_int_eq(gost__smux_frame_decode(&d, want, 8, 2), GOST_OK);
  ck_assert_uint_eq(d.version, 2);
  ck_assert_uint_eq(d.cmd, cmd);
  ck_assert_uint_eq(d.length, len);
  ck_assert_uint_eq(d.sid, sid);
}

START_TEST(test_frame_vectors) {
  check_vector("02 00 00 00 03 00 00 00", GOST_SMUX_SYN, 0, 3);
  check_vector("02 02 20 00 03 00 00 00", GOST_SMUX_PSH, 32, 3);
  check_vector("02 04 08 00 03 00 00 00", GOST_SMUX_UPD, 8, 3);
  check_vector("02 03 00 00 00 00 00 00", GOST_SMUX_NOP, 0, 0);
  check_vector("02 01 00 00 78 56 34 12", GOST_SMUX_FIN, 0, 0x12345678);
  uint8_t upd[8], want[8];
  gost__smux_upd_encode(upd, 0x20, 1048576);
  gost_test_hex("20 00 00 00 00 00 10 00", want, 8);
  ck_assert_mem_eq(upd, want, 8);
  uint32_t c, w;
  gost__smux_upd_decode(want, &c, &w);
  ck_assert_uint_eq(c, 0x20);
  ck_assert_uint_eq(w, 1048576);
}
END_TEST

START_TEST(test_frame_errors) {
  uint8_t b[8];
  struct gost_smux_frame f;
  gost_test_hex("02 00 00 00 03 00 00 00", b, 8);
  ck_assert_int_eq(gost__smux_frame_decode(&f, b, 7, 2), GOST_EAGAIN);
  ck_assert_int_eq(gost__smux_frame_decode(&f, b, 8, 1), GOST_EPROTO); /* version mismatch */
  gost_test_hex("02 05 00 00 03 00 00 00", b, 8);
  ck_assert_int_eq(gost__smux_frame_decode(&f, b, 8, 2), GOST_EPROTO); /* unknown cmd */
  gost_test_hex("02 04 04 00 03 00 00 00", b, 8);
  ck_assert_int_eq(gost__smux_frame_decode(&f, b, 8, 2), GOST_EPROTO); /* UPD length */
  gost_test_hex("01 04 08 00 03 00 00 00", b, 8);
  ck_assert_int_eq(gost__smux_frame_decode(&f, b, 8, 1), GOST_EPROTO); /* UPD in v1 */
  gost_test_hex("01 02 ff ff 03 00 00 00", b, 8);
  ck_assert_int_eq(gost__smux_frame_decode(&f, b, 8, 1), GOST_OK);
  ck_assert_uint_eq(f.length, 65535);
  gost_test_hex("02 00 01 00 03 00 00 00", b, 8);
  ck_assert_int_eq(gost__smux_frame_decode(&f, b, 8, 2), GOST_EPROTO); /* payload on SYN */
  struct gost_smux_frame bad = {2, 9, 0, 1};
  ck_assert_int_eq(gost__smux_frame_encode(b, &bad), GOST_EINVAL);
  struct gost_smux_frame badv = {3, GOST_SMUX_NOP, 0, 0};
  ck_assert_int_eq(gost__smux_frame_encode(b, &badv), GOST_EINVAL);
}
END_TEST

/* ---- session: the §15.2 bytes as produced by the machines ---- */

START_TEST(test_machine_vectors) {
  struct peer c, sv;
  peer_init(&c, 2, 1);
  peer_init(&sv, 2, 0);
  uint32_t sid;
  ck_assert_int_eq(gost__smux_open(c.s, &sid), GOST_OK);
  ck_assert_uint_eq(sid, 3);
  uint8_t out[128];
  size_t n = drain(&c, out, sizeof out);
  uint8_t syn[8];
  gost_test_hex("02 00 00 00 03 00 00 00", syn, 8);
  ck_assert_uint_eq(n, 8);
  ck_assert_mem_eq(out, syn, 8);
  ck_assert_int_eq(gost__smux_recv(sv.s, out, n, 0), GOST_OK);

  uint8_t rel[32];
  ck_assert_uint_eq(gost_test_hex("01 00 00 1c 02 00 07 01 cb 00 71 07 c7 38 02 00 0f 03 0b 65 78 61 6d 70 6c "
                                  "65 2e 63 6f 6d 00 50",
                                  rel, sizeof rel),
                    32);
  ck_assert_int_eq(gost__smux_write(c.s, 3, rel, 32), 32);
  n = drain(&c, out, sizeof out);
  ck_assert_uint_eq(n, 40);
  uint8_t psh[8];
  gost_test_hex("02 02 20 00 03 00 00 00", psh, 8);
  ck_assert_mem_eq(out, psh, 8);
  ck_assert_mem_eq(out + 8, rel, 32);
  ck_assert_int_eq(gost__smux_recv(sv.s, out, n, 0), GOST_OK);
  ck_assert_str_eq(plog(&sv), "O3 D3:0100001c02000701cb007107c73802000f030b6578616d706c652e636f6d0050");

  /* first read → UPD{consumed, window 1048576} */
  ck_assert_int_eq(gost__smux_consumed(sv.s, 3, 32), GOST_OK);
  expect_out(&sv, "02 04 08 00 03 00 00 00 20 00 00 00 00 00 10 00");
  ck_assert_int_eq(gost__smux_consumed(sv.s, 3, 10), GOST_OK);
  ck_assert_uint_eq(gost__smux_pending(sv.s), 0);

  ck_assert_int_eq(gost__smux_tick(c.s, 5000), GOST_OK);
  ck_assert_uint_eq(gost__smux_pending(c.s), 0);
  ck_assert_int_eq(gost__smux_tick(c.s, 15000), GOST_OK);
  expect_out(&c, "02 03 00 00 00 00 00 00");
  peer_free(&c);
  peer_free(&sv);
}
END_TEST

/* ---- two machines wired together ---- */

START_TEST(test_pair_data) {
  struct peer c, sv;
  peer_init(&c, 2, 1);
  peer_init(&sv, 2, 0);
  uint32_t a, b;
  ck_assert_int_eq(gost__smux_open(c.s, &a), GOST_OK);
  ck_assert_int_eq(gost__smux_open(c.s, &b), GOST_OK);
  ck_assert_uint_eq(a, 3);
  ck_assert_uint_eq(b, 5);
  ck_assert_int_eq(gost__smux_write(c.s, a, (const uint8_t *)"ab", 2), 2);
  ck_assert_int_eq(gost__smux_write(c.s, b, (const uint8_t *)"cd", 2), 2);
  pump(&c, &sv);
  ck_assert_str_eq(plog(&sv), "O3 O5 D3:6162D5:6364");
  ck_assert_int_eq(gost__smux_write(sv.s, b, (const uint8_t *)"x", 1), 1);
  ck_assert_int_eq(gost__smux_write(sv.s, a, (const uint8_t *)"y", 1), 1);
  pump(&c, &sv);
  ck_assert_str_eq(plog(&c), "D5:78D3:79");
  ck_assert_uint_eq(gost__smux_num_streams(c.s), 2);
  ck_assert_uint_eq(gost__smux_num_streams(sv.s), 2);
  ck_assert_int_eq(gost__smux_stream_set_user(c.s, a, &c), GOST_OK);
  ck_assert_ptr_eq(gost__smux_stream_user(c.s, a), &c);
  ck_assert_ptr_null(gost__smux_stream_user(c.s, 77));
  ck_assert_int_eq(gost__smux_write(c.s, 77, (const uint8_t *)"x", 1), GOST_ENOTFOUND);
  /* a large write is split at max_frame_size */
  static uint8_t big[70000];
  for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)(i * 7 + 1);
  c.log_data = sv.log_data = 0;
  ck_assert_int_eq(gost__smux_write(c.s, a, big, sizeof big), (ssize_t)sizeof big);
  ck_assert_uint_eq(gost__smux_pending(c.s), sizeof big + 3 * 8);
  pump(&c, &sv);
  ck_assert_uint_eq(sv.rx_total, 4 + sizeof big);
  peer_free(&c);
  peer_free(&sv);
}
END_TEST

START_TEST(test_window_stall) {
  struct peer c, sv;
  peer_init(&c, 2, 1);
  peer_init(&sv, 2, 0);
  c.log_data = sv.log_data = 0;
  uint32_t sid;
  ck_assert_int_eq(gost__smux_open(c.s, &sid), GOST_OK);
  static uint8_t chunk[100000];
  size_t sent = 0;
  for (;;) { /* the peer reads the socket but the application consumes nothing */
    ssize_t n = gost__smux_write(c.s, sid, chunk, sizeof chunk);
    ck_assert_int_ge(n, 0);
    if (n == 0) break;
    sent += (size_t)n;
    pump(&c, &sv);
  }
  ck_assert_uint_eq(sent, 262144); /* initial peer window */
  ck_assert_uint_eq(sv.rx_total, 262144);
  ck_assert(!gost__smux_stream_can_write(c.s, sid));
  ck_assert_uint_eq(c.nwindow, 0);

  ck_assert_int_eq(gost__smux_consumed(sv.s, sid, 1000), GOST_OK); /* first read → UPD */
  pump(&c, &sv);
  ck_assert_uint_eq(c.nwindow, 1);
  ck_assert(gost__smux_stream_can_write(c.s, sid));
  for (;;) {
    ssize_t n = gost__smux_write(c.s, sid, chunk, sizeof chunk);
    if (n == 0) break;
    sent += (size_t)n;
    pump(&c, &sv);
  }
  ck_assert_uint_eq(sent, 1000 + 1048576); /* consumed + advertised window */

  /* next UPD only once a quarter of the window has been read since the last one; the window
   * stays as it is: the sender was blocked, but because the reader lags (768 KiB unread) */
  ck_assert_int_eq(gost__smux_consumed(sv.s, sid, 262143), GOST_OK);
  ck_assert_uint_eq(gost__smux_pending(sv.s), 0);
  ck_assert_int_eq(gost__smux_consumed(sv.s, sid, 1), GOST_OK);
  expect_out(&sv, "02 04 08 00 03 00 00 00 e8 03 04 00 00 00 10 00"); /* 1000 + 262144 */
  peer_free(&c);
  peer_free(&sv);
}
END_TEST

/* Adaptive windows: a sender that uses up the whole window of a reader that keeps up gets the
 * window doubled (in the next UPD) up to max_stream_window; a sender that does not, or a
 * session whose growth budget is spent, does not; closing a stream returns its growth. */
/* One round trip over a wire with a delay: c writes on sid until the window stops it (its output
 * collected, not delivered), then all of it reaches sv rtt_ms after the previous round, and
 * sv's UPDs come back. Returns the payload bytes sent in the round. */
static uint64_t wire_clock;
static size_t round_trip_ms(struct peer *c, struct peer *sv, uint32_t sid, uint64_t rtt_ms) {
  static uint8_t chunk[65536], wire[9u << 20];
  size_t sent = 0, len = 0;
  for (;;) {
    ssize_t n = gost__smux_write(c->s, sid, chunk, sizeof chunk);
    ck_assert_int_ge(n, 0);
    len += drain(c, wire + len, sizeof wire - len);
    if (n == 0) break;
    sent += (size_t)n;
  }
  wire_clock += rtt_ms;
  ck_assert_int_eq(gost__smux_recv(sv->s, wire, len, wire_clock), GOST_OK);
  pump(sv, c);
  return sent;
}

static size_t round_trip(struct peer *c, struct peer *sv, uint32_t sid) { return round_trip_ms(c, sv, sid, 50); }

static void peer_init_cfg(struct peer *p, const struct gost_smux_config *cfg) {
  memset(p, 0, sizeof *p);
  ck_assert_int_eq(gost__smux_new(&p->s, NULL, cfg, &cbs, p), GOST_OK);
  p->log = calloc(1, 1);
  p->log_cap = 1;
}

START_TEST(test_window_growth) {
  struct peer c, sv;
  peer_init(&c, 2, 1);
  struct gost_smux_config cfg;
  gost__smux_config_default(&cfg, 0);
  cfg.max_stream_window = 4u << 20;
  cfg.max_window_growth = 5u << 20; /* room for one stream at 4 MiB and 2 MiB more */
  peer_init_cfg(&sv, &cfg);
  sv.auto_consume = 1; /* the reader keeps up: consumed as delivered */
  uint32_t a, b;
  ck_assert_int_eq(gost__smux_open(c.s, &a), GOST_OK);
  ck_assert_int_eq(gost__smux_open(c.s, &b), GOST_OK);
  pump(&c, &sv);
  ck_assert_uint_eq(gost__smux_stream_window(sv.s, a), 1u << 20);
  /* each round the sender is window-bound: 1 MiB -> 2 -> 4 (the ceiling) */
  ck_assert_uint_eq(round_trip(&c, &sv, a), 262144); /* the assumed initial window */
  ck_assert_uint_eq(gost__smux_stream_window(sv.s, a), 1u << 20); /* never on the first UPD */
  size_t prev = 0;
  for (int i = 0; i < 4; i++) {
    size_t n = round_trip(&c, &sv, a);
    ck_assert_uint_ge(n, prev); /* what the sender may put in flight only grows */
    prev = n;
  }
  ck_assert_uint_ge(prev, 3u << 20);
  ck_assert_uint_eq(gost__smux_stream_window(sv.s, a), 4u << 20);
  ck_assert_uint_eq(gost__smux_window_growth(sv.s), 3u << 20);
  /* stream b: the budget left (2 MiB) allows 1 -> 2 MiB; doubling again would pass it */
  for (int i = 0; i < 6; i++) round_trip(&c, &sv, b);
  ck_assert_uint_eq(gost__smux_stream_window(sv.s, b), 2u << 20);
  ck_assert_uint_eq(gost__smux_window_growth(sv.s), 4u << 20);
  /* closing a returns its 3 MiB of growth */
  ck_assert_int_eq(gost__smux_close_stream(sv.s, a), GOST_OK);
  ck_assert_uint_eq(gost__smux_window_growth(sv.s), 1u << 20);
  ck_assert_uint_eq(gost__smux_stream_window(sv.s, a), 0);
  peer_free(&c);
  peer_free(&sv);
}
END_TEST

/* A reader that lags never grows the window, however often the sender is blocked; nor does a
 * fixed window (max_stream_window at max_stream_buffer), nor a fast link (the sender's wait for
 * our UPD under GOST_SMUX_STALL_MS: loopback and LAN keep the base window). */
START_TEST(test_window_no_growth) {
  for (int mode = 0; mode < 3; mode++) {
    int fixed = mode == 1, fast = mode == 2;
    struct peer c, sv;
    peer_init(&c, 2, 1);
    struct gost_smux_config cfg;
    gost__smux_config_default(&cfg, 0);
    if (fixed) cfg.max_stream_window = cfg.max_stream_buffer;
    peer_init_cfg(&sv, &cfg);
    sv.auto_consume = fixed || fast;
    uint32_t sid;
    ck_assert_int_eq(gost__smux_open(c.s, &sid), GOST_OK);
    pump(&c, &sv);
    for (int round = 0; round < 6; round++) {
      round_trip_ms(&c, &sv, sid, fast ? 1 : 50);
      /* lagging reader: consumes a quarter window after the whole window arrived */
      if (!sv.auto_consume) ck_assert_int_eq(gost__smux_consumed(sv.s, sid, round ? 262144 : 1000), GOST_OK);
      pump(&sv, &c);
      ck_assert_uint_eq(gost__smux_stream_window(sv.s, sid), 1u << 20);
    }
    ck_assert_uint_eq(gost__smux_window_growth(sv.s), 0);
    peer_free(&c);
    peer_free(&sv);
  }
}
END_TEST

/* Zero-copy PSH: the headers from write_frames() + the caller's payload are the same bytes as
 * the copying write(), with the same window accounting, stall and wake-up. */
static size_t zc_write(struct peer *p, uint32_t sid, const uint8_t *data, size_t len, size_t max_hdrs,
                       uint8_t *wire, size_t *wire_len) {
  uint8_t hdrs[16][8];
  size_t fs = 0;
  ck_assert_uint_le(max_hdrs, 16);
  ssize_t k = gost__smux_write_frames(p->s, sid, len, hdrs, max_hdrs, &fs);
  ck_assert_int_ge(k, 0);
  size_t i = 0;
  for (size_t done = 0; done < (size_t)k; done += fs, i++) {
    size_t n = (size_t)k - done < fs ? (size_t)k - done : fs;
    memcpy(wire + *wire_len, hdrs[i], 8);
    memcpy(wire + *wire_len + 8, data + done, n);
    *wire_len += 8 + n;
  }
  return (size_t)k;
}

START_TEST(test_write_frames) {
  struct peer a, b, sv;
  peer_init(&a, 2, 1);
  peer_init(&b, 2, 1);
  peer_init(&sv, 2, 0);
  a.log_data = b.log_data = sv.log_data = 0;
  static uint8_t data[300000], wa[400000], wb[400000];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 7 + 3);
  uint32_t sa, sb;
  ck_assert_int_eq(gost__smux_open(a.s, &sa), GOST_OK);
  ck_assert_int_eq(gost__smux_open(b.s, &sb), GOST_OK);
  ck_assert_uint_eq(sa, sb);
  size_t hdr_cap;
  uint8_t h[1][8];
  /* the SYN is still queued: a zero-copy write would overtake it */
  ck_assert_int_eq(gost__smux_write_frames(b.s, sb, 10, h, 1, &hdr_cap), GOST_ESTATE);
  size_t na = drain(&a, wa, sizeof wa), nb = drain(&b, wb, sizeof wb);
  ck_assert_uint_eq(na, nb);
  ck_assert_mem_eq(wa, wb, na);
  ck_assert_int_eq(gost__smux_recv(sv.s, wb, nb, 0), GOST_OK);

  /* sizes around the 32 KiB frame size, until the initial 256 KiB window is exhausted */
  static const size_t sizes[] = {1, 32767, 32768, 32769, 100000, 65536, 70000};
  size_t off = 0, total = 0;
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    na = nb = 0;
    ssize_t ka = gost__smux_write(a.s, sa, data + off, sizes[i]);
    ck_assert_int_ge(ka, 0);
    na = drain(&a, wa, sizeof wa);
    size_t kb = zc_write(&b, sb, data + off, sizes[i], 16, wb, &nb);
    ck_assert_uint_eq((size_t)ka, kb);
    ck_assert_uint_eq(na, nb);
    ck_assert_mem_eq(wa, wb, na);
    ck_assert_int_eq(gost__smux_recv(sv.s, wb, nb, 0), GOST_OK);
    off += kb;
    total += kb;
  }
  ck_assert_uint_eq(total, 262144); /* the window: the last write was cut short */
  ck_assert_uint_eq(sv.rx_total, 262144);
  nb = 0;
  ck_assert_uint_eq(zc_write(&b, sb, data, 10, 16, wb, &nb), 0);
  ck_assert_uint_eq(nb, 0);
  ck_assert(!gost__smux_stream_can_write(b.s, sb));
  ck_assert_uint_eq(b.nwindow, 0);

  /* the peer reads: its UPD wakes the stalled zero-copy writer like a copying one */
  ck_assert_int_eq(gost__smux_consumed(sv.s, sb, 1000), GOST_OK);
  uint8_t upd[64];
  size_t nu = drain(&sv, upd, sizeof upd);
  ck_assert_int_eq(gost__smux_recv(b.s, upd, nu, 0), GOST_OK);
  ck_assert_uint_eq(b.nwindow, 1);
  /* a cut at max_hdrs is not a stall, and frames stay max_frame_size */
  nb = 0;
  ck_assert_uint_eq(zc_write(&b, sb, data, 200000, 2, wb, &nb), 65536);
  ck_assert_uint_eq(nb, 65536 + 16);
  ck_assert_uint_eq(wb[2] | (wb[3] << 8), 32768);
  ck_assert_int_eq(gost__smux_recv(sv.s, wb, nb, 0), GOST_OK);
  ck_assert_uint_eq(sv.rx_total, 262144 + 65536);
  ck_assert_int_eq(gost__smux_write_frames(b.s, 99, 1, h, 1, &hdr_cap), GOST_ENOTFOUND);
  peer_free(&a);
  peer_free(&b);
  peer_free(&sv);
}
END_TEST

START_TEST(test_out_bound_v1) {
  struct peer c, sv;
  peer_init(&c, 1, 1);
  peer_init(&sv, 1, 0);
  c.log_data = sv.log_data = 0;
  uint32_t sid;
  ck_assert_int_eq(gost__smux_open(c.s, &sid), GOST_OK);
  static uint8_t chunk[1 << 20];
  ssize_t n = gost__smux_write(c.s, sid, chunk, sizeof chunk);
  ck_assert_int_gt(n, 0);
  ck_assert_int_lt(n, (ssize_t)sizeof chunk);
  ck_assert_uint_le(gost__smux_pending(c.s), 262144 + 8 * 9);
  ck_assert_int_eq(gost__smux_write(c.s, sid, chunk, sizeof chunk), 0);
  ck_assert(!gost__smux_stream_can_write(c.s, sid));
  pump(&c, &sv);
  ck_assert_uint_eq(c.nwindow, 1); /* draining the queue wakes the writer */
  ck_assert_uint_eq(sv.rx_total, (size_t)n);
  ck_assert(gost__smux_stream_can_write(c.s, sid));
  peer_free(&c);
  peer_free(&sv);
}
END_TEST

START_TEST(test_keepalive) {
  struct peer c;
  peer_init(&c, 2, 1);
  ck_assert_uint_eq(gost__smux_next_deadline(c.s), 0);
  ck_assert_int_eq(gost__smux_tick(c.s, 1000), GOST_OK); /* starts the clocks */
  ck_assert_uint_eq(gost__smux_next_deadline(c.s), 11000);
  ck_assert_int_eq(gost__smux_tick(c.s, 10999), GOST_OK);
  ck_assert_uint_eq(gost__smux_pending(c.s), 0);
  ck_assert_int_eq(gost__smux_tick(c.s, 11000), GOST_OK);
  expect_out(&c, "02 03 00 00 00 00 00 00");
  ck_assert_uint_eq(gost__smux_next_deadline(c.s), 21000);
  uint8_t nop[8];
  gost_test_hex("02 03 00 00 00 00 00 00", nop, 8);
  ck_assert_int_eq(gost__smux_recv(c.s, nop, 3, 15000), GOST_OK);
  ck_assert_int_eq(gost__smux_recv(c.s, nop + 3, 5, 15001), GOST_OK);
  ck_assert_int_eq(gost__smux_tick(c.s, 21000), GOST_OK);
  expect_out(&c, "02 03 00 00 00 00 00 00");
  ck_assert_int_eq(gost__smux_tick(c.s, 31000), GOST_OK); /* something arrived: alive */
  ck_assert_uint_eq(gost__smux_next_deadline(c.s), 41000);
  ck_assert_int_eq(gost__smux_tick(c.s, 41000), GOST_OK);
  ck_assert_int_eq(gost__smux_tick(c.s, 51000), GOST_OK);
  ck_assert_int_eq(gost__smux_tick(c.s, 61000), GOST_ETIMEDOUT); /* silent 31000..61000 */
  ck_assert_int_eq(gost__smux_tick(c.s, 62000), GOST_ETIMEDOUT);
  ck_assert_int_eq(gost__smux_recv(c.s, nop, 8, 62000), GOST_ETIMEDOUT);
  uint32_t sid;
  ck_assert_int_eq(gost__smux_open(c.s, &sid), GOST_ETIMEDOUT);
  peer_free(&c);

  /* paused reading is not silence; disabled keepalive does nothing */
  peer_init(&c, 2, 1);
  gost__smux_set_recv_paused(c.s, 1);
  ck_assert_int_eq(gost__smux_tick(c.s, 0), GOST_OK);
  ck_assert_int_eq(gost__smux_tick(c.s, 30000), GOST_OK);
  ck_assert_int_eq(gost__smux_tick(c.s, 60000), GOST_OK);
  gost__smux_set_recv_paused(c.s, 0);
  ck_assert_int_eq(gost__smux_tick(c.s, 90000), GOST_ETIMEDOUT);
  peer_free(&c);

  struct gost_smux_config cfg;
  gost__smux_config_default(&cfg, 1);
  cfg.keepalive_disabled = 1;
  struct gost_smux *s;
  ck_assert_int_eq(gost__smux_new(&s, NULL, &cfg, &cbs, NULL), GOST_OK);
  ck_assert_uint_eq(gost__smux_next_deadline(s), UINT64_MAX);
  ck_assert_int_eq(gost__smux_tick(s, 0), GOST_OK);
  ck_assert_int_eq(gost__smux_tick(s, 1000000), GOST_OK);
  ck_assert_uint_eq(gost__smux_pending(s), 0);
  gost__smux_free(s);
}
END_TEST

START_TEST(test_fin_both_ways) {
  struct peer c, sv;
  peer_init(&c, 2, 1);
  peer_init(&sv, 2, 0);
  uint32_t a, b;
  ck_assert_int_eq(gost__smux_open(c.s, &a), GOST_OK);
  ck_assert_int_eq(gost__smux_open(c.s, &b), GOST_OK);
  ck_assert_int_eq(gost__smux_write(c.s, a, (const uint8_t *)"q", 1), 1);
  ck_assert_int_eq(gost__smux_close_stream(c.s, a), GOST_OK); /* data then FIN */
  ck_assert_uint_eq(gost__smux_num_streams(c.s), 1);
  pump(&c, &sv);
  ck_assert_str_eq(plog(&sv), "O3 O5 D3:71 F3 ");
  /* no half-close: after FIN the peer's side cannot write */
  ck_assert_int_eq(gost__smux_write(sv.s, a, (const uint8_t *)"r", 1), GOST_ECLOSED);
  ck_assert(!gost__smux_stream_can_write(sv.s, a));
  ck_assert_int_eq(gost__smux_close_stream(sv.s, a), GOST_OK);
  pump(&c, &sv); /* the FIN for a forgotten stream is dropped silently */
  ck_assert_str_eq(plog(&c), "");
  ck_assert_int_eq(gost__smux_close_stream(sv.s, a), GOST_ENOTFOUND);

  /* the other direction: the acceptor closes first */
  ck_assert_int_eq(gost__smux_write(sv.s, b, (const uint8_t *)"z", 1), 1);
  ck_assert_int_eq(gost__smux_close_stream(sv.s, b), GOST_OK);
  pump(&c, &sv);
  ck_assert_str_eq(plog(&c), "D5:7a F5 ");
  ck_assert_int_eq(gost__smux_write(c.s, b, (const uint8_t *)"r", 1), GOST_ECLOSED);
  ck_assert_int_eq(gost__smux_close_stream(c.s, b), GOST_OK);
  pump(&c, &sv);
  ck_assert_uint_eq(gost__smux_num_streams(c.s), 0);
  ck_assert_uint_eq(gost__smux_num_streams(sv.s), 0);
  /* data for closed streams is dropped */
  ck_assert_int_eq(gost__smux_write(c.s, a, (const uint8_t *)"r", 1), GOST_ENOTFOUND);
  peer_free(&c);
  peer_free(&sv);
}
END_TEST

START_TEST(test_refuse) {
  struct peer c, sv;
  peer_init(&c, 2, 1);
  peer_init(&sv, 2, 0);
  sv.refuse_sid = 5;
  uint32_t a, b;
  ck_assert_int_eq(gost__smux_open(c.s, &a), GOST_OK);
  ck_assert_int_eq(gost__smux_open(c.s, &b), GOST_OK);
  ck_assert_int_eq(gost__smux_write(c.s, b, (const uint8_t *)"x", 1), 1);
  pump(&c, &sv);
  ck_assert_str_eq(plog(&sv), "O3 O5 "); /* data for the refused stream is dropped */
  ck_assert_str_eq(plog(&c), " F5 ");
  ck_assert_uint_eq(gost__smux_num_streams(sv.s), 1);
  peer_free(&c);
  peer_free(&sv);
}
END_TEST

START_TEST(test_many_streams) {
  struct peer c, sv;
  peer_init(&c, 2, 1);
  peer_init(&sv, 2, 0);
  c.log_data = sv.log_data = 0;
  sv.close_on_fin = 1;
  sv.auto_consume = 1;
  for (int i = 0; i < 10000; i++) {
    uint32_t sid;
    ck_assert_int_eq(gost__smux_open(c.s, &sid), GOST_OK);
    ck_assert_uint_eq(sid, 3 + 2 * (uint32_t)i);
    ck_assert_int_eq(gost__smux_write(c.s, sid, (const uint8_t *)"hello", 5), 5);
    if (i % 3 == 0) ck_assert_int_eq(gost__smux_close_stream(c.s, sid), GOST_OK);
    if (i % 100 == 99) pump(&c, &sv);
  }
  pump(&c, &sv);
  ck_assert_uint_eq(sv.nopen, 10000);
  ck_assert_uint_eq(sv.rx_total, 50000);
  ck_assert_uint_eq(gost__smux_num_streams(c.s), 10000 - 3334);
  for (uint32_t sid = 3; sid < 3 + 20000; sid += 2) {
    int rc = gost__smux_close_stream(c.s, sid); /* ENOTFOUND for those closed already */
    ck_assert(rc == GOST_OK || rc == GOST_ENOTFOUND);
  }
  pump(&c, &sv);
  ck_assert_uint_eq(gost__smux_num_streams(c.s), 0);
  ck_assert_uint_eq(gost__smux_num_streams(sv.s), 0);
  ck_assert_uint_eq(sv.nfin, 10000);
  peer_free(&c);
  peer_free(&sv);
}
END_TEST

START_TEST(test_sid_wrap) {
  struct peer c;
  peer_init(&c, 2, 1);
  gost__smux_test_set_next_sid(c.s, 0xFFFFFFFDu);
  uint32_t sid;
  ck_assert_int_eq(gost__smux_open(c.s, &sid), GOST_OK);
  ck_assert_uint_eq(sid, 0xFFFFFFFDu);
  ck_assert_int_eq(gost__smux_open(c.s, &sid), GOST_OK);
  ck_assert_uint_eq(sid, 0xFFFFFFFFu);
  ck_assert_int_eq(gost__smux_open(c.s, &sid), GOST_ESTATE);
  ck_assert_int_eq(gost__smux_open(c.s, &sid), GOST_ESTATE);
  ck_assert_uint_eq(gost__smux_num_streams(c.s), 2);
  peer_free(&c);
  /* the acceptor role opens even ids */
  peer_init(&c, 2, 0);
  ck_assert_int_eq(gost__smux_open(c.s, &sid), GOST_OK);
  ck_assert_uint_eq(sid, 2);
  peer_free(&c);
}
END_TEST

/* ---- protocol errors ---- */

static int feed_hex(struct peer *p, const char *hex) {
  uint8_t b[512];
  size_t n = gost_test_hex(hex, b, sizeof b);
  return gost__smux_recv(p->s, b, n, 0);
}

START_TEST(test_session_errors) {
  struct peer p;
  peer_init(&p, 2, 0);
  ck_assert_int_eq(feed_hex(&p, "01 00 00 00 03 00 00 00"), GOST_EPROTO); /* version mismatch */
  ck_assert_int_eq(feed_hex(&p, "02 03 00 00 00 00 00 00"), GOST_EPROTO); /* stays dead */
  peer_free(&p);
  peer_init(&p, 1, 0);
  ck_assert_int_eq(feed_hex(&p, "02 00 00 00 03 00 00 00"), GOST_EPROTO);
  peer_free(&p);
  peer_init(&p, 1, 0);
  ck_assert_int_eq(feed_hex(&p, "01 04 08 00 03 00 00 00 00 00 00 00 00 00 00 00"), GOST_EPROTO);
  peer_free(&p);
  peer_init(&p, 2, 0);
  ck_assert_int_eq(feed_hex(&p, "02 00 00 00 03 00 00 00 02 07 00 00 03 00 00 00"), GOST_EPROTO); /* cmd 7 */
  ck_assert_str_eq(plog(&p), "O3 ");
  peer_free(&p);
  peer_init(&p, 2, 0);
  ck_assert_int_eq(feed_hex(&p, "02 04 04 00 03 00 00 00 00 00 00 00"), GOST_EPROTO); /* UPD len 4 */
  peer_free(&p);
  peer_init(&p, 2, 0);
  ck_assert_int_eq(feed_hex(&p, "02 04 10 00 03 00 00 00"), GOST_EPROTO); /* UPD len 16 */
  peer_free(&p);
  peer_init(&p, 2, 0);
  p.abort_data = 1;
  ck_assert_int_eq(feed_hex(&p, "02 00 00 00 03 00 00 00 02 02 01 00 03 00 00 00 41"), GOST_EUSER);
  peer_free(&p);
}
END_TEST

START_TEST(test_bad_config) {
  struct gost_smux_config cfg;
  struct gost_smux *s = (struct gost_smux *)&cfg;
  gost__smux_config_default(&cfg, 1);
  cfg.version = 3;
  ck_assert_int_eq(gost__smux_new(&s, NULL, &cfg, &cbs, NULL), GOST_EINVAL);
  ck_assert_ptr_null(s);
  gost__smux_config_default(&cfg, 1);
  cfg.max_frame_size = 65536;
  ck_assert_int_eq(gost__smux_new(&s, NULL, &cfg, &cbs, NULL), GOST_EINVAL);
  gost__smux_config_default(&cfg, 1);
  cfg.keepalive_interval_ms = 40000;
  ck_assert_int_eq(gost__smux_new(&s, NULL, &cfg, &cbs, NULL), GOST_EINVAL);
  memset(&cfg, 0, sizeof cfg);
  cfg.version = 1;
  ck_assert_int_eq(gost__smux_new(&s, NULL, &cfg, NULL, NULL), GOST_OK); /* zeros = defaults */
  ck_assert_int_eq(feed_hex(&(struct peer){.s = s}, "01 00 00 00 03 00 00 00 01 02 01 00 03 00 00 00 41"), GOST_OK);
  ck_assert_uint_eq(gost__smux_num_streams(s), 1);
  gost__smux_free(s);
}
END_TEST

START_TEST(test_ctrl_flood) {
  struct peer p;
  peer_init(&p, 2, 0);
  p.refuse_all = 1;
  p.log_data = 0;
  uint8_t syn[8];
  gost_test_hex("02 00 00 00 00 00 00 00", syn, 8);
  int rc = GOST_OK;
  uint32_t i;
  for (i = 1; i < 200000 && rc == GOST_OK; i++) { /* each refusal queues a FIN nobody reads */
    syn[4] = (uint8_t)i;
    syn[5] = (uint8_t)(i >> 8);
    syn[6] = (uint8_t)(i >> 16);
    rc = gost__smux_recv(p.s, syn, 8, 0);
  }
  ck_assert_int_eq(rc, GOST_EPROTO);
  ck_assert_uint_le(gost__smux_pending(p.s), 262144 + 65536);
  ck_assert_uint_eq(gost__smux_num_streams(p.s), 0);
  peer_free(&p);
}
END_TEST

/* ---- incremental decoding ---- */

START_TEST(test_unknown_sid_discard) {
  struct peer p;
  peer_init(&p, 2, 0);
  ck_assert_int_eq(feed_hex(&p, "02 00 00 00 03 00 00 00"), GOST_OK);
  ck_assert_int_eq(feed_hex(&p, "02 02 0a 00 63 00 00 00 01 02 03"), GOST_OK); /* PSH sid 99, 10 bytes */
  ck_assert_int_eq(feed_hex(&p, "04 05 06"), GOST_OK);
  ck_assert_int_eq(feed_hex(&p, "07 08 09 0a 02 02 02 00 03"), GOST_OK);
  ck_assert_int_eq(feed_hex(&p, "00 00 00 68 69"), GOST_OK);
  ck_assert_int_eq(feed_hex(&p, "02 01 00 00 63 00 00 00 02 04 08 00 63 00 00 00 01 00 00 00 02 00 00 00"), GOST_OK);
  ck_assert_int_eq(feed_hex(&p, "02 00 00 00 03 00 00 00 02 02 00 00 03 00 00 00"), GOST_OK); /* dup SYN, empty PSH */
  ck_assert_str_eq(plog(&p), "O3 D3:6869");
  ck_assert_uint_eq(p.nopen, 1);
  ck_assert_uint_eq(gost__smux_pending(p.s), 0);
  peer_free(&p);
}
END_TEST

static const char *k_script =
    "02 00 00 00 03 00 00 00"                               /* SYN 3 */
    "02 02 05 00 03 00 00 00 68 65 6c 6c 6f"                /* PSH 3 hello */
    "02 00 00 00 05 00 00 00"                               /* SYN 5 */
    "02 03 00 00 00 00 00 00"                               /* NOP */
    "02 02 0c 00 63 00 00 00 00 11 22 33 44 55 66 77 88 99 aa bb" /* PSH unknown 99 */
    "02 02 07 00 05 00 00 00 77 6f 72 6c 64 21 21"          /* PSH 5 world!! */
    "02 04 08 00 03 00 00 00 10 00 00 00 00 00 10 00"       /* UPD 3 */
    "02 00 00 00 09 00 00 00"                               /* SYN 9, refused → FIN out */
    "02 02 00 00 03 00 00 00"                               /* empty PSH */
    "02 01 00 00 05 00 00 00"                               /* FIN 5 */
    "02 02 03 00 05 00 00 00 78 78 78"                      /* PSH after FIN: dropped */
    "02 02 03 00 03 00 00 00 62 79 65"                      /* PSH 3 bye */
    "02 01 00 00 03 00 00 00";                              /* FIN 3 */

struct run {
  char log[512];
  uint8_t out[64];
  size_t out_len;
};

static void run_split(const uint8_t *in, size_t n, const size_t *cuts, size_t ncuts, struct run *r) {
  struct peer p;
  peer_init(&p, 2, 0);
  p.refuse_sid = 9; /* no auto_consume: UPD contents follow the delivery granularity */
  size_t at = 0;
  for (size_t i = 0; i <= ncuts; i++) {
    size_t end = i < ncuts ? cuts[i] : n;
    ck_assert_int_eq(gost__smux_recv(p.s, in + at, end - at, 0), GOST_OK);
    at = end;
  }
  ck_assert_uint_lt(p.log_len, sizeof r->log);
  strcpy(r->log, plog(&p));
  r->out_len = drain(&p, r->out, sizeof r->out);
  peer_free(&p);
}

START_TEST(test_split_every_boundary) {
  uint8_t in[512];
  size_t n = gost_test_hex(k_script, in, sizeof in);
  struct run ref, got;
  run_split(in, n, NULL, 0, &ref);
  ck_assert_str_eq(ref.log, "O3 D3:68656c6c6fO5 D5:776f726c642121O9  F5 D3:627965 F3 ");
  ck_assert_uint_eq(ref.out_len, 8);
  uint8_t fin9[8];
  gost_test_hex("02 01 00 00 09 00 00 00", fin9, 8); /* the refusal */
  ck_assert_mem_eq(ref.out, fin9, 8);
  for (size_t cut = 0; cut <= n; cut++) {
    run_split(in, n, &cut, 1, &got);
    ck_assert_str_eq(got.log, ref.log);
    ck_assert_uint_eq(got.out_len, ref.out_len);
    ck_assert_mem_eq(got.out, ref.out, ref.out_len);
  }
  for (size_t c1 = 1; c1 < n; c1 += 3) { /* two cuts, a sample of pairs */
    for (size_t c2 = c1; c2 <= n; c2 += 5) {
      size_t cuts[2] = {c1, c2};
      run_split(in, n, cuts, 2, &got);
      ck_assert_str_eq(got.log, ref.log);
      ck_assert_mem_eq(got.out, ref.out, ref.out_len);
    }
  }
  size_t every[512];
  for (size_t i = 0; i + 1 < n; i++) every[i] = i + 1;
  run_split(in, n, every, n - 1, &got); /* byte by byte */
  ck_assert_str_eq(got.log, ref.log);
  ck_assert_mem_eq(got.out, ref.out, ref.out_len);
}
END_TEST

START_TEST(test_v1_pair) {
  struct peer c, sv;
  peer_init(&c, 1, 1);
  peer_init(&sv, 1, 0);
  sv.auto_consume = 1;
  uint32_t sid;
  ck_assert_int_eq(gost__smux_open(c.s, &sid), GOST_OK);
  expect_out(&c, "01 00 00 00 03 00 00 00");
  ck_assert_int_eq(feed_hex(&sv, "01 00 00 00 03 00 00 00"), GOST_OK);
  ck_assert_int_eq(gost__smux_write(c.s, sid, (const uint8_t *)"ping", 4), 4);
  pump(&c, &sv);
  ck_assert_uint_eq(gost__smux_pending(sv.s), 0); /* v1: no UPD */
  ck_assert_int_eq(gost__smux_write(sv.s, sid, (const uint8_t *)"pong", 4), 4);
  ck_assert_int_eq(gost__smux_tick(sv.s, 0), GOST_OK);
  ck_assert_int_eq(gost__smux_tick(sv.s, 10000), GOST_OK);
  pump(&c, &sv);
  ck_assert_str_eq(plog(&sv), "O3 D3:70696e67");
  ck_assert_str_eq(plog(&c), "D3:706f6e67");
  /* v1 has no per-stream window: a 1 MiB write is bound only by the output queue */
  static uint8_t big[300000];
  c.log_data = sv.log_data = 0;
  size_t sent = 0;
  while (sent < sizeof big) {
    ssize_t n = gost__smux_write(c.s, sid, big + sent, sizeof big - sent);
    ck_assert_int_gt(n, 0);
    sent += (size_t)n;
    pump(&c, &sv);
  }
  ck_assert_uint_eq(sv.rx_total, 4 + sizeof big);
  ck_assert_int_eq(gost__smux_close_stream(c.s, sid), GOST_OK);
  pump(&c, &sv);
  ck_assert_uint_eq(sv.nfin, 1);
  peer_free(&c);
  peer_free(&sv);
}
END_TEST

static Suite *smux_suite(void) {
  Suite *s = suite_create("smux");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_frame_vectors);
  tcase_add_test(tc, test_frame_errors);
  tcase_add_test(tc, test_machine_vectors);
  tcase_add_test(tc, test_pair_data);
  tcase_add_test(tc, test_window_stall);
  tcase_add_test(tc, test_window_growth);
  tcase_add_test(tc, test_window_no_growth);
  tcase_add_test(tc, test_out_bound_v1);
  tcase_add_test(tc, test_keepalive);
  tcase_add_test(tc, test_fin_both_ways);
  tcase_add_test(tc, test_refuse);
  tcase_add_test(tc, test_many_streams);
  tcase_add_test(tc, test_sid_wrap);
  tcase_add_test(tc, test_session_errors);
  tcase_add_test(tc, test_bad_config);
  tcase_add_test(tc, test_ctrl_flood);
  tcase_add_test(tc, test_unknown_sid_discard);
  tcase_add_test(tc, test_split_every_boundary);
  tcase_add_test(tc, test_v1_pair);
  tcase_add_test(tc, test_write_frames);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return gost_test_run(smux_suite());
}
