/* The "tls" stream: OpenSSL driven through memory BIOs over an inner gost_stream, so TLS can
 * run inside any hop. Inner reads feed the read BIO; whatever OpenSSL writes to the write BIO
 * is handed to the inner stream at once, so this layer queues nothing of its own. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <stdio.h>
#include <string.h>

#include "core/ctx_int.h"
#include "core/error.h"
#include "core/log.h"
#include "io/layer.h"
#include "transport/tls.h"

struct tls_stream {
  struct gost_layer l; /* base stream, inner stream, deferred free, write completions */
  SSL *ssl;
  BIO *rbio, *wbio; /* owned by ssl */
  int server, hs_done, reading, inner_eof, eof_sent, shut;
  int failed;
  gost_stream_ready_cb ready_cb;
  void *ready_user;
  ev_timer timer;
  ev_idle kick; /* drains decrypted data or completions after read_start/write */
  int64_t hs_ms;
};

static void free_now(struct gost_layer *l) {
  struct tls_stream *t = (struct tls_stream *)l;
  SSL_free(t->ssl);
  gost__free(l->base.ctx, t);
}

static void t_close(gost_stream *s) {
  struct tls_stream *t = (struct tls_stream *)s;
  if (t->l.dead) return;
  ev_timer_stop(s->ctx->loop, &t->timer);
  ev_idle_stop(s->ctx->loop, &t->kick);
  gost__layer_close(&t->l);
}

/* Hands everything OpenSSL produced to the inner stream as one write. */
static int flush_out(struct tls_stream *t) {
  char *p;
  long n = BIO_get_mem_data(t->wbio, &p);
  if (n <= 0 || !t->l.inner) return GOST_OK;
  int rc = gost_stream_write_buf(t->l.inner, p, (size_t)n, gost__layer_inner_written, &t->l);
  (void)BIO_reset(t->wbio);
  if (rc != GOST_OK) return rc;
  t->l.issued++;
  t->l.base.bytes_out += (uint64_t)n;
  return GOST_OK;
}

static void peer_name(const gost_stream *s, char *buf, size_t len) {
  if (gost__sa_fmt(&s->peer, buf, len) <= 0) snprintf(buf, len, "?:0");
}

/* Handshake failure: log why, report to the waiting caller, close (sending any alert first). */
static void hs_fail(struct tls_stream *t, int status, const char *why) {
  char peer[96];
  peer_name(&t->l.base, peer, sizeof peer);
  GOST_WARN(t->l.base.ctx, "tls: %s handshake with %s failed: %s", t->server ? "server" : "client", peer, why);
  t->failed = 1;
  (void)flush_out(t); /* the alert, if any; dropped if the inner stream closes first */
  gost_stream_ready_cb cb = t->ready_cb;
  t->ready_cb = NULL;
  gost_ctx_t *ctx = t->l.base.ctx;
  void *user = t->ready_user;
  t_close(&t->l.base);
  gost__error(status, "tls handshake failed: %s", why);
  if (cb) cb(ctx, NULL, status, user);
}

static void ssl_fail_reason(struct tls_stream *t, int ret, char *buf, size_t len) {
  int err = SSL_get_error(t->ssl, ret);
  long vr = SSL_get_verify_result(t->ssl);
  char q[400];
  gost__tls_errstr(q, sizeof q);
  if (vr != X509_V_OK)
    snprintf(buf, len, "certificate verify failed: %s (%s)", X509_verify_cert_error_string(vr), q);
  else if (err == SSL_ERROR_SYSCALL || err == SSL_ERROR_SSL)
    snprintf(buf, len, "%s", q);
  else
    snprintf(buf, len, "SSL error %d", err);
}

static void do_handshake(struct tls_stream *t) {
  ERR_clear_error();
  int r = SSL_do_handshake(t->ssl);
  if (r == 1) {
    if (flush_out(t) != GOST_OK) return hs_fail(t, GOST_EIO, "inner write failed");
    t->hs_done = 1;
    ev_timer_stop(t->l.base.ctx->loop, &t->timer);
    gost_stream_read_stop(t->l.inner); /* until our reader asks */
    const unsigned char *proto;
    unsigned plen;
    SSL_get0_alpn_selected(t->ssl, &proto, &plen);
    GOST_DEBUG(t->l.base.ctx, "tls: handshake done, %s %s, alpn %.*s", SSL_get_version(t->ssl),
               SSL_get_cipher_name(t->ssl), (int)plen, plen ? (const char *)proto : "-");
    gost_stream_ready_cb cb = t->ready_cb;
    t->ready_cb = NULL;
    cb(t->l.base.ctx, &t->l.base, GOST_OK, t->ready_user);
    return;
  }
  int err = SSL_get_error(t->ssl, r);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    if (flush_out(t) != GOST_OK) hs_fail(t, GOST_EIO, "inner write failed");
    else if (t->inner_eof) hs_fail(t, GOST_EPROTO, "peer closed the connection during the handshake");
    return;
  }
  char why[512];
  ssl_fail_reason(t, r, why, sizeof why);
  hs_fail(t, GOST_ETLS, why);
}

