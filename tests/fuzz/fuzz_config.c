/* The YAML/JSON config loader: any bytes either load or fail whole with a message, never crash,
 * leak or leave half a configuration behind. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gost/gost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gost_ctx_t *ctx;
  if (size > 65536 || gost_ctx_new(&ctx) != GOST_OK) return 0;
  gost_ctx_set_log_level(ctx, GOST_LOG_OFF);
  /* First byte picks the front end; the rest is the document. */
  int json = size && (data[0] & 1);
  const char *text = size ? (const char *)data + 1 : "";
  size_t len = size ? size - 1 : 0;
  int rc = json ? gost_ctx_load_json(ctx, text, len) : gost_ctx_load_yaml(ctx, text, len);
  if (rc != GOST_OK) {
    const char *msg = gost_last_error();
    if (!msg || !*msg) abort(); /* every refusal says why */
    if (gost_ctx_service_count(ctx) != 0) abort(); /* all or nothing */
  }
  gost_ctx_free(ctx);
  return 0;
}
