/* The "ws" stream: RFC 6455 WebSocket over an inner gost_stream, binary messages, wslay framing. */
#ifndef GOST_TRANSPORT_WS_H
#define GOST_TRANSPORT_WS_H

#include <jansson.h>

#include "io/stream.h"

#define GOST_WS_MAX_MSG ((size_t)1 << 20)
#define GOST_WS_HANDSHAKE_MS 10000
#define GOST_WS_MAX_HEADER 8192
#define GOST_WS_SEND_CHUNK ((size_t)64 << 10) /* writes are split into messages of this size */

struct gost_ws_opts {
  int server;
  const char *path; /* request path, default "/ws" */
  const char *host; /* client: Host header */
  size_t max_msg;   /* largest accepted message (readBufferSize-like limit) */
  int64_t handshake_ms;
};

/* Fills o from meta, then fallback, for keys: path, host, maxMessageSize, handshakeTimeout. */
void gost__ws_opts_from_meta(struct gost_ws_opts *o, const json_t *meta, const json_t *fallback,
                             int server);

/* Runs the HTTP Upgrade over raw (client request or server response). Same ownership rules as
 * gost__tls_wrap: on 0, raw is taken and cb fires once later; on < 0 nothing was taken. */
int gost__ws_wrap(gost_ctx_t *ctx, gost_stream *raw, const struct gost_ws_opts *o,
                  gost_stream_ready_cb cb, void *user);

/* Handshake helpers (ws_http.c). */
/* Sec-WebSocket-Accept for key: base64(SHA1(key + GUID)), 28 chars + NUL. */
void gost__ws_accept(const char *key, char out[29]);
/* A fresh random Sec-WebSocket-Key, 24 chars + NUL. 0 or GOST_ETLS. */
int gost__ws_new_key(char out[25]);

#endif
