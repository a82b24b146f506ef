/* Hands a ready stream to its callback on the next loop iteration: for layers that are the
 * identity (tcp dialer, forward connector) yet must never call back synchronously. */
#ifndef GOST_IO_LATER_H
#define GOST_IO_LATER_H

#include "core/ctx_int.h"
#include "io/stream.h"

int gost__stream_ready_later(gost_ctx_t *ctx, gost_stream *s, gost_stream_ready_cb cb, void *user);

#endif
