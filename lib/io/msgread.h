/* Reads exactly one length-delimited message (relay Request/Response, stream header) off a
 * stream, with a size bound and a timeout, and hands back the stream with any bytes read past
 * the message still unread (through the prefixed adapter). */
#ifndef GOST_IO_MSGREAD_H
#define GOST_IO_MSGREAD_H

#include <stdint.h>

#include "io/stream.h"

/* Parser: GOST_OK with *consumed set when one message is complete, GOST_EAGAIN for "need
 * more", any other negative code for malformed input. out is the caller's. */
typedef int (*gost_msg_parse_fn)(const uint8_t *buf, size_t len, void *out, size_t *consumed);

/* status 0: s is the stream to continue with (maybe a new wrapper owning the old one), out is
 * filled. status < 0: s is the original stream, still open; the caller closes it. Fires once,
 * never from inside gost__msg_read(). */
typedef void (*gost_msg_read_cb)(gost_stream *s, int status, void *user);

struct gost_msg_read;

/* max bounds the bytes buffered while the message is incomplete; timeout_ms 0 = none.
 * NULL (last error set) on failure, then cb never fires. */
struct gost_msg_read *gost__msg_read(gost_ctx_t *ctx, gost_stream *s, size_t max,
                                     uint64_t timeout_ms, gost_msg_parse_fn parse, void *out,
                                     gost_msg_read_cb cb, void *user);
/* Sniffing variant: nothing is consumed (the parser's *consumed is ignored) and every byte
 * read is replayed by the returned stream. On timeout cb gets GOST_ETIMEDOUT together with a
 * replaying stream (possibly with no bytes), so a server-speaks-first protocol still works. */
struct gost_msg_read *gost__msg_peek(gost_ctx_t *ctx, gost_stream *s, size_t max, uint64_t timeout_ms,
                                     gost_msg_parse_fn parse, void *out, gost_msg_read_cb cb, void *user);
/* Stops the read: cb will not fire; the stream is left open (reads stopped). */
void gost__msg_read_cancel(struct gost_msg_read *r);

#endif
