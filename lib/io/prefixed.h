/* A stream that first replays bytes already read from an inner stream, then passes through.
 * Needed wherever a message is read off a stream whose next bytes belong to someone else
 * (relay Response followed by smux frames, stream header followed by payload). */
#ifndef GOST_IO_PREFIXED_H
#define GOST_IO_PREFIXED_H

#include "io/stream.h"

/* Wraps inner (ownership moves to the new stream) and copies data[0..len) as the first bytes
 * future reads deliver. len may be 0 (pure pass-through). NULL on allocation failure (inner is
 * then still owned by the caller). */
gost_stream *gost__prefixed_new(gost_ctx_t *ctx, gost_stream *inner, const void *data, size_t len);

#endif
