/* TLS ClientHello parsing for SNI routing (wire-spec §5.3, §7.3). Pure; never decrypts. */
#ifndef GOST_CODEC_TLSHELLO_H
#define GOST_CODEC_TLSHELLO_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define GOST__TLS_MAX_HANDSHAKE (16 * 1024) /* header + ClientHello body, reassembled */
#define GOST__TLS_MAX_RECORD (16 * 1024)    /* plaintext record payload (RFC 8446 5.1) */
#define GOST__TLS_MAX_SNI 255
#define GOST__TLS_MAX_ALPN 16

struct gost_tls_alpn {
  const uint8_t *p; /* into gost_tls_hello.hs */
  uint8_t n;
};

/* Large (> 16 KiB): allocate it, do not put it on a small stack. */
struct gost_tls_hello {
  uint16_t legacy_version;      /* client_version field */
  int has_sni;
  char sni[GOST__TLS_MAX_SNI + 1]; /* first host_name, NUL-terminated */
  size_t sni_len;
  size_t nalpn;
  struct gost_tls_alpn alpn[GOST__TLS_MAX_ALPN];
  size_t record_bytes; /* bytes of the records that carried the hello (5-byte headers included) */
  size_t hs_len;
  uint8_t hs[GOST__TLS_MAX_HANDSHAKE]; /* reassembled handshake message */
};

/* Parse the ClientHello at the start of the first len bytes of a connection; may span several
 * records. GOST_OK: *out filled. GOST_EAGAIN: incomplete, call again with more bytes.
 * GOST_EPROTO: not a handshake record stream, not a ClientHello, malformed, or larger than
 * GOST__TLS_MAX_HANDSHAKE. */
int gost__tlshello_parse(const uint8_t *buf, size_t len, struct gost_tls_hello *out);

/* Is this the start of a ServerHello (record 0x16 03 xx, handshake type 2)? GOST_OK yes,
 * GOST_EAGAIN fewer than 6 bytes, GOST_EPROTO no. */
int gost__tlshello_detect_server(const uint8_t *buf, size_t len);

#endif
