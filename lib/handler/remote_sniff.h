/* Sniffing for the forward-remote handler: which protocol the tunnelled client speaks and the
 * host it wants (HTTP Host / TLS SNI), without consuming a byte. Private to lib/handler. */
#ifndef GOST_HANDLER_REMOTE_SNIFF_H
#define GOST_HANDLER_REMOTE_SNIFF_H

#include "codec/sniff.h"
#include "codec/tlshello.h"
#include "io/msgread.h"

struct gost_remote_sniff {
  enum gost_sniff_kind kind;
  char host[GOST__TLS_MAX_SNI + 8]; /* "name:port" ("" when none) */
  struct gost_tls_hello *hello;     /* scratch for the TLS parser, allocated on demand */
  gost_ctx_t *ctx;
};

/* Starts a peek of at most 20 KiB bounded by timeout_ms; see gost__msg_peek. */
struct gost_msg_read *gost__remote_sniff(gost_ctx_t *ctx, gost_stream *s, uint64_t timeout_ms,
                                         struct gost_remote_sniff *out, gost_msg_read_cb cb, void *user);
void gost__remote_sniff_cleanup(struct gost_remote_sniff *sn);

#endif
