/* An smux session driven over any carrier gost_stream (TCP, TLS, WS, ...): the I/O side of
 * the pure machine in mux/smux.h. Each smux stream is exposed as a gost_stream ("smux" ops). */
#ifndef GOST_MUX_SESSION_H
#define GOST_MUX_SESSION_H

#include <jansson.h>
#include <stdint.h>

#include "io/stream.h"
#include "mux/smux.h"

struct gost_mux_session;

struct gost_mux_callbacks {
  /* The peer opened a stream (stock tunnel clients never do). NULL: refused with FIN.
   * The callee owns s. */
  void (*on_stream_accepted)(struct gost_mux_session *m, gost_stream *s, void *user);
  /* The session ended (carrier EOF/error, keepalive timeout, protocol error). Fires once,
   * never from inside gost__mux_session_close(). Streams still open get EOF/error. */
  void (*on_closed)(struct gost_mux_session *m, int status, void *user);
};

struct gost_mux_counters {
  uint64_t streams_opened, streams_accepted;
  uint64_t bytes_in, bytes_out; /* carrier bytes */
  size_t streams_live;
};

/* Fills cfg from metadata keys mux.version, mux.keepaliveInterval, mux.keepaliveTimeout,
 * mux.keepaliveDisabled, mux.maxFrameSize, mux.maxStreamBuffer on top of the tunnel defaults;
 * def_version is used when mux.version is absent. GOST_EINVAL on a bad value. */
int gost__mux_config_from_meta(struct gost_smux_config *cfg, const json_t *meta, int is_client,
                               int def_version);

/* Takes ownership of carrier (also on failure). initial/len are bytes already read from the
 * carrier that belong to the session (the tail of a relay handshake read); may be 0. */
int gost__mux_session_new(struct gost_mux_session **out, gost_ctx_t *ctx, gost_stream *carrier,
                          const struct gost_smux_config *cfg, const void *initial, size_t len,
                          const struct gost_mux_callbacks *cb, void *user);
/* Opens a stream (SYN queued at once). GOST_ECLOSED on a dead session, GOST_ESTATE when ids
 * are exhausted. */
int gost__mux_open_stream(struct gost_mux_session *m, gost_stream **out);
/* Closes the carrier; live streams get an error. The session memory goes away when the last
 * stream is closed. on_closed does not fire. NULL-safe. */
void gost__mux_session_close(struct gost_mux_session *m);
int gost__mux_session_is_closed(const struct gost_mux_session *m);
/* 1 when a stream can be opened now (alive, below mux.maxStreams). O(1). */
int gost__mux_session_has_room(const struct gost_mux_session *m);
void gost__mux_session_counters(const struct gost_mux_session *m, struct gost_mux_counters *out);

#endif
