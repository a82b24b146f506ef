/* The relay loop: joins two streams both ways with backpressure, half-close and an idle
 * timeout. Every forwarding feature ends here. */
#ifndef GOST_IO_PIPE_H
#define GOST_IO_PIPE_H

#include "core/ctx_int.h"
#include "io/stream.h"

#define GOST_PIPE_HIGH_WATER (256 * 1024)
#define GOST_PIPE_LOW_WATER (64 * 1024)

struct gost_pipe_opts {
  size_t high_water;        /* stop reading the source above this many queued bytes (0: default) */
  size_t low_water;         /* resume at or below (0: default) */
  uint64_t idle_timeout_ms; /* 0: none */
  int datagram;             /* EOF on either side ends both directions (UDP flows) */
};

struct gost_pipe;

/* status: 0 after both directions ended, GOST_ETIMEDOUT on idle, else the first error.
 * a_to_b / b_to_a count the bytes relayed each way. Both streams are closed already. */
typedef void (*gost_pipe_done_cb)(struct gost_pipe *p, int status, uint64_t a_to_b,
                                  uint64_t b_to_a, void *user);

/* Takes ownership of a and b (and of their read/drain callbacks). opts may be NULL. On error
 * returns NULL, and a and b are left untouched (still the caller's). done never fires from
 * inside this call. */
struct gost_pipe *gost__pipe_start(gost_ctx_t *ctx, gost_stream *a, gost_stream *b,
                                   const struct gost_pipe_opts *opts, gost_pipe_done_cb done,
                                   void *user);
/* Closes both streams without calling done. Not for use inside done. */
void gost__pipe_abort(struct gost_pipe *p);

#endif
