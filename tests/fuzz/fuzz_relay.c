/* Relay codec: decode requests and responses; whatever decodes must re-encode to bytes that
 * decode to the same message, and re-encode identically (the encoding is canonical). */
#include <stdlib.h>
#include <string.h>

#include "codec/relay.h"

static int addr_same(const struct gost_relay_addr *a, const struct gost_relay_addr *b) {
  return a->atyp == b->atyp && a->port == b->port && a->host_len == b->host_len &&
         memcmp(a->host, b->host, a->host_len + 1) == 0;
}

static int msg_same(const struct gost_relay_msg *a, const struct gost_relay_msg *b) {
  if (a->version != b->version || a->cmd != b->cmd || a->status != b->status ||
      (a->flags | (a->network ? 0x80 : 0)) != (b->flags | (b->network ? 0x80 : 0)) ||
      a->network != b->network || a->has_auth != b->has_auth || a->naddr != b->naddr ||
      a->has_tunnel != b->has_tunnel)
    return 0;
  if (a->has_auth && (a->user_len != b->user_len || a->pass_len != b->pass_len ||
                      memcmp(a->user, b->user, a->user_len) || memcmp(a->pass, b->pass, a->pass_len)))
    return 0;
  for (int i = 0; i < a->naddr; i++)
    if (!addr_same(&a->addr[i], &b->addr[i])) return 0;
  return !a->has_tunnel || memcmp(&a->tunnel, &b->tunnel, sizeof a->tunnel) == 0;
}

typedef int (*decode_fn)(const uint8_t *, size_t, struct gost_relay_msg *, size_t *);
typedef int (*encode_fn)(const struct gost_relay_msg *, unsigned, uint8_t *, size_t);

static void one(const uint8_t *data, size_t size, decode_fn dec, encode_fn enc) {
  static uint8_t b1[GOST__RELAY_MSG_MAX], b2[GOST__RELAY_MSG_MAX];
  struct gost_relay_msg m, m2;
  size_t used, used2;
  int rc = dec(data, size, &m, &used);
  if (rc != GOST_OK) {
    if (rc != GOST_EAGAIN && rc != GOST_EPROTO) abort();
    return;
  }
  if (used < 4 || used > size) abort();
  if (dec(data, used - 1, &m2, &used2) != GOST_EAGAIN) abort();
  int n = enc(&m, 0, b1, sizeof b1);
  if (n < 4) abort();
  if (dec(b1, (size_t)n, &m2, &used2) != GOST_OK || used2 != (size_t)n) abort();
  if (!msg_same(&m, &m2)) abort();
  if (enc(&m2, 0, b2, sizeof b2) != n || memcmp(b1, b2, (size_t)n) != 0) abort();
  /* Legacy 16-byte Tunnel keeps the ID only. */
  n = enc(&m, GOST__RELAY_ENC_TUNNEL16, b1, sizeof b1);
  if (n < 4 || dec(b1, (size_t)n, &m2, &used2) != GOST_OK) abort();
  if (m.has_tunnel && (!m2.tunnel_legacy || memcmp(m.tunnel.id, m2.tunnel.id, 16) != 0)) abort();
}

/* The same bytes as "host:port" text: the Addr built from it must survive the wire. */
static void addr_text(const uint8_t *data, size_t size) {
  struct gost_relay_addr a, b;
  uint8_t w[GOST__RELAY_HOST_MAX + 4];
  char text[GOST__RELAY_ADDR_STR_MAX];
  size_t used;
  if (gost__relay_addr_from_string(&a, (const char *)data, size) != GOST_OK) {
    if (size <= GOST__RELAY_HOST_MAX) abort();
    return;
  }
  int n = gost__relay_addr_encode(&a, w, sizeof w);
  if (n < 0 || gost__relay_addr_decode(w, (size_t)n, &b, &used) != GOST_OK || used != (size_t)n)
    abort();
  if (!addr_same(&a, &b)) abort();
  if (gost__relay_addr_format(&a, text, sizeof text) < 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  one(data, size, gost__relay_decode_request, gost__relay_encode_request);
  one(data, size, gost__relay_decode_response, gost__relay_encode_response);
  addr_text(data, size);
  return 0;
}
