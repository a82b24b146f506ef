/* Datagram adapter over a byte stream with framing (A) of wire-spec §2.9: each write() is one
 * datagram sent as u16be length + payload, each read callback delivers one whole datagram.
 * Used by the visitor UDP connector, the rudp listener and anything relaying UDP over a
 * tunnel stream. */
#ifndef GOST_IO_DGRAMFRAME_H
#define GOST_IO_DGRAMFRAME_H

#include "io/stream.h"

#define GOST__DGRAM_MAX 65535

/* Takes ownership of inner. NULL on allocation failure (inner still the caller's). Writes
 * larger than 65535 bytes fail with GOST_EINVAL; empty datagrams are sent but not delivered
 * (a zero-length read has no meaning in the stream contract). */
gost_stream *gost__dgramframe_new(gost_ctx_t *ctx, gost_stream *inner);

#endif
