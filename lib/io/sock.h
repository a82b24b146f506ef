/* Socket streams over nonblocking fds (TCP, or connected UDP in datagram mode) and
 * asynchronous connects. */
#ifndef GOST_IO_SOCK_H
#define GOST_IO_SOCK_H

#include "core/ctx_int.h"
#include "io/stream.h"

#define GOST_SOCK_READ_MAX (64 * 1024)        /* one read at most, from a stack buffer */
#define GOST_SOCK_QUEUE_MAX (4 * 1024 * 1024) /* hard cap of a stream's write queue */
#define GOST_CONNECT_TIMEOUT_MS 10000

/* Wraps a connected nonblocking fd (taken over: closed by the stream). dgram: each read is
 * one datagram and each write one datagram (never queued: dropped when the kernel is full).
 * Sets TCP_NODELAY for TCP and fills peer/local. NULL on ENOMEM (fd left open). */
gost_stream *gost__sock_new(gost_ctx_t *ctx, int fd, int dgram);
/* Same, with the peer address already known (from accept4, or the address connected to):
 * saves the getpeername per connection. NULL peer: asks the kernel. */
gost_stream *gost__sock_new_peer(gost_ctx_t *ctx, int fd, int dgram, const struct sockaddr *peer);
/* 1 when s is a TCP socket stream of this file (whose close sends the FIN by itself). */
int gost__sock_is_tcp(const gost_stream *s);

/* Write timeout of a TCP socket stream (ms; 0: none): when queued bytes make no progress for
 * this long the peer is taken as gone: queued writes fail with GOST_ETIMEDOUT, the owner is told
 * through the read callback and close() resets the connection. Default: ctx write_timeout_ms.
 * No-op for other streams. */
void gost__sock_set_write_timeout(gost_stream *s, int64_t ms);

/* Live connections of one listener (conns.max). The listener and its sockets share it: the
 * last of them to go frees it, so a socket may outlive the listener that accepted it. */
struct gost_conn_count {
  gost_ctx_t *ctx;
  size_t live;
  int orphaned; /* the listener stopped: freed when live reaches 0 */
};
/* Counts s in c until s is closed. */
void gost__sock_count(gost_stream *s, struct gost_conn_count *c);
/* The listener lets go of c (freed now or by its last socket). */
void gost__conn_count_release(struct gost_conn_count *c);

struct gost_connect; /* an in-flight connect */

/* Resolves addr ("host:port") and connects (TCP, or a connected UDP socket), trying each
 * address in turn within timeout_ms (0: GOST_CONNECT_TIMEOUT_MS). cb fires exactly once and
 * never inside this call, unless cancelled. NULL + last error on immediate failure. */
struct gost_connect *gost__connect(gost_ctx_t *ctx, const char *addr, int dgram,
                                   uint64_t timeout_ms, gost_stream_ready_cb cb, void *user);
struct gost_connect *gost__tcp_connect(gost_ctx_t *ctx, const char *addr, gost_stream_ready_cb cb,
                                       void *user);
/* cb will not fire; the half-open socket is closed. */
void gost__connect_cancel(struct gost_connect *c);

#endif
