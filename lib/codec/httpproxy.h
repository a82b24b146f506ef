/* HTTP proxy requests on top of httphead: CONNECT authority, absolute-form targets, Basic
 * Proxy-Authorization, and the 407/200 responses. Pure. */
#ifndef GOST_CODEC_HTTPPROXY_H
#define GOST_CODEC_HTTPPROXY_H

#include <stddef.h>
#include <stdint.h>

#include "codec/httphead.h"

#define GOST__HTTPPROXY_CRED_MAX 255

enum gost_httpproxy_auth {
  GOST__HTTPPROXY_AUTH_NONE = 0, /* no Proxy-Authorization */
  GOST__HTTPPROXY_AUTH_BASIC,    /* user/pass decoded */
  GOST__HTTPPROXY_AUTH_INVALID   /* present but not usable Basic: answer 407 */
};

struct gost_httpproxy_req {
  int is_connect;              /* CONNECT host:port */
  int absolute;                /* absolute-form "http://host[:port]/path" */
  struct gost_http_slice host; /* without IPv6 brackets; into the request buffer */
  uint16_t port;               /* CONNECT: given; absolute-form: given or 80/443; else Host's or 80 */
  struct gost_http_slice path; /* origin-form to forward ("/" when absent); empty for CONNECT */
  enum gost_httpproxy_auth auth;
  char user[GOST__HTTPPROXY_CRED_MAX + 1];
  char pass[GOST__HTTPPROXY_CRED_MAX + 1];
};

/* Analyse a parsed request. GOST_OK, or GOST_EPROTO when the target is unusable: CONNECT
 * without host:port, an unknown scheme, userinfo in the authority, or no host at all. */
int gost__httpproxy_analyze(const struct gost_http_req *req, struct gost_httpproxy_req *out);

/* "HTTP/1.<minor> 407 Proxy Authentication Required" with Proxy-Authenticate: Basic
 * realm="<realm>", Content-Length: 0, Connection: close. GOST_EINVAL when realm has '"', '\\'
 * or control bytes, or cap is too small (*out_len = bytes needed). */
int gost__httpproxy_407(const char *realm, int version_minor, char *out, size_t cap,
                        size_t *out_len);
/* "HTTP/1.<minor> 200 Connection established\r\n\r\n" for a CONNECT. */
int gost__httpproxy_connect_ok(int version_minor, char *out, size_t cap, size_t *out_len);

/* "Basic <base64(user:pass)>" header value -> NUL-terminated user and pass. GOST_EPROTO when
 * malformed or a part does not fit its buffer. */
int gost__http_basic_decode(struct gost_http_slice v, char *user, size_t ucap, char *pass, size_t pcap);

#endif
