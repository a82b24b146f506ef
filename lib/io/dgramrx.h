/* Batched datagram reads: one recvmmsg fills up to GOST_DGRAM_RX_BATCH datagrams into an arena
 * shared by every UDP socket of a ctx (the loop delivers them one socket at a time, and the
 * data of a read callback is valid only during the call). The arena is one block allocated on
 * first use: its slots are as large as the largest datagram, but only the pages datagrams
 * touch become resident. */
#ifndef GOST_IO_DGRAMRX_H
#define GOST_IO_DGRAMRX_H

#include <stddef.h>
#include <sys/socket.h>

#include "core/ctx_int.h"

#define GOST_DGRAM_RX_BATCH 32
#define GOST_DGRAM_RX_SLOT (64 * 1024)

struct gost_dgram_rx;

/* Reads up to GOST_DGRAM_RX_BATCH datagrams of at most maxlen bytes each (longer ones are
 * truncated, as recv does) from fd. Returns the count (> 0) with *out set: take them with
 * gost__dgram_rx_get, then gost__dgram_rx_done. 0: nothing to read (EAGAIN, or an error that
 * recv would report: *err set to errno). -1: the arena is in use further up the stack
 * or cannot be allocated; read one datagram the plain way. */
int gost__dgram_rx_read(gost_ctx_t *ctx, int fd, size_t maxlen, struct gost_dgram_rx **out, int *err);
/* Datagram i of the last read: its bytes, length and source address. */
const char *gost__dgram_rx_get(const struct gost_dgram_rx *rx, int i, size_t *len,
                               const struct sockaddr_storage **from);
void gost__dgram_rx_done(struct gost_dgram_rx *rx);

#endif
