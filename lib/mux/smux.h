/* smux session state machine without I/O (wire-spec §3, §13), in the nghttp2 style: the I/O
 * layer feeds received bytes with gost__smux_recv(), drains queued output with
 * gost__smux_out_iov()/peek_out()+consume_out(), and drives time with gost__smux_tick().
 *
 * Callbacks run from inside recv() (and on_stream_window also from consume_out()). They may
 * call open/write/consumed/close_stream on the same session, but never gost__smux_free().
 * Once a call has returned a session error (GOST_EPROTO, GOST_ETIMEDOUT, GOST_EUSER,
 * GOST_ENOMEM) the session is dead: later calls return that error again; only free is useful. */
#ifndef GOST_MUX_SMUX_H
#define GOST_MUX_SMUX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "core/mem.h"

struct gost_smux;

struct gost_smux_config {
  uint8_t version;                /* 1 or 2; both ends must agree (tunnel: 2) */
  int is_client;                  /* smux client = opener of odd ids 3, 5, ... (the tunnel SERVER) */
  uint32_t max_frame_size;        /* PSH payload split size; 0 = 32768, at most 65535 */
  uint32_t max_stream_buffer;     /* v2 window we advertise in UPD at first; 0 = 1048576 */
  /* Adaptive v2 receive windows (perf): a stream whose sender used up the whole window while
   * its reader kept up gets its window doubled, up to max_stream_window (0 = 8388608; at or
   * below max_stream_buffer: fixed windows), while the growth of all the session's streams
   * stays within max_window_growth (0 = 16 MiB), the session's budget. */
  uint32_t max_stream_window;
  size_t max_window_growth;
  uint32_t keepalive_interval_ms; /* NOP period; 0 = 10000 */
  uint32_t keepalive_timeout_ms;  /* silence that kills the session; 0 = 30000 */
  int keepalive_disabled;         /* no NOP, no timeout */
  size_t max_out_buffer;          /* queued output beyond which write() accepts nothing; 0 = 262144 */
  uint32_t max_streams;           /* live streams per session (session layer); 0 = 16384 */
};

/* Fills cfg with the tunnel defaults (§3.1) for the given role. */
void gost__smux_config_default(struct gost_smux_config *cfg, int is_client);

struct gost_smux_callbacks {
  /* Peer opened sid (accepted SYN). Return nonzero to refuse: we answer FIN and forget it. */
  int (*on_stream_open)(struct gost_smux *s, uint32_t sid, void *user);
  /* Payload for sid; data usually points into the buffer given to recv() (valid only during
   * the call). One PSH may arrive as several calls. Report reading with gost__smux_consumed().
   * Return nonzero to abort: recv() returns GOST_EUSER and the session is dead. */
  int (*on_stream_data)(struct gost_smux *s, uint32_t sid, const uint8_t *data, size_t len, void *user);
  /* Peer sent FIN: end of data, and writing is over too (§3.5, no half-close). The stream
   * stays known until gost__smux_close_stream(). Nonzero return as for on_stream_data. */
  int (*on_stream_fin)(struct gost_smux *s, uint32_t sid, void *user);
  /* A stream whose write() was cut short (window or output bound) may write again. */
  void (*on_stream_window)(struct gost_smux *s, uint32_t sid, void *user);
};

/* cfg and cb are copied; mem may be NULL (libc). GOST_EINVAL on a bad config. */
int gost__smux_new(struct gost_smux **out, const struct gost_mem *mem, const struct gost_smux_config *cfg,
                   const struct gost_smux_callbacks *cb, void *user);
void gost__smux_free(struct gost_smux *s);

/* Feeds received bytes (any split). GOST_OK when all were consumed, else a session error. */
int gost__smux_recv(struct gost_smux *s, const uint8_t *data, size_t len, uint64_t now_ms);

