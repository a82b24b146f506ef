/* A stream that first replays bytes already read from an inner stream, then passes through.
 * Needed wherever a message is read off a stream whose next bytes belong to someone else
 * (relay Response followed by smux frames, stream header followed by payload). */
#ifndef GOST_IO_PREFIXED_H
#define GOST_IO_PREFIXED_H

#include "io/msgread.h"
#include "io/stream.h"

/* Wraps inner (ownership moves to the new stream) and copies data[0..len) as the first bytes
 * future reads deliver. len may be 0 (pure pass-through). NULL on allocation failure (inner is
 * then still owned by the caller). */
gost_stream *gost__prefixed_new(gost_ctx_t *ctx, gost_stream *inner, const void *data, size_t len);

/* A reply that arrives after the caller has already been handed the stream: reads first
 * collect bytes (at most max) until parse() accepts one message, then check(out, user) decides:
 * 0 lets the rest of the bytes through, a GOST_E* code is delivered to the read callback
 * instead (and nothing more is read). Writes pass straight through meanwhile, so a client's
 * first bytes go out without waiting for the reply. user is freed (gost__free) with the
 * stream, or as soon as the reply is accepted. */
struct gost_stream_gate {
  gost_msg_parse_fn parse;
  int (*check)(void *out, void *user);
  void *out;
  void *user;
  size_t max;
};
gost_stream *gost__gated_new(gost_ctx_t *ctx, gost_stream *inner, const struct gost_stream_gate *gate);

#endif
