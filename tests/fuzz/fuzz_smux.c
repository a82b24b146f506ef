/* Arbitrary bytes into an smux acceptor (v2 and v1). The first input byte picks the feed
 * chunk size; callbacks exercise consumed/write/close from inside recv(). */
#include <stddef.h>
#include <stdint.h>

#include "gost/error.h"
#include "mux/smux.h"

static int f_open(struct gost_smux *s, uint32_t sid, void *user) { return (sid & 0x30) == 0x30; }

static int f_data(struct gost_smux *s, uint32_t sid, const uint8_t *d, size_t n, void *user) {
  gost__smux_consumed(s, sid, n);
  if (n && d[0] == 'e') gost__smux_write(s, sid, d, n); /* echo */
  if (n && d[0] == 'c') gost__smux_close_stream(s, sid);
  return n && d[0] == 'A'; /* abort path */
}

static int f_fin(struct gost_smux *s, uint32_t sid, void *user) {
  if (sid & 1) gost__smux_close_stream(s, sid);
  return 0;
}

static void f_window(struct gost_smux *s, uint32_t sid, void *user) { gost__smux_write(s, sid, (const uint8_t *)"w", 1); }

static const struct gost_smux_callbacks fcb = {f_open, f_data, f_fin, f_window};

static void run(const uint8_t *data, size_t size, uint8_t version) {
  struct gost_smux_config cfg;
  gost__smux_config_default(&cfg, 0);
  cfg.version = version;
  cfg.max_out_buffer = 4096; /* reach the output bound and control headroom quickly */
  struct gost_smux *s;
  if (gost__smux_new(&s, NULL, &cfg, &fcb, NULL) != GOST_OK) return;
  size_t chunk = size ? (size_t)(data[0] % 17) + 1 : 1;
  uint64_t now = 0;
  for (size_t off = 0; off < size; off += chunk) {
    size_t n = size - off < chunk ? size - off : chunk;
    if (gost__smux_recv(s, data + off, n, now) != GOST_OK) break;
    now += 1000;
    if (gost__smux_tick(s, now) != GOST_OK) break;
    if ((off / chunk) % 4 == 3) gost__smux_consume_out(s, gost__smux_pending(s) / 2);
  }
  gost__smux_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  run(data, size, 2);
  run(data, size, 1);
  return 0;
}