/* Queued output. */
size_t gost__smux_pending(const struct gost_smux *s);
/* First contiguous chunk of the queued output (NULL, *len = 0 when empty). */
const uint8_t *gost__smux_peek_out(const struct gost_smux *s, size_t *len);
/* Fills up to max iovecs with queued output for one writev; returns the count. */
int gost__smux_out_iov(const struct gost_smux *s, struct iovec *iov, int max);
/* The I/O layer wrote n bytes. May fire on_stream_window for streams stalled on the bound. */
void gost__smux_consume_out(struct gost_smux *s, size_t n);

/* Opens a stream (queues SYN). GOST_ESTATE once ids are exhausted (32-bit wrap, "go away"). */
int gost__smux_open(struct gost_smux *s, uint32_t *sid_out);
/* Queues up to len bytes as PSH frames; returns bytes accepted (0 when the v2 peer window or
 * the output bound is exhausted: wait for on_stream_window), or GOST_ENOTFOUND for an unknown
 * sid, GOST_ECLOSED after the peer's FIN, or a session error. */
ssize_t gost__smux_write(struct gost_smux *s, uint32_t sid, const uint8_t *data, size_t len);
/* Zero-copy variant of write() for an I/O layer that sends the payload itself: reserves up to
 * len bytes of sid's window (exactly as write() would accept them, split at max_frame_size) and
 * writes the 8-byte PSH headers of those frames into hdrs (at most max_hdrs frames), queueing
 * nothing. Only allowed while the output queue is empty (GOST_ESTATE otherwise), so that no
 * queued frame (SYN, UPD, FIN, NOP, PSH) is overtaken. The caller must put on the wire, before
 * any later output of this machine: hdrs[0], payload[0, k), hdrs[1], payload[k, 2k), ... where
 * k = *frame_len (the payload size of every frame but the last). Returns the bytes reserved
 * (0 when the window or the output bound is exhausted: wait for on_stream_window), or an error
 * as write(). */
ssize_t gost__smux_write_frames(struct gost_smux *s, uint32_t sid, size_t len, uint8_t (*hdrs)[8],
                                size_t max_hdrs, size_t *frame_len);
/* Nonzero when write() would accept at least one byte now. */
int gost__smux_stream_can_write(const struct gost_smux *s, uint32_t sid);
/* The application consumed n delivered bytes of sid; v2 may queue UPD (every quarter of the
 * stream's window, growing the window first when the sender was window-bound). */
int gost__smux_consumed(struct gost_smux *s, uint32_t sid, size_t n);
/* Full close (§3.5): queues FIN and forgets the stream; later frames for it are dropped. */
int gost__smux_close_stream(struct gost_smux *s, uint32_t sid);
/* Per-stream application pointer (NULL for unknown sids); set fails with GOST_ENOTFOUND. */
int gost__smux_stream_set_user(struct gost_smux *s, uint32_t sid, void *stream_user);
void *gost__smux_stream_user(const struct gost_smux *s, uint32_t sid);
size_t gost__smux_num_streams(const struct gost_smux *s);
/* Receive window granted to sid now (0 for unknown sids), and the session's total growth above
 * max_stream_buffer: extra bytes the peer may send that the I/O layer should be ready to hold. */
uint32_t gost__smux_stream_window(const struct gost_smux *s, uint32_t sid);
size_t gost__smux_window_growth(const struct gost_smux *s);

/* Emits NOP every keepalive interval; GOST_ETIMEDOUT when nothing arrived during a whole
 * keepalive timeout period. The first call (or recv) starts the clocks. */
int gost__smux_tick(struct gost_smux *s, uint64_t now_ms);
/* Next time tick() has work: 0 before the clocks started, UINT64_MAX when disabled. */
uint64_t gost__smux_next_deadline(const struct gost_smux *s);
/* While the I/O layer deliberately stops reading (backpressure), silence is not a timeout. */
void gost__smux_set_recv_paused(struct gost_smux *s, int paused);

/* Tests only: the next id open() will use (to reach the 32-bit wrap). */
void gost__smux_test_set_next_sid(struct gost_smux *s, uint32_t next_sid);

#endif
