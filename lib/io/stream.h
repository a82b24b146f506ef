/* The stream: everything that carries bytes (socket, TLS, WebSocket, smux stream, relay-framed
 * flow) implements this small operations table. Push reads, copying writes with completion. */
#ifndef GOST_IO_STREAM_H
#define GOST_IO_STREAM_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "core/sockaddr.h"
#include "gost/common.h"

typedef struct gost_stream gost_stream;

/* Traffic limits of one stream (lib/limit builds them; NULL, the common case, is unlimited).
 * The pipe reports the bytes read from (out 0) or written to (out 1) the stream and stops
 * reading for the seconds charge answers; closing the stream releases them. A stream stacked on
 * another (TLS, prefixed, datagram framing) takes over the inner stream's limits. */
struct gost_stream_limit {
  double (*charge)(struct gost_stream_limit *l, int out, size_t n, double now);
  void (*release)(struct gost_stream_limit *l);
};

/*
 * Read callback. n > 0: `data` holds n bytes, valid only during the call (the stream may reuse
 * the memory afterwards). n == GOST_ECLOSED: orderly EOF from the peer (no more reads). Other
 * n < 0: a GOST_E* error; the stream should be closed. Failures the owner could otherwise miss
 * (a write that fails after write() returned, a write timeout, a reset smux stream) are reported
 * here even while reading is stopped, once: the read callback is the owner's one failure path.
 */
typedef void (*gost_stream_read_cb)(gost_stream *s, ssize_t n, const char *data, void *user);
/* Write completion: every byte of that write was handed on (status 0) or failed (< 0). Never
 * called from inside write(). */
typedef void (*gost_stream_write_cb)(gost_stream *s, int status, void *user);

struct gost_stream_ops {
  const char *name; /* "tcp", "tls", "ws", "smux", ... for logs */
  /* Start/stop delivering reads to the read callback. Idempotent. */
  int (*read_start)(gost_stream *s);
  int (*read_stop)(gost_stream *s);
  /* Sends iov. Whatever cannot be sent at once is copied into the stream's bounded queue, so
   * the caller may reuse iov memory on return. cb may be NULL. Returns 0 or GOST_E* (then cb
   * never fires). */
  int (*write)(gost_stream *s, const struct iovec *iov, int iovcnt, gost_stream_write_cb cb,
               void *user);
  /* Bytes accepted by write() and not yet handed on: the pipe's backpressure signal. */
  size_t (*write_queue_size)(const gost_stream *s);
  /* Half-close: send EOF after the queued data. Streams without half-close (smux) may close
   * the whole stream after flushing. */
  int (*shutdown)(gost_stream *s);
  /* Closes and frees. No callback of this stream fires afterwards. Safe inside callbacks. */
  void (*close)(gost_stream *s);
  /* Underlying fd when the stream is a plain kernel socket (for splice), else -1. Optional. */
  int (*fd)(const gost_stream *s);
};

struct gost_stream {
  const struct gost_stream_ops *ops;
  gost_ctx_t *ctx;
  gost_stream_read_cb on_read;
  void *user;
  /* Called once whenever the write queue drains to zero after having been non-empty. */
  void (*on_drain)(gost_stream *s, void *user);
  void *drain_user;
  uint64_t bytes_in, bytes_out;
  gost_sockaddr peer, local; /* family 0 when unknown (28 bytes each: core/sockaddr.h) */
  struct gost_stream_limit *limit; /* NULL: unlimited */
};

/* Convenience wrappers; all take the vtable path. */
static inline void gost_stream_set_read_cb(gost_stream *s, gost_stream_read_cb cb, void *user) {
  s->on_read = cb;
  s->user = user;
}
static inline int gost_stream_read_start(gost_stream *s) { return s->ops->read_start(s); }
static inline int gost_stream_read_stop(gost_stream *s) { return s->ops->read_stop(s); }
static inline int gost_stream_write(gost_stream *s, const struct iovec *iov, int n,
                                    gost_stream_write_cb cb, void *user) {
  return s->ops->write(s, iov, n, cb, user);
}
static inline int gost_stream_write_buf(gost_stream *s, const void *p, size_t n,
                                        gost_stream_write_cb cb, void *user) {
  struct iovec v = {(void *)p, n};
  return s->ops->write(s, &v, 1, cb, user);
}
static inline size_t gost_stream_queued(const gost_stream *s) { return s->ops->write_queue_size(s); }
static inline int gost_stream_shutdown(gost_stream *s) { return s->ops->shutdown(s); }
static inline void gost_stream_close(gost_stream *s) {
  if (!s) return;
  if (s->limit) {
    struct gost_stream_limit *l = s->limit;
    s->limit = NULL;
    l->release(l);
  }
  s->ops->close(s);
}
static inline int gost_stream_fd(const gost_stream *s) { return s->ops->fd ? s->ops->fd(s) : -1; }

/* n bytes read from src were written to dst: charges src's limits (in) and dst's (out) and
 * answers how long to stop reading src (0: go on). Callers test src->limit || dst->limit first,
 * so unlimited streams pay nothing more. */
static inline double gost__stream_limit_charge(gost_stream *src, gost_stream *dst, size_t n, double now) {
  double w = src->limit ? src->limit->charge(src->limit, 0, n, now) : 0, w2;
  if (dst->limit && (w2 = dst->limit->charge(dst->limit, 1, n, now)) > w) w = w2;
  return w;
}

/* Initialises the common part; implementations embed struct gost_stream first. */
static inline void gost__stream_init(gost_stream *s, const struct gost_stream_ops *ops, gost_ctx_t *ctx) {
  s->ops = ops;
  s->ctx = ctx;
  s->on_read = NULL;
  s->user = NULL;
  s->on_drain = NULL;
  s->drain_user = NULL;
  s->bytes_in = s->bytes_out = 0;
  gost__sa_clear(&s->peer);
  gost__sa_clear(&s->local);
  s->limit = NULL;
}
/* A stream stacked on inner takes over its limits (closing the outer one releases them). */
static inline void gost__stream_take_limit(gost_stream *outer, gost_stream *inner) {
  outer->limit = inner->limit;
  inner->limit = NULL;
}
/* Implementations call this when their queue becomes empty after a write. */
static inline void gost__stream_drained(gost_stream *s) {
  if (s->on_drain) s->on_drain(s, s->drain_user);
}

/* Result of an asynchronous connect/handshake: a ready stream or an error status. */
typedef void (*gost_stream_ready_cb)(gost_ctx_t *ctx, gost_stream *s, int status, void *user);

#endif
