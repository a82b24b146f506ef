/* "http" connector: asks an HTTP proxy hop for a tunnel with CONNECT host:port (Basic
 * Proxy-Authorization from the node credentials) and expects a 2xx. Bytes the proxy sent
 * after its response head already belong to the target and are replayed. */
#include <stdio.h>
#include <string.h>

#include "codec/base64.h"
#include "codec/httphead.h"
#include "core/error.h"
#include "core/log.h"
#include "io/msgread.h"
#include "io/sock.h"
#include "connector/connectors.h"

struct hc {
  gost_ctx_t *ctx;
  gost_stream_ready_cb cb;
  void *user;
  int status; /* HTTP status of the response */
};

static int parse_resp(const uint8_t *buf, size_t len, void *out, size_t *consumed) {
  struct gost_http_resp r;
  int rc = gost__httphead_parse_response((const char *)buf, len, &r);
  if (rc != 0) return rc;
  ((struct hc *)out)->status = r.status;
  *consumed = r.f.head_len;
  return GOST_OK;
}

static void on_resp(gost_stream *s, int status, void *user) {
  struct hc *h = user;
  gost_ctx_t *ctx = h->ctx;
  gost_stream_ready_cb cb = h->cb;
  void *u = h->user;
  if (status == 0 && (h->status < 200 || h->status > 299)) {
    status = h->status == 407 ? GOST_EAUTH : GOST_EUNREACH;
    gost__error(status, "http connector: proxy answered %d", h->status);
  }
  if (status != 0) {
    GOST_WARN(ctx, "http connector: CONNECT: %s (%d)", gost_strerror(status), h->status);
    gost_stream_close(s);
    s = NULL;
  }
  gost__free(ctx, h);
  cb(ctx, s, status, u);
}

static int http_connect(struct gost_node *node, gost_ctx_t *ctx, gost_stream *s, const char *network,
                        const char *addr, const struct gost_conn_info *info, gost_stream_ready_cb cb,
                        void *user) {
  (void)info;
  if (network && strcmp(network, "tcp") != 0)
    return gost__error(GOST_EUNSUPPORTED, "http connector: only tcp (asked %s)", network);
  char req[2048], cred[2 * 256 + 2], b64[GOST__BASE64_ENCODED_LEN(sizeof cred) + 1];
  int n = snprintf(req, sizeof req, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n", addr, addr);
  if (node->user) {
    int cl = snprintf(cred, sizeof cred, "%s:%s", node->user, node->pass ? node->pass : "");
    size_t bl = 0;
    if (cl < 0 || (size_t)cl >= sizeof cred ||
        gost__base64_encode((const uint8_t *)cred, (size_t)cl, b64, sizeof b64, &bl) != 0)
      return gost__error(GOST_EINVAL, "http connector: credentials too long");
    n += snprintf(req + n, sizeof req - (size_t)n, "Proxy-Authorization: Basic %s\r\n", b64);
  }
  n += snprintf(req + n, sizeof req - (size_t)n, "\r\n");
  if (n <= 0 || (size_t)n >= sizeof req) return gost__error(GOST_EINVAL, "http connector: address too long");
  struct hc *h = gost__calloc(ctx, 1, sizeof *h);
  if (!h) return gost__error(GOST_ENOMEM, "http connector");
  *h = (struct hc){ctx, cb, user, 0};
  int rc = gost_stream_write_buf(s, req, (size_t)n, NULL, NULL);
  /* the timeout bounds a silent proxy: the dial cannot be cancelled while we wait */
  if (rc != 0 || !gost__msg_read(ctx, s, GOST__HTTP_MAX_HEAD + 1, GOST_CONNECT_TIMEOUT_MS, parse_resp,
                                 h, on_resp, h)) {
    gost__free(ctx, h);
    return rc ? rc : GOST_EIO;
  }
  return 0;
}

const struct gost_connector_ops gost__connector_http = {.name = "http", .connect = http_connect};
