#include "codec/httphead.h"

#include <stdio.h>
#include <string.h>

/* RFC 7230 tchar: what header names and methods may contain. */
static int is_tchar(unsigned char c) {
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return 1;
  if ((c >= '0' && c <= '9') || c == '-') return 1; /* '-': most multi-word names */
  return c && strchr("!#$%&'*+.^_`|~", c) != NULL;
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* Names are told apart by their length first (no strlen per comparison where it is known). */
static int ieq_n(const char *p, size_t n, const char *s, size_t sn) {
  if (sn != n) return 0;
  for (size_t i = 0; i < n; i++)
    if (lower((unsigned char)p[i]) != lower((unsigned char)s[i])) return 0;
  return 1;
}

static int ieq(const char *p, size_t n, const char *s) { return ieq_n(p, n, s, strlen(s)); }
#define IEQ(p, n, lit) ieq_n((p), (n), (lit), sizeof(lit) - 1)

/* Does the comma list p[0..n) contain token tok (case-insensitive)? */
static int list_has(const char *p, size_t n, const char *tok) {
  size_t i = 0;
  while (i < n) {
    size_t b, e;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == ',')) i++;
    b = i;
    while (i < n && p[i] != ',') i++;
    e = i;
    while (e > b && (p[e - 1] == ' ' || p[e - 1] == '\t')) e--;
    if (e > b && ieq(p + b, e - b, tok)) return 1;
  }
  return 0;
}

/* Last token of a comma list, for Transfer-Encoding. */
static struct gost_http_slice list_last(const char *p, size_t n) {
  size_t e = n;
  while (e > 0 && (p[e - 1] == ' ' || p[e - 1] == '\t' || p[e - 1] == ',')) e--;
  size_t b = e;
  while (b > 0 && p[b - 1] != ',') b--;
  while (b < e && (p[b] == ' ' || p[b] == '\t')) b++;
  return (struct gost_http_slice){p + b, e - b};
}

/* Locate the blank line. GOST_OK with *end = head length, EAGAIN, or EPROTO when too long. */
static int find_head_end(const char *buf, size_t len, size_t start, size_t *end) {
  size_t lim = len < GOST__HTTP_MAX_HEAD ? len : GOST__HTTP_MAX_HEAD;
  for (size_t i = start + 1; i < lim; i++) {
    const char *nl = memchr(buf + i, '\n', lim - i); /* line by line, not byte by byte */
    if (!nl) break;
    i = (size_t)(nl - buf);
    /* Lines end in LF with an optional CR; a head ends with an empty line. */
    if (buf[i - 1] == '\n') {
      *end = i + 1;
      return GOST_OK;
    }
    if (i >= start + 2 && buf[i - 1] == '\r' && buf[i - 2] == '\n') {
      *end = i + 1;
      return GOST_OK;
    }
  }
  return len >= GOST__HTTP_MAX_HEAD ? GOST_EPROTO : GOST_EAGAIN;
}

/* Next line in [*pos, end): slice without CR/LF. */
static struct gost_http_slice next_line(const char *buf, size_t end, size_t *pos) {
  size_t b = *pos, i = b;
  const char *nl = b < end ? memchr(buf + b, '\n', end - b) : NULL;
  i = nl ? (size_t)(nl - buf) : end;
  size_t e = i;
  if (e > b && buf[e - 1] == '\r') e--;
  *pos = i + 1;
  return (struct gost_http_slice){buf + b, e - b};
}

static int parse_version(const char *p, size_t n, int *minor) {
  if (n != 8 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9') return GOST_EPROTO;
  *minor = p[7] - '0';
  return GOST_OK;
}

static int parse_u64(const char *p, size_t n, uint64_t *out) {
  uint64_t v = 0;
  if (n == 0 || n > 18) return GOST_EPROTO; /* 18 digits cannot overflow */
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') return GOST_EPROTO;
    v = v * 10 + (uint64_t)(p[i] - '0');
  }
  *out = v;
  return GOST_OK;
}

