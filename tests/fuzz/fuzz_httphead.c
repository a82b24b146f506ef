/* Request/response head parsers, the keep-alive framer, and head re-serialisation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/httphead.h"
#include "codec/httpproxy.h"
#include "codec/sniff.h"

static struct gost_http_req req, req2;
static struct gost_http_resp resp;
static char out[GOST__HTTP_MAX_HEAD * 2];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = (const char *)data;
  enum gost_sniff_kind kind;
  gost__sniff_detect(data, size, &kind);
  if (gost__httphead_parse_request(p, size, &req) == GOST_OK) {
    struct gost_httpproxy_req pr;
    gost__httpproxy_analyze(&req, &pr);
    static const char *const drop[] = {"connection"};
    const struct gost_http_header add[] = {{{"Connection", 10}, {"close", 5}}};
    struct gost_http_edit e = {drop, 1, add, 1, {NULL, 0}};
    size_t n;
    /* What we write must parse again, keeping method, target and Host. */
    if (gost__httphead_write_request(&req, &e, out, sizeof out, &n) == GOST_OK &&
        n <= GOST__HTTP_MAX_HEAD) {
      if (gost__httphead_parse_request(out, n, &req2) != GOST_OK) abort();
      if (req2.method.n != req.method.n || req2.target.n != req.target.n || req2.f.keep_alive ||
          req2.host_port != req.host_port)
        abort();
    }
  }
  gost__httphead_parse_response(p, size, &resp);

  /* The framer must report the same message ends whatever the split. */
  for (int response = 0; response <= 1; response++) {
    struct gost_http_framer a, b;
    size_t ea = 0, eb = 0, off = 0, used;
    int ra, rb = GOST_EAGAIN;
    gost__http_framer_init(&a, response);
    gost__http_framer_init(&b, response);
    ra = gost__http_framer_feed(&a, p, size, &used);
    if (ra == GOST_OK) ea = used;
    size_t half = size / 2;
    while (off < size) {
      size_t len = off < half ? half - off : size - off;
      rb = gost__http_framer_feed(&b, p + off, len, &used);
      off += used;
      if (rb != GOST_EAGAIN) break;
    }
    if (rb == GOST_OK) eb = off;
    if (ra == GOST_OK && rb == GOST_OK && ea != eb) abort();
    gost__http_framer_eof(&a);
  }
  return 0;
}
