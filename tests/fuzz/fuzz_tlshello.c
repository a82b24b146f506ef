/* ClientHello parser and ServerHello detection on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/tlshello.h"

static struct gost_tls_hello h;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (gost__tlshello_parse(data, size, &h) == GOST_OK) {
    if (h.record_bytes > size || h.sni_len != strlen(h.sni) || h.nalpn > GOST__TLS_MAX_ALPN) abort();
    for (size_t i = 0; i < h.nalpn; i++)
      if (h.alpn[i].p < h.hs || h.alpn[i].p + h.alpn[i].n > h.hs + h.hs_len) abort();
    /* Any prefix short of the hello is incomplete, never a different answer. */
    if (h.record_bytes > 0 && gost__tlshello_parse(data, h.record_bytes - 1, &h) == GOST_OK) abort();
  }
  gost__tlshello_detect_server(data, size);
  return 0;
}
