#include "codec/httpproxy.h"

#include <stdio.h>
#include <string.h>

#include "codec/base64.h"

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int iprefix(const char *p, size_t n, const char *s) {
  size_t k = strlen(s);
  if (n < k) return 0;
  for (size_t i = 0; i < k; i++)
    if (lower((unsigned char)p[i]) != s[i]) return 0;
  return 1;
}

int gost__http_basic_decode(struct gost_http_slice v, char *user, size_t ucap, char *pass, size_t pcap) {
  uint8_t raw[1024];
  size_t n, i = 6;
  if (!iprefix(v.p, v.n, "basic ")) return GOST_EPROTO;
  while (i < v.n && v.p[i] == ' ') i++;
  if (gost__base64_decode(v.p + i, v.n - i, raw, sizeof raw, &n) != GOST_OK) return GOST_EPROTO;
  uint8_t *colon = memchr(raw, ':', n);
  if (!colon || memchr(raw, 0, n)) return GOST_EPROTO;
  size_t ul = (size_t)(colon - raw), pl = n - ul - 1;
  if (ul >= ucap || pl >= pcap) return GOST_EPROTO;
  memcpy(user, raw, ul);
  user[ul] = 0;
  memcpy(pass, colon + 1, pl);
  pass[pl] = 0;
  return GOST_OK;
}

/* "Basic <b64(user:pass)>" -> user/pass; anything else is AUTH_INVALID. */
static enum gost_httpproxy_auth parse_basic(struct gost_http_slice v, struct gost_httpproxy_req *o) {
  return gost__http_basic_decode(v, o->user, GOST__HTTPPROXY_CRED_MAX + 1, o->pass,
                                 GOST__HTTPPROXY_CRED_MAX + 1) == GOST_OK
             ? GOST__HTTPPROXY_AUTH_BASIC
             : GOST__HTTPPROXY_AUTH_INVALID;
}

/* "scheme://authority[/path]" */
static int parse_absolute(struct gost_http_slice t, struct gost_httpproxy_req *o) {
  size_t skip;
  uint16_t def;
  if (iprefix(t.p, t.n, "http://")) {
    skip = 7;
    def = 80;
  } else if (iprefix(t.p, t.n, "https://")) {
    skip = 8;
    def = 443;
  } else {
    return GOST_EPROTO;
  }
  const char *a = t.p + skip;
  size_t an = 0;
  while (skip + an < t.n && a[an] != '/' && a[an] != '?' && a[an] != '#') an++;
  if (memchr(a, '@', an)) return GOST_EPROTO; /* userinfo is not forwarded */
  if (gost__httphead_split_hostport(a, an, &o->host, &o->port) != GOST_OK) return GOST_EPROTO;
  if (o->port == 0) o->port = def;
  if (skip + an == t.n) o->path = (struct gost_http_slice){"/", 1};
  else if (a[an] == '/') o->path = (struct gost_http_slice){a + an, t.n - skip - an};
  else return GOST_EPROTO; /* "?q" without a path: keep it simple and refuse */
  o->absolute = 1;
  return GOST_OK;
}

int gost__httpproxy_analyze(const struct gost_http_req *req, struct gost_httpproxy_req *out) {
  memset(out, 0, sizeof *out);
  const struct gost_http_header *pa = gost__httphead_find(&req->f, "proxy-authorization");
  if (pa) out->auth = parse_basic(pa->value, out);

  if (req->method.n == 7 && memcmp(req->method.p, "CONNECT", 7) == 0) {
    out->is_connect = 1;
    if (memchr(req->target.p, '@', req->target.n) ||
        gost__httphead_split_hostport(req->target.p, req->target.n, &out->host, &out->port) !=
            GOST_OK ||
        out->port == 0)
      return GOST_EPROTO;
    return GOST_OK;
  }
  if (req->target.n && req->target.p[0] != '/' && !(req->target.n == 1 && req->target.p[0] == '*'))
    return parse_absolute(req->target, out);
  /* Origin-form: a transparent request; the Host header names the destination. */
  if (!req->has_host || req->host_name.n == 0) return GOST_EPROTO;
  out->host = req->host_name;
  out->port = req->host_port ? req->host_port : 80;
  out->path = req->target;
  return GOST_OK;
}

int gost__httpproxy_407(const char *realm, int version_minor, char *out, size_t cap,
                        size_t *out_len) {
  if (version_minor < 0 || version_minor > 9) return GOST_EINVAL;
  for (const char *c = realm; *c; c++)
    if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '"' || *c == '\\') return GOST_EINVAL;
  int n = snprintf(out, cap,
                   "HTTP/1.%d 407 Proxy Authentication Required\r\n"
                   "Proxy-Authenticate: Basic realm=\"%s\"\r\n"
                   "Content-Length: 0\r\nConnection: close\r\n\r\n",
                   version_minor, realm);
  *out_len = (size_t)n;
  return (size_t)n < cap ? GOST_OK : GOST_EINVAL;
}

int gost__httpproxy_connect_ok(int version_minor, char *out, size_t cap, size_t *out_len) {
  if (version_minor < 0 || version_minor > 9) return GOST_EINVAL;
  int n = snprintf(out, cap, "HTTP/1.%d 200 Connection established\r\n\r\n", version_minor);
  *out_len = (size_t)n;
  return (size_t)n < cap ? GOST_OK : GOST_EINVAL;
}
