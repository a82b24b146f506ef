/* UDP over a byte stream with framing (B) of wire-spec §2.9 (RSV = length, FRAG 0xFF, ATYP
 * ADDR PORT, payload): what stock GOST speaks on a relay BIND/UDP connection and on the SOCKS5
 * UDP-over-TCP command (0xF3). Each frame carries an address: the peer (server -> client) or
 * the target (client -> server), so one stream carries datagrams of many peers. */
#ifndef GOST_IO_UDPTUN_H
#define GOST_IO_UDPTUN_H

#include "codec/udpframe.h"
#include "io/stream.h"

/* Incremental reader: whole frames inside one read are delivered in place, split frames are
 * reassembled in one buffer of at most one frame (allocated on first need). */
struct gost_udptun_rx {
  gost_ctx_t *ctx;
  uint8_t *buf;
  size_t len;
};

/* One datagram; return nonzero when the owner (and rx) went away inside: feeding stops and
 * rx is not touched again. */
typedef int (*gost_udptun_dgram_fn)(void *user, const struct gost_relay_addr *addr,
                                    const uint8_t *payload, size_t len);

void gost__udptun_rx_init(struct gost_udptun_rx *rx, gost_ctx_t *ctx);
/* GOST_OK (all input used, or stopped by fn), GOST_EPROTO (bad frame: end the stream),
 * GOST_ENOMEM. */
int gost__udptun_rx_feed(struct gost_udptun_rx *rx, const uint8_t *data, size_t n,
                         gost_udptun_dgram_fn fn, void *user);
void gost__udptun_rx_free(struct gost_udptun_rx *rx);

/* Frame header: RSV(2) FRAG(1) ATYP(1) + domain length(1) + 255 + PORT(2) at most. */
#define GOST__UDPTUN_HDR_MAX (3 + 1 + 1 + 255 + 2)
/* Encodes the header of a frame of total payload bytes into hdr (GOST__UDPTUN_HDR_MAX bytes);
 * returns its length, or GOST_EINVAL for a datagram too large or a bad address. */
int gost__udptun_hdr(const struct gost_relay_addr *addr, size_t total, uint8_t *hdr);
/* Writes one frame (header and payload in one write, so frames never interleave). Empty
 * datagrams are skipped (RSV 0 means "to the end" to stock readers). */
int gost__udptun_send(gost_stream *s, const struct gost_relay_addr *addr, const struct iovec *iov,
                      int iovcnt, gost_stream_write_cb cb, void *user);
/* Same with the address given as a socket address (IPv4/IPv6). */
int gost__udptun_send_sa(gost_stream *s, const struct sockaddr *sa, const void *p, size_t n);
/* A socket address as a framing (B) address; GOST_EINVAL for other families. */
int gost__udptun_addr_from_sa(const struct sockaddr *sa, struct gost_relay_addr *out);

#endif