/* Header lines from pos to the blank line, plus the framing/connection fields. */
static int parse_fields(const char *buf, size_t end, size_t pos, int request,
                        struct gost_http_fields *f) {
  int conn_close = 0, conn_keep = 0, has_te = 0;
  for (;;) {
    struct gost_http_slice l = next_line(buf, end, &pos);
    if (l.n == 0) break;
    if (f->nheaders == GOST__HTTP_MAX_HEADERS) return GOST_EPROTO;
    size_t c = 0;
    while (c < l.n && is_tchar((unsigned char)l.p[c])) c++;
    /* Empty names, obs-fold continuation lines and "Name :" are all refused (RFC 7230 3.2.4). */
    if (c == 0 || c >= l.n || l.p[c] != ':') return GOST_EPROTO;
    size_t vb = c + 1, ve = l.n;
    while (vb < ve && (l.p[vb] == ' ' || l.p[vb] == '\t')) vb++;
    while (ve > vb && (l.p[ve - 1] == ' ' || l.p[ve - 1] == '\t')) ve--;
    for (size_t i = vb; i < ve; i++) {
      unsigned char ch = (unsigned char)l.p[i];
      if ((ch < 0x20 && ch != '\t') || ch == 0x7f) return GOST_EPROTO;
    }
    struct gost_http_header *h = &f->headers[f->nheaders++];
    h->name = (struct gost_http_slice){l.p, c};
    h->value = (struct gost_http_slice){l.p + vb, ve - vb};
    const char *v = h->value.p;
    size_t vn = h->value.n;

    if (IEQ(l.p, c, "content-length")) {
      uint64_t cl;
      if (parse_u64(v, vn, &cl) != GOST_OK) return GOST_EPROTO;
      if (f->has_content_length && cl != f->content_length) return GOST_EPROTO;
      f->has_content_length = 1;
      f->content_length = cl;
    } else if (IEQ(l.p, c, "transfer-encoding")) {
      struct gost_http_slice last = list_last(v, vn);
      has_te = 1;
      f->chunked = IEQ(last.p, last.n, "chunked");
    } else if (IEQ(l.p, c, "connection")) {
      conn_close |= list_has(v, vn, "close");
      conn_keep |= list_has(v, vn, "keep-alive");
      f->connection_upgrade |= list_has(v, vn, "upgrade");
    } else if (IEQ(l.p, c, "upgrade")) {
      f->upgrade_websocket |= list_has(v, vn, "websocket");
    }
  }
  /* Both framings, or a request body of unknown length, invite request smuggling. */
  if (has_te && f->has_content_length) return GOST_EPROTO;
  if (request && has_te && !f->chunked) return GOST_EPROTO;
  f->keep_alive = f->version_minor >= 1 ? !conn_close : (conn_keep && !conn_close);
  if (has_te && !f->chunked) f->keep_alive = 0; /* response body runs to close */
  return GOST_OK;
}

int gost__httphead_split_hostport(const char *p, size_t n, struct gost_http_slice *host,
                                  uint16_t *port) {
  size_t hb = 0, he, rest;
  *port = 0;
  if (n == 0) return GOST_EPROTO;
  if (p[0] == '[') {
    const char *rb = memchr(p, ']', n);
    if (!rb || rb == p + 1) return GOST_EPROTO;
    hb = 1;
    he = (size_t)(rb - p);
    rest = he + 1;
    for (size_t i = hb; i < he; i++)
      if (!(p[i] == ':' || p[i] == '.' || (p[i] >= '0' && p[i] <= '9') ||
            (lower((unsigned char)p[i]) >= 'a' && lower((unsigned char)p[i]) <= 'f')))
        return GOST_EPROTO;
  } else {
    const char *colon = memchr(p, ':', n);
    he = colon ? (size_t)(colon - p) : n;
    rest = he;
    if (he == 0) return GOST_EPROTO;
    for (size_t i = 0; i < he; i++) {
      unsigned char ch = (unsigned char)p[i];
      if (ch <= 0x20 || ch == 0x7f || ch == '/' || ch == '[' || ch == ']' || ch == '@')
        return GOST_EPROTO;
    }
  }
  if (rest < n) {
    uint64_t v;
    if (p[rest] != ':' || parse_u64(p + rest + 1, n - rest - 1, &v) != GOST_OK || v == 0 ||
        v > 65535)
      return GOST_EPROTO;
    *port = (uint16_t)v;
  }
  *host = (struct gost_http_slice){p + hb, he - hb};
  return GOST_OK;
}

