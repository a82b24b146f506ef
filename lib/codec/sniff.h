/* Protocol sniffing on the first bytes of a connection (wire-spec §5.1, §7.3). Pure. */
#ifndef GOST_CODEC_SNIFF_H
#define GOST_CODEC_SNIFF_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Bytes the finer detector looks at, like stock GOST's 5-byte peek. */
#define GOST__SNIFF_PEEK 5

enum gost_sniff_kind {
  GOST__SNIFF_UNKNOWN = 0,
  GOST__SNIFF_TLS,   /* handshake record */
  GOST__SNIFF_RELAY, /* go-gost/relay VER 0x01 */
  GOST__SNIFF_HTTP,
  GOST__SNIFF_SSH
};

/* Entrypoint dispatch on one byte: 0x16 TLS, 0x01 relay, anything else HTTP. */
enum gost_sniff_kind gost__sniff_first_byte(uint8_t b);

/* Client-side detection from up to GOST__SNIFF_PEEK bytes: TLS (0x16 03 01..04), an HTTP method
 * prefix (or "PRI *"), or an "SSH-" banner. GOST_OK with *kind set (GOST__SNIFF_UNKNOWN when
 * nothing can match any more); GOST_EAGAIN while fewer than 5 bytes still leave a candidate. */
int gost__sniff_detect(const uint8_t *p, size_t n, enum gost_sniff_kind *kind);

/* Static name for logs: "tls", "relay", "http", "ssh", "unknown". */
const char *gost__sniff_kind_name(enum gost_sniff_kind kind);

#endif
