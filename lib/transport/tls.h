/* TLS over any gost_stream (memory BIOs, never the fd), its options and SSL_CTX cache. */
#ifndef GOST_TRANSPORT_TLS_H
#define GOST_TRANSPORT_TLS_H

#include <jansson.h>
#include <openssl/ssl.h>

#include "io/stream.h"

#define GOST_TLS_HANDSHAKE_MS 10000

/* Options, read from metadata (certFile, keyFile, caFile, secure, serverName, alpn,
 * handshakeTimeout). Strings point into the metadata. */
struct gost_tls_opts {
  int server;
  int mtls; /* server: require and verify client certificates against ca_file */
  const char *cert_file, *key_file, *ca_file;
  const char *server_name; /* client: SNI and verified host name */
  const char *alpn;        /* comma-separated protocol list */
  int secure;              /* client: verify the server (also implied by ca_file) */
  int64_t handshake_ms;
};

/* Fills o from meta (NULL allowed), then from fallback (NULL allowed) for keys meta lacks. */
void gost__tls_opts_from_meta(struct gost_tls_opts *o, const json_t *meta, const json_t *fallback,
                              int server, int mtls);

/* A shared SSL_CTX for o, built on first use and cached by option values; the caller gets its
 * own reference (SSL_CTX_free it). A server without certificate gets a generated self-signed
 * one, logged through ctx. NULL with the last error set on failure. */
SSL_CTX *gost__tls_ctx_get(gost_ctx_t *ctx, const struct gost_tls_opts *o);
/* Frees the cache (tests, leak checkers). Live connections keep their own references. */
void gost__tls_ctx_cache_clear(void);

/* Self-signed EC P-256 certificate with CN=gost.run, valid one year. 0 or GOST_ETLS. */
int gost__tls_selfsigned(EVP_PKEY **key, X509 **cert);

/* Starts a TLS handshake over raw. On 0, raw belongs to the TLS stream and cb fires exactly
 * once, later: with the ready stream, or with NULL and an error status (raw then closed, the
 * reason logged). On < 0, nothing was taken and cb never fires. sctx gets its own reference. */
int gost__tls_wrap(gost_ctx_t *ctx, gost_stream *raw, SSL_CTX *sctx, const struct gost_tls_opts *o,
                   gost_stream_ready_cb cb, void *user);

/* Drains OpenSSL's error queue into buf as "reason; reason". Returns buf. */
char *gost__tls_errstr(char *buf, size_t len);

#endif