static void deliver(struct tls_stream *t, ssize_t n, const char *p) {
  if (n < 0) {
    if (t->eof_sent) return;
    t->eof_sent = 1;
  }
  t->l.base.on_read(&t->l.base, n, p, t->l.base.user);
}

/* Decrypts and delivers while our reader wants data. */
static void pump_read(struct tls_stream *t) {
  char buf[GOST_BUF_SIZE];
  while (!t->l.dead && t->reading && !t->eof_sent) {
    ERR_clear_error();
    int r = SSL_read(t->ssl, buf, sizeof buf);
    if (r > 0) {
      t->l.base.bytes_in += (uint64_t)r;
      deliver(t, r, buf);
      continue;
    }
    int err = SSL_get_error(t->ssl, r);
    if (err == SSL_ERROR_WANT_READ) {
      if (flush_out(t) != GOST_OK) deliver(t, GOST_EIO, NULL);
      else if (t->inner_eof) deliver(t, GOST_ECLOSED, NULL); /* EOF without close_notify: lenient */
    } else if (err == SSL_ERROR_ZERO_RETURN) {
      deliver(t, GOST_ECLOSED, NULL);
    } else {
      char why[512];
      ssl_fail_reason(t, r, why, sizeof why);
      GOST_WARN(t->l.base.ctx, "tls: read failed: %s", why);
      deliver(t, GOST_ETLS, NULL);
    }
    break;
  }
  if (!t->l.dead) (void)flush_out(t); /* session tickets, key update replies */
}

static void on_inner_read(gost_stream *in, ssize_t n, const char *data, void *user) {
  (void)in;
  struct tls_stream *t = user;
  gost__layer_enter(&t->l);
  if (n > 0) {
    BIO_write(t->rbio, data, (int)n);
  } else if (n == GOST_ECLOSED) {
    t->inner_eof = 1;
  } else if (!t->hs_done) {
    hs_fail(t, (int)n, "inner stream error");
  } else {
    deliver(t, n, NULL);
  }
  if (!t->l.dead && !t->failed) {
    if (!t->hs_done) do_handshake(t);
    else pump_read(t);
  }
  gost__layer_leave(&t->l);
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop;
  (void)revents;
  struct tls_stream *t = w->data;
  char why[64];
  snprintf(why, sizeof why, "timed out after %lld ms", (long long)t->hs_ms);
  gost__layer_enter(&t->l);
  hs_fail(t, GOST_ETIMEDOUT, why);
  gost__layer_leave(&t->l);
}

static void on_kick(struct ev_loop *loop, ev_idle *w, int revents) {
  (void)revents;
  struct tls_stream *t = w->data;
  ev_idle_stop(loop, w);
  gost__layer_enter(&t->l);
  gost__wreqq_fire(t->l.base.ctx, &t->l.wq, &t->l.base, t->l.completed, 0, &t->l.dead);
  if (!t->l.dead) pump_read(t);
  gost__layer_leave(&t->l);
}

static void kick(struct tls_stream *t) { ev_idle_start(t->l.base.ctx->loop, &t->kick); }

static int t_read_start(gost_stream *s) {
  struct tls_stream *t = (struct tls_stream *)s;
  if (t->reading) return GOST_OK;
  t->reading = 1;
  if (!t->inner_eof) gost_stream_read_start(t->l.inner);
  kick(t); /* plaintext may already sit in OpenSSL's buffers */
  return GOST_OK;
}

static int t_read_stop(gost_stream *s) {
  struct tls_stream *t = (struct tls_stream *)s;
  t->reading = 0;
  return gost_stream_read_stop(t->l.inner);
}

static int t_write(gost_stream *s, const struct iovec *iov, int iovcnt, gost_stream_write_cb cb,
                   void *user) {
  struct tls_stream *t = (struct tls_stream *)s;
  char why[512];
  if (t->shut) return gost__error(GOST_ESTATE, "tls: write after shutdown");
  for (int i = 0; i < iovcnt; i++) {
    if (iov[i].iov_len == 0) continue;
    size_t done;
    ERR_clear_error();
    if (SSL_write_ex(t->ssl, iov[i].iov_base, iov[i].iov_len, &done) != 1 || done != iov[i].iov_len)
      return gost__error(GOST_ETLS, "tls: write failed: %s", gost__tls_errstr(why, sizeof why));
  }
  int rc = flush_out(t);
  if (rc != GOST_OK) return rc;
  if (gost__wreqq_push(s->ctx, &t->l.wq, cb, user, t->l.issued) != GOST_OK)
    return gost__error(GOST_ENOMEM, "tls: out of memory");
  if (gost__wreqq_ready(&t->l.wq, t->l.completed)) kick(t);
  return GOST_OK;
}

