/* smux session internals shared by smux.c (session, decoder, time) and smux_stream.c. */
#ifndef GOST_MUX_SMUX_INT_H
#define GOST_MUX_SMUX_INT_H

#include "codec/smux_frame.h"
#include "core/buf.h"
#include "core/list.h"
#include "mux/smux.h"

#define GOST_SMUX_INITIAL_PEER_WINDOW 262144u /* until the peer's first UPD (§3.4) */
/* Control frames may exceed max_out_buffer by this much; a peer that makes us queue more
 * without reading (SYN flood, ...) is a session error. */
#define GOST_SMUX_CTRL_HEADROOM 65536u
/* UPDs whose limits are remembered: one window's worth at one UPD per quarter window */
#define GOST_SMUX_LIMITS 4
/* A window round trip shorter than this is no reason to grow it: at 2 ms the 3/4 of a 1 MiB
 * window usable in flight still carries 3 Gbit/s (loopback and LAN stay at the base window) */
#define GOST_SMUX_STALL_MS 2

struct gost_smux_stream {
  struct gost_smux_stream *hnext; /* hash chain */
  struct gost_list stall;         /* on s->stalled while a short write waits */
  uint32_t sid;
  unsigned fin_rcvd : 1;
  unsigned upd_sent : 1; /* the first-read UPD went out */
  void *user;
  uint32_t written;       /* PSH payload bytes sent, mod 2^32 */
  uint32_t peer_consumed; /* from the peer's last UPD */
  uint32_t peer_window;
  uint32_t consumed;  /* bytes the application read, mod 2^32 */
  uint32_t since_upd; /* read since our last UPD */
  /* adaptive receive window (§3.4 allows any window in UPD) */
  uint32_t win;      /* window we advertise */
  uint32_t received; /* PSH payload bytes received, mod 2^32 */
  /* Limits (consumed + win) of our last UPDs: the sender may still be bound by any of them
   * (the later ones are in flight), so received == one of them means it was blocked. */
  uint32_t limits[GOST_SMUX_LIMITS];
  uint8_t nlimit;       /* next slot of limits */
  uint64_t limits_ms[GOST_SMUX_LIMITS]; /* when each of those UPDs went out */
  unsigned blocked : 1;  /* received reached one of limits: the sender is waiting for us */
  unsigned raised : 1;   /* ...and an UPD that lets it go on is out, sent at raise_ms */
  unsigned starved : 1;  /* the window's round trip (UPD out -> data it allowed in) took at
                          * least GOST_SMUX_STALL_MS while the sender was blocked */
  uint64_t raise_ms;
};

enum gost_smux_rstate { RS_HDR, RS_PSH, RS_UPD };

struct gost_smux {
  const struct gost_mem *mem;
  struct gost_smux_config cfg;
  struct gost_smux_callbacks cb;
  void *user;
  int dead; /* 0 or the error that killed the session */

  /* stream table: chained hash keyed by sid */
  struct gost_smux_stream **buckets;
  size_t nbuckets, nstreams;
  struct gost_list stalled;
  size_t win_growth; /* sum of (win - max_stream_buffer) over the streams */
  uint32_t sid_counter; /* last id handed out by open() */
  int go_away;

  /* output */
  struct gost_buf_pool pool;
  struct gost_bufq out;

  /* incremental decoder */
  enum gost_smux_rstate rstate;
  uint8_t hdr[GOST_SMUX_HDR_LEN];
  size_t hdr_have;
  uint32_t rsid;   /* sid of the payload being read */
  size_t rremain;  /* payload bytes still to come */

  /* keepalive */
  int clock_started, recv_paused, data_ready;
  uint64_t next_ping, next_check;
  uint64_t now_ms; /* of the current recv(), for the window stall measurement */
};

/* smux_stream.c */
struct gost_smux_stream *gost__smux_find(const struct gost_smux *s, uint32_t sid);
int gost__smux_stream_add(struct gost_smux *s, uint32_t sid, struct gost_smux_stream **out);
void gost__smux_stream_del(struct gost_smux *s, struct gost_smux_stream *st);
void gost__smux_streams_free(struct gost_smux *s);
/* Called by the decoder for an UPD frame. */
void gost__smux_on_upd(struct gost_smux *s, uint32_t sid, uint32_t consumed, uint32_t window);
/* Fires on_stream_window for stalled streams that can write now. */
void gost__smux_wake_stalled(struct gost_smux *s);

/* smux.c */
/* Queues one frame atomically; a failure kills the session. ctrl frames may use the headroom. */
int gost__smux_queue(struct gost_smux *s, uint8_t cmd, uint32_t sid, const uint8_t *payload, size_t len);
int gost__smux_fail(struct gost_smux *s, int code, const char *what);

#endif
