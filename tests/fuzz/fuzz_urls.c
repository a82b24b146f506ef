/* -L/-F URLs: any text is refused with a message or becomes a tree that loads exactly as the
 * URLs do (gost_urls_to_json's output is what gost_ctx_load_urls loads). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gost/gost.h"

#define MAX_URLS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 8192) return 0;
  /* Lines are URLs; a line starting with 'F' is a -F node, any other a -L service. */
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  const char *L[MAX_URLS], *F[MAX_URLS];
  size_t nl = 0, nf = 0;
  for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (line[0] == 'F' && nf < MAX_URLS) F[nf++] = line + 1;
    else if (line[0] != 'F' && nl < MAX_URLS) L[nl++] = line;
  }
  gost_ctx_t *a, *b;
  if (gost_ctx_new(&a) != GOST_OK) return free(text), 0;
  if (gost_ctx_new(&b) != GOST_OK) return gost_ctx_free(a), free(text), 0;
  gost_ctx_set_log_level(a, GOST_LOG_OFF);
  gost_ctx_set_log_level(b, GOST_LOG_OFF);
  int ra = gost_ctx_load_urls(a, L, nl, F, nf);
  if (ra != GOST_OK && (!gost_last_error() || !*gost_last_error())) abort();
  size_t len = 0;
  if (gost_urls_to_json(L, nl, F, nf, NULL, &len) == GOST_OK) {
    char *json = malloc(len + 1);
    size_t cap = len + 1;
    if (json && gost_urls_to_json(L, nl, F, nf, json, &cap) == GOST_OK) {
      if (cap != len || strlen(json) != len) abort();
      int rb = gost_ctx_load_json(b, json, len);
      if ((ra == GOST_OK) != (rb == GOST_OK)) abort(); /* same tree, same verdict */
      if (gost_ctx_service_count(a) != gost_ctx_service_count(b)) abort();
    }
    free(json);
  } else if (ra == GOST_OK) {
    abort(); /* loaded, so the tree exists */
  }
  gost_ctx_free(b);
  gost_ctx_free(a);
  free(text);
  return 0;
}
