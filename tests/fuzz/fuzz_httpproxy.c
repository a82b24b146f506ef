/* The HTTP proxy head as the http handler treats it: analysis (CONNECT, absolute-form,
 * Proxy-Authorization), the forwarded head it writes, and the 407 answer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec/httphead.h"
#include "codec/httpproxy.h"

static struct gost_http_req req, again;
static char out[GOST__HTTP_MAX_HEAD + 512];

static int inside(const struct gost_http_slice *s, const char *base, size_t size) {
  return !s->n || (s->p >= base && s->p + s->n <= base + size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = (const char *)data;
  struct gost_httpproxy_req pr;
  size_t n;
  if (gost__httphead_parse_request(p, size, &req) != GOST_OK) return 0;
  memset(&pr, 0, sizeof pr);
  if (gost__httpproxy_analyze(&req, &pr) == GOST_OK) {
    /* slices point into the request, except the default origin-form path "/" */
    if (!inside(&pr.host, p, size) || !(inside(&pr.path, p, size) || (pr.path.n == 1 && *pr.path.p == '/')))
      abort();
    if (pr.is_connect && (!pr.host.n || !pr.port || pr.path.n)) abort();
    if (memchr(pr.host.p, '[', pr.host.n)) abort(); /* brackets stripped */
    if (pr.auth == GOST__HTTPPROXY_AUTH_BASIC &&
        (strlen(pr.user) > GOST__HTTPPROXY_CRED_MAX || strlen(pr.pass) > GOST__HTTPPROXY_CRED_MAX))
      abort();
    if (!pr.is_connect) { /* the head the handler forwards: no proxy credentials, not kept alive */
      static const char *const drop[] = {"Proxy-Authorization", "Proxy-Connection", "Connection",
                                         "Keep-Alive"};
      const struct gost_http_header add[] = {{{"Connection", 10}, {"close", 5}}};
      struct gost_http_edit ed = {drop, 4, add, 1, pr.path};
      if (gost__httphead_write_request(&req, &ed, out, sizeof out, &n) == GOST_OK &&
          gost__httphead_parse_request(out, n, &again) == GOST_OK) {
        if (again.f.keep_alive || again.method.n != req.method.n) abort();
        if (pr.path.n && (again.target.n != pr.path.n || memcmp(again.target.p, pr.path.p, pr.path.n)))
          abort();
        for (size_t i = 0; i < again.f.nheaders; i++)
          if (again.f.headers[i].name.n == 19 && !strncasecmp(again.f.headers[i].name.p, "Proxy-Authorization", 19))
            abort();
      }
    }
  }
  /* The realm comes from config: any bytes are refused or give a 407 that parses. */
  char realm[64];
  size_t rl = size < sizeof realm - 1 ? size : sizeof realm - 1;
  memcpy(realm, p, rl);
  realm[rl] = '\0';
  struct gost_http_resp resp;
  if (gost__httpproxy_407(realm, req.f.version_minor, out, sizeof out, &n) == GOST_OK &&
      (gost__httphead_parse_response(out, n, &resp) != GOST_OK || resp.status != 407))
    abort();
  return 0;
}