int gost__httphead_parse_request(const char *buf, size_t len, struct gost_http_req *req) {
  size_t end, pos = 0, sp1, sp2;
  /* Stray CRLFs before a request line are ignored (RFC 7230 3.5), e.g. after a POST body. */
  while (pos < len && pos < GOST__HTTP_MAX_HEAD && (buf[pos] == '\r' || buf[pos] == '\n')) pos++;
  int rc = find_head_end(buf, len, pos, &end);
  if (rc != GOST_OK) return rc;
  memset(req, 0, sizeof *req);

  struct gost_http_slice l = next_line(buf, end, &pos);
  /* method SP target SP version, single spaces (RFC 7230 3.1.1) */
  for (sp1 = 0; sp1 < l.n && is_tchar((unsigned char)l.p[sp1]); sp1++) {
  }
  if (sp1 == 0 || sp1 >= l.n || l.p[sp1] != ' ') return GOST_EPROTO;
  for (sp2 = sp1 + 1; sp2 < l.n && (unsigned char)l.p[sp2] > 0x20 && l.p[sp2] != 0x7f; sp2++) {
  }
  if (sp2 == sp1 + 1 || sp2 >= l.n || l.p[sp2] != ' ') return GOST_EPROTO;
  if (parse_version(l.p + sp2 + 1, l.n - sp2 - 1, &req->f.version_minor) != GOST_OK)
    return GOST_EPROTO;
  req->method = (struct gost_http_slice){l.p, sp1};
  req->target = (struct gost_http_slice){l.p + sp1 + 1, sp2 - sp1 - 1};

  if ((rc = parse_fields(buf, end, pos, 1, &req->f)) != GOST_OK) return rc;
  for (size_t i = 0; i < req->f.nheaders; i++) {
    const struct gost_http_header *h = &req->f.headers[i];
    if (!IEQ(h->name.p, h->name.n, "host")) continue;
    if (req->has_host) return GOST_EPROTO; /* RFC 7230 5.4: exactly one */
    req->has_host = 1;
    req->host = h->value;
    if (h->value.n &&
        gost__httphead_split_hostport(h->value.p, h->value.n, &req->host_name, &req->host_port))
      return GOST_EPROTO;
  }
  req->f.head_len = end;
  return GOST_OK;
}

int gost__httphead_parse_response(const char *buf, size_t len, struct gost_http_resp *resp) {
  size_t end, pos = 0;
  int rc = find_head_end(buf, len, 0, &end);
  if (rc != GOST_OK) return rc;
  memset(resp, 0, sizeof *resp);

  struct gost_http_slice l = next_line(buf, end, &pos);
  /* version SP 3DIGIT SP reason (the reason may be empty, the space may be missing) */
  if (l.n < 12 || parse_version(l.p, 8, &resp->f.version_minor) != GOST_OK || l.p[8] != ' ')
    return GOST_EPROTO;
  for (int i = 9; i < 12; i++) {
    if (l.p[i] < '0' || l.p[i] > '9') return GOST_EPROTO;
    resp->status = resp->status * 10 + (l.p[i] - '0');
  }
  if (resp->status < 100) return GOST_EPROTO;
  if (l.n > 12) {
    if (l.p[12] != ' ') return GOST_EPROTO;
    resp->reason = (struct gost_http_slice){l.p + 13, l.n - 13};
  }
  if ((rc = parse_fields(buf, end, pos, 0, &resp->f)) != GOST_OK) return rc;
  resp->switching = resp->status == 101;
  resp->no_body = resp->status < 200 || resp->status == 204 || resp->status == 304;
  resp->f.head_len = end;
  return GOST_OK;
}

