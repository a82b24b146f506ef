/* HTTP/1.x heads (wire-spec §5.2, §7.3): a bounded request/response head parser, a keep-alive
 * framing tracker on http-parser, head re-serialisation with edits, and error responses.
 * Pure: no I/O, no allocation. Parsed slices point into the caller's buffer. */
#ifndef GOST_CODEC_HTTPHEAD_H
#define GOST_CODEC_HTTPHEAD_H

#include <http_parser.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define GOST__HTTP_MAX_HEAD (16 * 1024) /* request line/status line + headers + blank line */
#define GOST__HTTP_MAX_HEADERS 100

/* A borrowed byte range; not NUL-terminated. */
struct gost_http_slice {
  const char *p;
  size_t n;
};

struct gost_http_header {
  struct gost_http_slice name, value; /* value without surrounding whitespace */
};

/* What both heads share. */
struct gost_http_fields {
  int version_minor; /* HTTP/1.<minor>; only major 1 is accepted */
  size_t nheaders;
  struct gost_http_header headers[GOST__HTTP_MAX_HEADERS];
  size_t head_len;          /* bytes up to and including the blank line */
  int has_content_length;   /* Content-Length present (duplicates must agree) */
  uint64_t content_length;
  int chunked;              /* Transfer-Encoding ends in "chunked" */
  int keep_alive;           /* after Connection and the version default */
  int connection_upgrade;   /* Connection lists "upgrade" */
  int upgrade_websocket;    /* Upgrade lists "websocket" */
};

struct gost_http_req {
  struct gost_http_slice method, target;
  struct gost_http_fields f;
  int has_host;
  struct gost_http_slice host;      /* raw Host value */
  struct gost_http_slice host_name; /* without port and IPv6 brackets */
  uint16_t host_port;               /* 0 when the Host has no port */
};

struct gost_http_resp {
  int status;
  struct gost_http_slice reason;
  struct gost_http_fields f;
  int switching; /* 101 Switching Protocols: raw bytes follow the head */
  int no_body;   /* 1xx, 204, 304: no body regardless of the headers */
};

/* Parse a request head from the first len bytes received so far (call again with more bytes).
 * GOST_OK: *req filled, req->f.head_len bytes used. GOST_EAGAIN: no blank line yet.
 * GOST_EPROTO: malformed, or head > GOST__HTTP_MAX_HEAD, or > GOST__HTTP_MAX_HEADERS headers. */
int gost__httphead_parse_request(const char *buf, size_t len, struct gost_http_req *req);
/* Same for a response head. */
int gost__httphead_parse_response(const char *buf, size_t len, struct gost_http_resp *resp);

/* First header named name (case-insensitive), or NULL. */
const struct gost_http_header *gost__httphead_find(const struct gost_http_fields *f,
                                                   const char *name);
/* Split "host", "host:port", "[v6]" or "[v6]:port". *port = 0 when absent. GOST_EPROTO when
 * empty, bad brackets, a bad or zero port, or an unbracketed colon. */
int gost__httphead_split_hostport(const char *p, size_t n, struct gost_http_slice *host,
                                  uint16_t *port);

/* Re-serialisation edits: drop headers by name (case-insensitive), append headers, and optionally
 * replace the request target (absolute-form -> origin-form for a proxy). */
struct gost_http_edit {
  const char *const *remove;
  size_t nremove;
  const struct gost_http_header *add;
  size_t nadd;
  struct gost_http_slice target; /* n == 0: keep */
};

/* Write the edited head (CRLF line ends) into out. GOST_OK and *out_len; GOST_EINVAL when cap is
 * too small (*out_len = bytes needed) or an added header has CR/LF in it; GOST_EPROTO when the
 * edited head would break our own parser's limits (> GOST__HTTP_MAX_HEADERS headers or
 * > GOST__HTTP_MAX_HEAD bytes): what we send on must parse again (the caller answers 431). */
int gost__httphead_write_request(const struct gost_http_req *req, const struct gost_http_edit *edit,
                                 char *out, size_t cap, size_t *out_len);

/* "HTTP/1.<minor> <status> <reason>\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".
 * GOST_EINVAL when status is not 100..599 or cap is too small (*out_len = bytes needed). */
int gost__httphead_error_response(int status, int version_minor, char *out, size_t cap,
                                  size_t *out_len);
/* Standard reason phrase, or "Unknown". */
const char *gost__httphead_reason(int status);

/* Keep-alive framing: reports where each message (head + body, chunked included) ends so every
 * request on a connection can be routed on its own. Zero it with _init before use. */
struct gost_http_framer {
  http_parser parser; /* http-parser state: private */
  size_t head_bytes;  /* bytes of the current head so far, for the 16 KiB bound */
  int in_body;        /* head of the current message complete */
  int skip_body;      /* caller: the response answers a HEAD request */
  int upgrade;        /* set when the finished message switched protocols (CONNECT, Upgrade) */
  int keep_alive;     /* set when a message finished: the connection may carry another */
  uint64_t messages;  /* messages finished so far */
};

void gost__http_framer_init(struct gost_http_framer *fr, int response);
/* Feed the next len bytes. GOST_OK: a message ended after *consumed bytes (call again with the
 * rest; after an upgrade the rest is not HTTP). GOST_EAGAIN: all consumed, message unfinished.
 * GOST_EPROTO: malformed or oversize head. */
int gost__http_framer_feed(struct gost_http_framer *fr, const char *data, size_t len,
                           size_t *consumed);
/* Peer closed. GOST_OK when that is a clean end (between messages, or the end of a
 * read-until-close response body, which then counts as finished); GOST_EPROTO when cut short. */
int gost__http_framer_eof(struct gost_http_framer *fr);

#endif
