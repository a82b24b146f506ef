/* SSL_CTX construction from options, self-signed certificates, and a process-wide cache keyed
 * by option values: a service or node configures its SSL_CTX once, not per connection. */
#include "transport/tls.h"

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx_int.h"
#include "core/error.h"
#include "core/log.h"
#include "core/meta.h"

#define CACHE_MAX 64

static const char *meta2(const json_t *m, const json_t *f, const char *key) {
  const char *v = gost__meta_str(m, key, NULL);
  return v ? v : gost__meta_str(f, key, NULL);
}

void gost__tls_opts_from_meta(struct gost_tls_opts *o, const json_t *meta, const json_t *fallback,
                              int server, int mtls) {
  memset(o, 0, sizeof *o);
  o->server = server;
  o->mtls = mtls;
  o->cert_file = meta2(meta, fallback, "certFile");
  o->key_file = meta2(meta, fallback, "keyFile");
  o->ca_file = meta2(meta, fallback, "caFile");
  o->server_name = meta2(meta, fallback, "serverName");
  o->alpn = meta2(meta, fallback, "alpn");
  o->secure = gost__str_bool(meta2(meta, fallback, "secure"), 0);
  const char *hs = meta2(meta, fallback, "handshakeTimeout");
  int64_t ms = hs ? gost__duration_ms(hs) : -1;
  o->handshake_ms = ms > 0 ? ms : GOST_TLS_HANDSHAKE_MS;
}

char *gost__tls_errstr(char *buf, size_t len) {
  size_t pos = 0;
  unsigned long e;
  buf[0] = '\0';
  while ((e = ERR_get_error()) != 0) {
    char one[256];
    ERR_error_string_n(e, one, sizeof one);
    int k = snprintf(buf + pos, len - pos, "%s%s", pos ? "; " : "", one);
    if (k < 0 || (size_t)k >= len - pos) {
      ERR_clear_error();
      break;
    }
    pos += (size_t)k;
  }
  if (!pos) snprintf(buf, len, "unknown TLS error");
  return buf;
}

int gost__tls_selfsigned(EVP_PKEY **key, X509 **cert) {
  EVP_PKEY *k = EVP_EC_gen("P-256");
  X509 *x = X509_new();
  X509_NAME *name = NULL;
  unsigned char serial[16];
  if (!k || !x || RAND_bytes(serial, sizeof serial) != 1) goto fail;
  serial[0] &= 0x7f; /* positive */
  BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
  int ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
  BN_free(bn);
  if (!ok || X509_set_version(x, 2) != 1) goto fail;
  if (!X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(x), 365L * 24 * 3600))
    goto fail;
  name = X509_get_subject_name(x);
  if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"gost.run", -1, -1, 0) ||
      X509_set_issuer_name(x, name) != 1 || X509_set_pubkey(x, k) != 1)
    goto fail;
  X509_EXTENSION *san = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, "DNS:gost.run");
  if (!san) goto fail;
  ok = X509_add_ext(x, san, -1);
  X509_EXTENSION_free(san);
  if (!ok || !X509_sign(x, k, EVP_sha256())) goto fail;
  *key = k;
  *cert = x;
  return GOST_OK;
fail:
  EVP_PKEY_free(k);
  X509_free(x);
  return GOST_ETLS;
}

/* ALPN wire format ("\x02h2\x08http/1.1") from "h2,http/1.1"; returns length or 0. */
static size_t alpn_wire(const char *list, unsigned char *out, size_t cap) {
  size_t n = 0;
  while (list && *list) {
    const char *end = strchr(list, ',');
    size_t len = end ? (size_t)(end - list) : strlen(list);
    if (len > 0 && len < 256 && n + 1 + len <= cap) {
      out[n++] = (unsigned char)len;
      memcpy(out + n, list, len);
      n += len;
    }
    list = end ? end + 1 : NULL;
  }
  return n;
}

