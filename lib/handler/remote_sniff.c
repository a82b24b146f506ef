/* HTTP Host / TLS SNI sniffing over a peek (nothing consumed; see remote_sniff.h). */
#include "handler/remote_sniff.h"

#include <stdio.h>
#include <string.h>

#include "codec/httphead.h"
#include "core/ctx_int.h"

#define SNIFF_MAX (20 * 1024)

static int sniff_parse(const uint8_t *buf, size_t len, void *out, size_t *consumed) {
  struct gost_remote_sniff *sn = out;
  *consumed = 0;
  int rc = gost__sniff_detect(buf, len, &sn->kind);
  if (rc != 0) return rc; /* EAGAIN: fewer than 5 bytes */
  if (sn->kind == GOST__SNIFF_HTTP) {
    struct gost_http_req req;
    rc = gost__httphead_parse_request((const char *)buf, len, &req);
    if (rc == GOST_EAGAIN) return rc;
    if (rc == 0 && req.has_host && req.host_name.n < GOST__TLS_MAX_SNI)
      snprintf(sn->host, sizeof sn->host, "%.*s:%u", (int)req.host_name.n, req.host_name.p,
               req.host_port ? req.host_port : 80);
    return 0;
  }
  if (sn->kind == GOST__SNIFF_TLS) {
    if (!sn->hello) sn->hello = gost__malloc(sn->ctx, sizeof(*sn->hello));
    if (!sn->hello) return 0; /* route without SNI rather than fail */
    rc = gost__tlshello_parse(buf, len, sn->hello);
    if (rc == GOST_EAGAIN) return rc;
    if (rc == 0 && sn->hello->has_sni) snprintf(sn->host, sizeof sn->host, "%s:443", sn->hello->sni);
    return 0;
  }
  return 0; /* ssh or unknown: nothing to learn */
}

struct gost_msg_read *gost__remote_sniff(gost_ctx_t *ctx, gost_stream *s, uint64_t timeout_ms,
                                         struct gost_remote_sniff *out, gost_msg_read_cb cb, void *user) {
  out->ctx = ctx;
  out->kind = GOST__SNIFF_UNKNOWN;
  out->host[0] = '\0';
  return gost__msg_peek(ctx, s, SNIFF_MAX, timeout_ms, sniff_parse, out, cb, user);
}

void gost__remote_sniff_cleanup(struct gost_remote_sniff *sn) {
  if (sn->hello) gost__free(sn->ctx, sn->hello);
  sn->hello = NULL;
}