const struct gost_http_header *gost__httphead_find(const struct gost_http_fields *f,
                                                   const char *name) {
  for (size_t i = 0; i < f->nheaders; i++)
    if (ieq(f->headers[i].name.p, f->headers[i].name.n, name)) return &f->headers[i];
  return NULL;
}

/* Bounded appender: counts what would be written even past cap. */
struct out {
  char *p;
  size_t cap, len;
};

static void put(struct out *o, const char *s, size_t n) {
  if (o->len < o->cap) memcpy(o->p + o->len, s, n <= o->cap - o->len ? n : o->cap - o->len);
  o->len += n;
}

static int has_crlf(struct gost_http_slice s) {
  return memchr(s.p, '\r', s.n) || memchr(s.p, '\n', s.n);
}

int gost__httphead_write_request(const struct gost_http_req *req, const struct gost_http_edit *edit,
                                 char *out, size_t cap, size_t *out_len) {
  static const struct gost_http_edit none;
  struct out o = {out, cap, 0};
  char ver[16];
  if (!edit) edit = &none;
  struct gost_http_slice target = edit->target.n ? edit->target : req->target;
  if (has_crlf(target) || memchr(target.p, ' ', target.n)) return GOST_EINVAL;

  put(&o, req->method.p, req->method.n);
  put(&o, " ", 1);
  put(&o, target.p, target.n);
  int vn = snprintf(ver, sizeof ver, " HTTP/1.%d\r\n", req->f.version_minor);
  put(&o, ver, (size_t)vn);
  size_t nheaders = 0;
  for (size_t i = 0; i < req->f.nheaders; i++) {
    const struct gost_http_header *h = &req->f.headers[i];
    int drop = 0;
    for (size_t j = 0; j < edit->nremove && !drop; j++)
      drop = ieq(h->name.p, h->name.n, edit->remove[j]);
    if (drop) continue;
    nheaders++;
    put(&o, h->name.p, h->name.n);
    put(&o, ": ", 2);
    put(&o, h->value.p, h->value.n);
    put(&o, "\r\n", 2);
  }
  for (size_t i = 0; i < edit->nadd; i++) {
    const struct gost_http_header *h = &edit->add[i];
    if (h->name.n == 0 || has_crlf(h->name) || has_crlf(h->value)) return GOST_EINVAL;
    put(&o, h->name.p, h->name.n);
    put(&o, ": ", 2);
    put(&o, h->value.p, h->value.n);
    put(&o, "\r\n", 2);
  }
  put(&o, "\r\n", 2);
  *out_len = o.len;
  if (o.len > cap) return GOST_EINVAL;
  /* Never emit a head our own parser (the next libgost hop) would refuse. */
  if (nheaders + edit->nadd > GOST__HTTP_MAX_HEADERS || o.len > GOST__HTTP_MAX_HEAD) return GOST_EPROTO;
  return GOST_OK;
}

const char *gost__httphead_reason(int status) {
  switch (status) {
  case 100: return "Continue";
  case 101: return "Switching Protocols";
  case 200: return "OK";
  case 204: return "No Content";
  case 301: return "Moved Permanently";
  case 302: return "Found";
  case 304: return "Not Modified";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 407: return "Proxy Authentication Required";
  case 408: return "Request Timeout";
  case 413: return "Payload Too Large";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 501: return "Not Implemented";
  case 502: return "Bad Gateway";
  case 503: return "Service Unavailable";
  case 504: return "Gateway Timeout";
  default: return "Unknown";
  }
}