static size_t t_queued(const gost_stream *s) {
  const struct tls_stream *t = (const struct tls_stream *)s;
  return t->l.inner ? gost_stream_queued(t->l.inner) : 0;
}

static int t_shutdown(gost_stream *s) {
  struct tls_stream *t = (struct tls_stream *)s;
  if (t->shut) return GOST_OK;
  t->shut = 1;
  ERR_clear_error();
  (void)SSL_shutdown(t->ssl); /* queues close_notify; reading stays possible */
  int rc = flush_out(t);
  if (rc != GOST_OK) return rc;
  return gost_stream_shutdown(t->l.inner);
}

static void on_inner_drain(gost_stream *in, void *user) {
  (void)in;
  struct tls_stream *t = user;
  if (t->hs_done) gost__stream_drained(&t->l.base);
}

static const struct gost_stream_ops tls_ops = {
    .name = "tls",
    .read_start = t_read_start,
    .read_stop = t_read_stop,
    .write = t_write,
    .write_queue_size = t_queued,
    .shutdown = t_shutdown,
    .close = t_close,
    .fd = NULL,
};

static int is_ip(const char *h) {
  unsigned char b[16];
  return inet_pton(AF_INET, h, b) == 1 || inet_pton(AF_INET6, h, b) == 1;
}

int gost__tls_wrap(gost_ctx_t *ctx, gost_stream *raw, SSL_CTX *sctx, const struct gost_tls_opts *o,
                   gost_stream_ready_cb cb, void *user) {
  struct tls_stream *t = gost__calloc(ctx, 1, sizeof *t);
  if (!t) return gost__error(GOST_ENOMEM, "tls: out of memory");
  gost__layer_init(&t->l, &tls_ops, ctx, NULL, free_now);
  t->ssl = SSL_new(sctx);
  t->rbio = BIO_new(BIO_s_mem());
  t->wbio = BIO_new(BIO_s_mem());
  if (!t->ssl || !t->rbio || !t->wbio) {
    BIO_free(t->rbio);
    BIO_free(t->wbio);
    SSL_free(t->ssl);
    gost__free(ctx, t);
    return gost__error(GOST_ENOMEM, "tls: out of memory");
  }
  BIO_set_mem_eof_return(t->rbio, -1); /* empty means "retry", not EOF */
  SSL_set_bio(t->ssl, t->rbio, t->wbio);
  t->server = o->server;
  if (o->server) {
    SSL_set_accept_state(t->ssl);
  } else {
    SSL_set_connect_state(t->ssl);
    const char *sn = o->server_name;
    if (sn && *sn && !is_ip(sn)) SSL_set_tlsext_host_name(t->ssl, sn);
    if (sn && *sn && (o->secure || o->ca_file)) SSL_set1_host(t->ssl, sn);
  }
  t->l.inner = raw;
  t->l.base.peer = raw->peer;
  t->l.base.local = raw->local;
  t->ready_cb = cb;
  t->ready_user = user;
  t->hs_ms = o->handshake_ms > 0 ? o->handshake_ms : GOST_TLS_HANDSHAKE_MS;
  ev_timer_init(&t->timer, on_timeout, (double)t->hs_ms / 1000.0, 0.);
  t->timer.data = t;
  ev_idle_init(&t->kick, on_kick);
  t->kick.data = t;
  ev_timer_start(ctx->loop, &t->timer);
  raw->on_drain = on_inner_drain;
  raw->drain_user = t;
  gost_stream_set_read_cb(raw, on_inner_read, t);
  gost_stream_read_start(raw);
  if (!o->server) {
    /* ClientHello goes out now; failures here still report through cb, later. */
    ERR_clear_error();
    (void)SSL_do_handshake(t->ssl);
    if (flush_out(t) != GOST_OK) {
      raw->on_drain = NULL;
      gost_stream_set_read_cb(raw, NULL, NULL);
      gost_stream_read_stop(raw);
      ev_timer_stop(ctx->loop, &t->timer);
      SSL_free(t->ssl);
      gost__free(ctx, t);
      return gost__error(GOST_EIO, "tls: cannot send ClientHello");
    }
  }
  return GOST_OK;
}
