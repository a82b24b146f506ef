/* The pieces of RFC 6455's HTTP Upgrade that are pure: the key and its accept value. */
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