int gost__httphead_error_response(int status, int version_minor, char *out, size_t cap,
                                  size_t *out_len) {
  if (status < 100 || status > 599 || version_minor < 0 || version_minor > 9) return GOST_EINVAL;
  int n = snprintf(out, cap, "HTTP/1.%d %d %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                   version_minor, status, gost__httphead_reason(status));
  *out_len = (size_t)n;
  return (size_t)n < cap ? GOST_OK : GOST_EINVAL;
}

/* ---- framing on http-parser ---- */

static int on_message_begin(http_parser *p) {
  struct gost_http_framer *fr = p->data;
  fr->in_body = 0;
  fr->upgrade = 0;
  return 0;
}

static int on_headers_complete(http_parser *p) {
  struct gost_http_framer *fr = p->data;
  fr->in_body = 1;
  return fr->skip_body ? 1 : 0;
}

/* Pausing makes http_parser_execute return right after the message's last byte. */
static int on_message_complete(http_parser *p) {
  struct gost_http_framer *fr = p->data;
  fr->keep_alive = http_should_keep_alive(p) != 0;
  fr->upgrade = p->upgrade;
  fr->messages++;
  fr->head_bytes = 0;
  fr->in_body = 0;
  http_parser_pause(p, 1);
  return 0;
}

static const http_parser_settings framer_settings = {
    .on_message_begin = on_message_begin,
    .on_headers_complete = on_headers_complete,
    .on_message_complete = on_message_complete,
};

void gost__http_framer_init(struct gost_http_framer *fr, int response) {
  memset(fr, 0, sizeof *fr);
  http_parser_init(&fr->parser, response ? HTTP_RESPONSE : HTTP_REQUEST);
  fr->parser.data = fr;
}

int gost__http_framer_feed(struct gost_http_framer *fr, const char *data, size_t len,
                           size_t *consumed) {
  size_t off = 0;
  *consumed = 0;
  if (HTTP_PARSER_ERRNO(&fr->parser) == HPE_PAUSED) http_parser_pause(&fr->parser, 0);
  if (HTTP_PARSER_ERRNO(&fr->parser) != HPE_OK) return GOST_EPROTO;
  uint64_t before = fr->messages;
  while (off < len) {
    size_t chunk = len - off;
    /* Feed a head no further than its budget, so an oversize head fails exactly at the limit. */
    if (!fr->in_body) {
      if (fr->head_bytes >= GOST__HTTP_MAX_HEAD) return GOST_EPROTO;
      if (chunk > GOST__HTTP_MAX_HEAD - fr->head_bytes) chunk = GOST__HTTP_MAX_HEAD - fr->head_bytes;
    }
    int was_head = !fr->in_body;
    size_t n = http_parser_execute(&fr->parser, &framer_settings, data + off, chunk);
    off += n;
    if (fr->messages != before) {
      *consumed = off;
      return GOST_OK;
    }
    if (HTTP_PARSER_ERRNO(&fr->parser) != HPE_OK) return GOST_EPROTO;
    if (was_head && !fr->in_body) fr->head_bytes += n;
    if (n < chunk) return GOST_EPROTO; /* stopped without a reason: treat as malformed */
  }
  *consumed = off;
  return GOST_EAGAIN;
}

int gost__http_framer_eof(struct gost_http_framer *fr) {
  if (HTTP_PARSER_ERRNO(&fr->parser) == HPE_PAUSED) http_parser_pause(&fr->parser, 0);
  if (HTTP_PARSER_ERRNO(&fr->parser) != HPE_OK) return GOST_EPROTO;
  uint64_t before = fr->messages;
  http_parser_execute(&fr->parser, &framer_settings, NULL, 0);
  if (fr->messages != before) return GOST_OK;
  if (HTTP_PARSER_ERRNO(&fr->parser) != HPE_OK) return GOST_EPROTO;
  return fr->in_body || fr->head_bytes ? GOST_EPROTO : GOST_OK;
}
