/* Batched datagram writes for one UDP socket: datagrams written during a loop iteration are
 * copied into pooled buffers (no allocation per datagram) and go out with one sendmmsg at the
 * start of the next iteration (a top-priority idle watcher), or at once when the batch is full.
 * A datagram larger than a pooled buffer goes out alone with sendmsg, after the batch (order is
 * kept). What the kernel cannot take is dropped and counted (io/dgramdrop.h), as UDP would. */
#ifndef GOST_IO_DGRAMTX_H
#define GOST_IO_DGRAMTX_H

#include <sys/socket.h>
#include <sys/uio.h>

#include "core/ctx_int.h"

#define GOST_DGRAM_TX_BATCH 32

struct gost_dgram_tx;

/* An error sending on a connected socket (ECONNREFUSED after an ICMP unreachable, ...),
 * found when a batch went out: a GOST_E* code. Not called for unconnected sockets. */
typedef void (*gost_dgram_tx_err_fn)(void *user, int err);

/* named: an unconnected socket (every datagram carries its destination); who: the address
 * that names the socket in drop logs (kept by pointer: it must outlive the batch). */
struct gost_dgram_tx *gost__dgram_tx_new(gost_ctx_t *ctx, int fd, int named,
                                         const struct sockaddr *who,
                                         gost_dgram_tx_err_fn on_err, void *user);
/* Queues one datagram (the iov is copied; to: its destination when named, else NULL).
 * GOST_OK when batched, sent or dropped; a GOST_E* error when a datagram sent alone failed
 * for a reason other than a full buffer. */
int gost__dgram_tx_send(struct gost_dgram_tx *t, const struct sockaddr_storage *to,
                        const struct iovec *iov, int iovcnt);
/* Sends what is batched (errors no longer reported) and frees. NULL is a no-op. */
void gost__dgram_tx_free(struct gost_dgram_tx *t);

#endif
