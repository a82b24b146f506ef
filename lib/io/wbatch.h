/* Write coalescing for message-framed streams (datagram framings over a byte stream): writes
 * made during one loop iteration are copied into pooled buffers and handed to the inner stream
 * as one write at the start of the next iteration (a top-priority idle watcher), or at once
 * past GOST_WBATCH_FLUSH bytes. One syscall (TCP) or one smux frame for many datagrams instead
 * of one each; completion requests are reused, so a steady flow allocates nothing. */
#ifndef GOST_IO_WBATCH_H
#define GOST_IO_WBATCH_H

#include "core/buf.h"
#include "core/ctx_int.h"
#include "io/stream.h"

#define GOST_WBATCH_FLUSH (64 * 1024)

struct gost_wbatch_req;

struct gost_wbatch {
  gost_stream *owner; /* completions are reported as the owner's */
  gost_stream *inner;
  struct gost_bufq q;                  /* bytes not yet handed to inner */
  ev_idle flush;
  struct gost_wbatch_req *head, *tail; /* completions, oldest first */
  struct gost_wbatch_req *spare;       /* delivered ones kept for reuse */
  uint64_t handed, done;               /* batches handed to inner / completed by it */
  int err;                             /* sticky: a batch failed */
  int *gone;                           /* set while completions run: cleanup marks it */
};

void gost__wbatch_init(struct gost_wbatch *b, gost_stream *owner, gost_stream *inner);
/* Copies the iovecs (all of them, as one message: messages never interleave); cb as for
 * gost_stream_write. */
int gost__wbatch_write(struct gost_wbatch *b, const struct iovec *iov, int iovcnt,
                       gost_stream_write_cb cb, void *user);
/* Bytes not yet handed on, here and in inner. */
size_t gost__wbatch_queued(const struct gost_wbatch *b);
/* Hands what is batched to inner now. */
void gost__wbatch_flush(struct gost_wbatch *b);
/* Hands the rest on (no completion fires any more) and frees the batch state (not inner). */
void gost__wbatch_cleanup(struct gost_wbatch *b);

#endif
