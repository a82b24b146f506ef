/* Layout shared by session.c (carrier, timers, flushing) and session_stream.c (the "smux"
 * gost_stream ops). */
#ifndef GOST_MUX_SESSION_INT_H
#define GOST_MUX_SESSION_INT_H

#include <ev.h>

#include "core/ctx_int.h"
#include "core/list.h"
#include "mux/session.h"

/* Session-wide cap of received bytes held for streams whose reader is stopped; beyond it the
 * carrier is not read (Go's MaxReceiveBuffer bucket, §3.4). */
#define GOST_MUX_RX_MAX (4u * 1024 * 1024)
/* A session whose receive buffer stays full this long (seconds) resets the streams that hold
 * the most unread bytes until it is half empty; when it fills again soon after a reset, the
 * wait is GOST_MUX_RX_SHED_EVERY_S: stalled readers must not stop every other stream of the
 * tunnel (docs/limits.md). */
#define GOST_MUX_RX_STALL_S 5.0
#define GOST_MUX_STREAMS_DEFAULT_MAX 16384 /* mux.maxStreams */
#define GOST_MUX_RX_SHED_EVERY_S 1.0
/* Per-stream cap of bytes accepted by write() beyond the peer window. */
#define GOST_MUX_TX_MAX (1u * 1024 * 1024)
/* Carrier queue above which we stop flushing and wait for its drain. */
#define GOST_MUX_CARRIER_HWM (256u * 1024)

struct mux_wreq {
  struct mux_wreq *next;
  uint64_t end; /* tx_accepted value at which this write is fully handed on */
  gost_stream_write_cb cb;
  void *user;
};

struct mux_stream {
  gost_stream base; /* first: the ops get this pointer */
  struct gost_mux_session *m;
  uint32_t sid;
  struct gost_list link;  /* m->streams */
  struct gost_list plink; /* m->pending while it has deferred events */
  unsigned reading : 1, fin_rcvd : 1, eof_sent : 1, shut : 1, gone : 1, app_closed : 1,
      in_cb : 1, need_drain : 1, reset : 1;
  int err; /* session death status to report, 0 if none */
  struct gost_bufq rxq, txq;
  uint64_t tx_accepted, tx_handed;
  struct mux_wreq *wreqs, **wtail;
};

struct gost_mux_session {
  gost_ctx_t *ctx;
  gost_stream *carrier;
  struct gost_smux *smux;
  struct gost_smux_config cfg;
  struct gost_mux_callbacks cb;
  void *user;
  ev_prepare prep; /* per-iteration work: deferred stream events, one flush */
  ev_idle wake;    /* keeps the next poll from blocking while work remains */
  ev_timer ka;     /* keepalive clock of the machine */
  ev_timer rx_stall; /* runs while the receive buffer is full (rx_paused) */
  /* traffic limits of the carrier (docs/limiters.md: a service `limiter` on a tunnel server
   * shapes its clients' sessions, as stock's wraps every accepted connection): reads or
   * flushes held until the timer fires */
  ev_timer in_hold, out_hold;
  int in_held, out_held;
  struct gost_list streams, pending;
  int dead, status, owner_done, in_cb, rx_paused, waiting_drain;
  ev_tstamp last_shed; /* when rx_stall last reset a stream */
  size_t nlive;        /* streams in m->streams (mux.maxStreams) */
  ev_tstamp full_logged;
  size_t rx_buffered;
  struct gost_mux_counters cnt;
};

/* session.c */
void gost__mux_schedule(struct gost_mux_session *m);
void gost__mux_die(struct gost_mux_session *m, int status, int notify);
void gost__mux_maybe_free(struct gost_mux_session *m);
void gost__mux_rx_released(struct gost_mux_session *m, size_t n);
size_t gost__mux_rx_cap(const struct gost_mux_session *m);

/* session_stream.c */
struct mux_stream *gost__mux_stream_new(struct gost_mux_session *m, uint32_t sid);
void gost__mux_stream_data(struct mux_stream *st, const uint8_t *p, size_t n);
void gost__mux_stream_fin(struct mux_stream *st);
void gost__mux_stream_pump(struct mux_stream *st);
void gost__mux_stream_kill(struct mux_stream *st, int status);
/* Resets one stream (FIN to the peer): its unread bytes are dropped and their receive credit
 * released; the reader gets status at once, reading or not. */
void gost__mux_stream_reset(struct mux_stream *st, int status);
/* Receive buffer full: stop reading the carrier (rx_released resumes). */
void gost__mux_rx_pause(struct gost_mux_session *m);
/* Delivers deferred events of one pending stream; may free it. */
void gost__mux_stream_process(struct mux_stream *st);

#endif
