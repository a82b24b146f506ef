/* The pieces of RFC 6455's HTTP Upgrade that are pure: key/accept and header lookup. */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gost/error.h"
#include "transport/ws.h"

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

void gost__ws_accept(const char *key, char out[29]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned mdlen = 0;
  char in[128 + sizeof ws_guid];
  snprintf(in, sizeof in, "%.128s%s", key, ws_guid);
  EVP_Digest(in, strlen(in), md, &mdlen, EVP_sha1(), NULL);
  EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
}

int gost__ws_new_key(char out[25]) {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) return GOST_ETLS;
  EVP_EncodeBlock((unsigned char *)out, raw, sizeof raw);
  return GOST_OK;
}

int gost__http_header(const char *hdr, size_t len, const char *name, char *out, size_t cap) {
  size_t nl = strlen(name);
  const char *p = memchr(hdr, '\n', len); /* skip the request/status line */
  const char *end = hdr + len;
  while (p && p + 1 < end) {
    const char *line = p + 1;
    const char *eol = memchr(line, '\n', (size_t)(end - line));
    if (!eol) eol = end;
    if ((size_t)(eol - line) > nl && line[nl] == ':' && strncasecmp(line, name, nl) == 0) {
      const char *v = line + nl + 1, *ve = eol;
      while (v < ve && (*v == ' ' || *v == '\t')) v++;
      while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t')) ve--;
      size_t n = (size_t)(ve - v);
      if (n >= cap) n = cap - 1;
      memcpy(out, v, n);
      out[n] = '\0';
      return 1;
    }
    p = eol < end ? eol : NULL;
  }
  return 0;
}

int gost__http_has_token(const char *value, const char *token) {
  size_t tl = strlen(token);
  const char *p = value;
  while (*p) {
    while (*p == ' ' || *p == ',' || *p == '\t') p++;
    const char *e = p;
    while (*e && *e != ',') e++;
    const char *te = e;
    while (te > p && (te[-1] == ' ' || te[-1] == '\t')) te--;
    if ((size_t)(te - p) == tl && strncasecmp(p, token, tl) == 0) return 1;
    p = e;
  }
  return 0;
}