static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg) {
  (void)ssl;
  const unsigned char *wire = arg;
  if (SSL_select_next_proto((unsigned char **)out, outlen, wire + 1, wire[0], in, inlen) ==
      OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_OK;
  return SSL_TLSEXT_ERR_NOACK;
}

static int alpn_idx = -1;

static void free_alpn(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
  (void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
  OPENSSL_free(ptr);
}

static int load_identity(gost_ctx_t *ctx, SSL_CTX *s, const struct gost_tls_opts *o) {
  char err[512];
  if (o->cert_file || o->key_file) {
    const char *cert = o->cert_file, *key = o->key_file ? o->key_file : o->cert_file;
    if (!cert)
      return gost__error(GOST_ECONFIG, "tls: keyFile %s given without certFile", o->key_file);
    if (SSL_CTX_use_certificate_chain_file(s, cert) != 1)
      return gost__error(GOST_ECONFIG, "tls: cannot load certFile %s: %s", cert,
                         gost__tls_errstr(err, sizeof err));
    if (SSL_CTX_use_PrivateKey_file(s, key, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(s) != 1)
      return gost__error(GOST_ECONFIG, "tls: cannot load keyFile %s: %s", key,
                         gost__tls_errstr(err, sizeof err));
    return GOST_OK;
  }
  if (!o->server) return GOST_OK;
  EVP_PKEY *k;
  X509 *x;
  if (gost__tls_selfsigned(&k, &x) != GOST_OK)
    return gost__error(GOST_ETLS, "tls: cannot generate a certificate: %s", gost__tls_errstr(err, sizeof err));
  int ok = SSL_CTX_use_certificate(s, x) == 1 && SSL_CTX_use_PrivateKey(s, k) == 1;
  X509_free(x);
  EVP_PKEY_free(k);
  if (!ok) return gost__error(GOST_ETLS, "tls: cannot use generated certificate");
  GOST_INFO(ctx, "tls: no certificate configured, generated a self-signed one (EC P-256, CN=gost.run)");
  return GOST_OK;
}

static SSL_CTX *build(gost_ctx_t *ctx, const struct gost_tls_opts *o) {
  char err[512];
  SSL_CTX *s = SSL_CTX_new(o->server ? TLS_server_method() : TLS_client_method());
  if (!s) {
    gost__error(GOST_ENOMEM, "tls: SSL_CTX_new: %s", gost__tls_errstr(err, sizeof err));
    return NULL;
  }
  SSL_CTX_set_min_proto_version(s, TLS1_2_VERSION);
  /* Renegotiation would make writes wait for reads; nothing here needs it. */
  SSL_CTX_set_options(s, SSL_OP_NO_RENEGOTIATION);
  if (load_identity(ctx, s, o) != GOST_OK) goto fail;
  int verify = o->server ? o->mtls : (o->secure || o->ca_file);
  if (o->mtls && !o->ca_file) {
    gost__error(GOST_ECONFIG, "mtls: caFile is required to verify client certificates");
    goto fail;
  }
  if (verify) {
    int ok = o->ca_file ? SSL_CTX_load_verify_locations(s, o->ca_file, NULL)
                        : SSL_CTX_set_default_verify_paths(s);
    if (ok != 1) {
      gost__error(GOST_ECONFIG, "tls: cannot load caFile %s: %s", o->ca_file ? o->ca_file : "(system)",
                  gost__tls_errstr(err, sizeof err));
      goto fail;
    }
    if (o->server) {
      STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(o->ca_file);
      if (names) SSL_CTX_set_client_CA_list(s, names);
      SSL_CTX_set_verify(s, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    } else {
      SSL_CTX_set_verify(s, SSL_VERIFY_PEER, NULL);
    }
  }
  if (o->alpn && *o->alpn) {
    unsigned char wire[256];
    size_t n = alpn_wire(o->alpn, wire + 1, sizeof wire - 1);
    if (n && o->server) {
      unsigned char *copy = OPENSSL_malloc(n + 1);
      if (!copy) goto fail;
      copy[0] = (unsigned char)n;
      memcpy(copy + 1, wire + 1, n);
      SSL_CTX_set_ex_data(s, alpn_idx, copy); /* freed with the SSL_CTX */
      SSL_CTX_set_alpn_select_cb(s, alpn_select, copy);
    } else if (n) {
      SSL_CTX_set_alpn_protos(s, wire + 1, (unsigned)n);
    }
  }
  return s;
fail:
  SSL_CTX_free(s);
  return NULL;
}

struct cache_entry {
  char *key;
  SSL_CTX *sctx;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cache_entry cache[CACHE_MAX];
static size_t cache_len;

static void cache_key(char *buf, size_t len, const struct gost_tls_opts *o) {
#define S(x) ((x) ? (x) : "")
  snprintf(buf, len, "%d|%d|%d|%s|%s|%s|%s", o->server, o->mtls, o->secure, S(o->cert_file),
           S(o->key_file), S(o->ca_file), S(o->alpn));
#undef S
}

SSL_CTX *gost__tls_ctx_get(gost_ctx_t *ctx, const struct gost_tls_opts *o) {
  char key[4096];
  cache_key(key, sizeof key, o);
  pthread_mutex_lock(&cache_lock);
  if (alpn_idx < 0) alpn_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, free_alpn);
  SSL_CTX *s = NULL;
  for (size_t i = 0; i < cache_len && !s; i++)
    if (strcmp(cache[i].key, key) == 0) s = cache[i].sctx;
  if (s) {
    SSL_CTX_up_ref(s);
  } else if ((s = build(ctx, o)) != NULL && cache_len < CACHE_MAX) {
    /* Beyond CACHE_MAX distinct configurations the caller's reference is the only one. */
    char *k = strdup(key);
    if (k) {
      cache[cache_len].key = k;
      cache[cache_len++].sctx = s;
      SSL_CTX_up_ref(s);
    }
  }
  pthread_mutex_unlock(&cache_lock);
  return s;
}

void gost__tls_ctx_cache_clear(void) {
  pthread_mutex_lock(&cache_lock);
  for (size_t i = 0; i < cache_len; i++) {
    free(cache[i].key);
    SSL_CTX_free(cache[i].sctx);
  }
  cache_len = 0;
  pthread_mutex_unlock(&cache_lock);
}
