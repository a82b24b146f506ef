/* An in-memory connected stream pair on the loop: what one end writes the other reads, with
 * asynchronous delivery. For unit tests of layered streams (TLS, WebSocket, smux, ...). */
#ifndef GOST_IO_MEMSTREAM_H
#define GOST_IO_MEMSTREAM_H

#include "io/stream.h"

/* Hard cap of one end's write queue; beyond it write() fails with GOST_ENOMEM. */
#define GOST_MEMSTREAM_CAP ((size_t)8 << 20)

/* Creates two connected ends. Each is closed with gost_stream_close(); closing one delivers
 * EOF to the other after the data already written. Returns 0 or GOST_ENOMEM. */
int gost__memstream_pair(gost_ctx_t *ctx, gost_stream **a, gost_stream **b);

#endif
