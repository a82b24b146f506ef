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

/* Same adapter speaking framing (B) (io/udptun.h) with one fixed target: each write is one
 * frame addressed to target, each read one payload (the frame's address is dropped). The
 * client side of SOCKS5 UDP-over-TCP and of relay UDP associations. */
struct gost_relay_addr;
gost_stream *gost__dgramframe_new_socks(gost_ctx_t *ctx, gost_stream *inner,
                                        const struct gost_relay_addr *target);

#endif
