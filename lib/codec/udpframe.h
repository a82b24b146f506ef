/* UDP datagram framing over a relay stream (wire-spec §2.9). Pure: no I/O. */
#ifndef GOST_CODEC_UDPFRAME_H
#define GOST_CODEC_UDPFRAME_H

#include <stddef.h>
#include <stdint.h>

#include "codec/relay.h"

#define GOST__UDPFRAME_MAX 65535 /* largest payload either framing can carry */
#define GOST__UDPFRAME_SOCKS_FRAG 0xFF

/* ---- (A) u16be length + payload: the tunnel's framing ---- */

/* Write header + payload into buf; returns bytes written or GOST_EINVAL (too big/small). */
int gost__udpframe_encode(const uint8_t *payload, size_t len, uint8_t *buf, size_t cap);
/* Just the 2-byte header, for scatter writes; GOST_EINVAL if len > 65535. */
int gost__udpframe_encode_hdr(size_t len, uint8_t hdr[2]);
/* Zero-copy decode of one frame at the start of buf: GOST_EAGAIN until it is whole.
 * *payload aliases buf. */
int gost__udpframe_decode(const uint8_t *buf, size_t len, const uint8_t **payload, size_t *plen,
                          size_t *consumed);

/* Streaming decoder into a caller buffer of any size. Like stock readers, a datagram longer
 * than the buffer is read whole and truncated. */
struct gost_udpframe_dec {
  uint8_t *out;
  size_t cap;
  uint8_t hdr[2];
  uint8_t hdr_got; /* 0..2 */
  size_t want;     /* payload length from the header */
  size_t got;      /* payload bytes seen so far */
};

void gost__udpframe_dec_init(struct gost_udpframe_dec *d, uint8_t *out, size_t cap);
/* Consume input; *consumed is always set. GOST_OK: one datagram is complete, *dlen bytes
 * (<= cap) are in out and *full_len (may be NULL) is its wire length; the decoder is reset
 * for the next one. GOST_EAGAIN: all input used, datagram not complete yet. */
int gost__udpframe_dec_feed(struct gost_udpframe_dec *d, const uint8_t *in, size_t len,
                            size_t *consumed, size_t *dlen, size_t *full_len);

/* ---- (B) SOCKS5-style: RSV = u16be length, FRAG 0xFF, ATYP/ADDR/PORT, payload ---- */

/* GOST_EINVAL for an empty payload: RSV 0 means "read to end" to stock readers. */
int gost__udpframe_socks_encode(const struct gost_relay_addr *addr, const uint8_t *payload,
                                size_t len, uint8_t *buf, size_t cap);
/* GOST_EAGAIN until whole; GOST_EPROTO for FRAG != 0xFF or unknown ATYP. RSV 0 is taken as
 * an empty datagram, since a stream has no "end" to read to. *payload aliases buf. */
int gost__udpframe_socks_decode(const uint8_t *buf, size_t len, struct gost_relay_addr *addr,
                                const uint8_t **payload, size_t *plen, size_t *consumed);

#endif
