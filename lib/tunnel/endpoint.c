/* Public endpoint name of a tunnel (wire-spec §8): hex(MD5(lower-case UUID string))[0:16]. */
#include <openssl/evp.h>

#include "codec/uuid.h"
#include "core/error.h"
#include "gost/tunnel.h"
#include "ingress/ingress.h"

int gost_tunnel_endpoint_name(const char *tunnel_id, char *out, size_t out_len) {
  static const char hex[] = "0123456789abcdef";
  uint8_t id[GOST__INGRESS_ID_LEN], md[EVP_MAX_MD_SIZE];
  char canon[37];
  unsigned mdlen = 0;
  if (!out || out_len < 17) return gost__error(GOST_EINVAL, "output buffer < 17 bytes");
  if (gost__uuid_parse(tunnel_id, strlen(tunnel_id), id) != GOST_OK)
    return gost__error(GOST_EINVAL, "invalid tunnel ID \"%s\"", tunnel_id ? tunnel_id : "");
  gost__uuid_format(id, canon); /* hash the canonical text, as GOST's uuid.String() */
  if (!EVP_Digest(canon, 36, md, &mdlen, EVP_md5(), NULL) || mdlen < 8)
    return gost__error(GOST_EFATAL, "MD5 unavailable");
  for (int i = 0; i < 8; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  out[16] = '\0';
  return GOST_OK;
}
