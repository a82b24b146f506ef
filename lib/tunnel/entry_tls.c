/* Entrypoint TLS passthrough, after the ClientHello went into the tunnel: like stock, wait for
 * the backend's first flight (a ServerHello, bounded by entrypoint.readTimeout) before joining
 * the two sides, and log what came back. Every byte read while waiting is replayed, so the
 * client sees exactly what the backend sent, TLS or not. */
#include <string.h>

#include "codec/tlshello.h"
#include "core/error.h"
#include "core/log.h"
#include "io/msgread.h"
#include "tunnel/entry.h"

struct tls_wait {
  struct gost_tunnel_pending p;
  struct gost_tunnel_server *srv;
  gost_stream *pub, *ts;
  struct gost_msg_read *mr;
  int is_hello;
  char host[GOST__TLS_MAX_SNI + 8];
};

/* Decides after 6 bytes and never fails, so the peek replays whatever the backend sent. */
static int first_flight(const uint8_t *buf, size_t len, void *out, size_t *consumed) {
  int rc = gost__tlshello_detect_server(buf, len);
  *consumed = 0;
  if (rc == GOST_EAGAIN) return GOST_EAGAIN;
  *(int *)out = rc == GOST_OK;
  return GOST_OK;
}

static void tw_free(struct tls_wait *w) {
  gost_list_remove(&w->p.link);
  gost__free(w->srv->ctx, w);
}

static void tw_abort(struct gost_tunnel_pending *p) {
  struct tls_wait *w = gost_container_of(p, struct tls_wait, p);
  gost__msg_read_cancel(w->mr);
  gost_stream_close(w->ts);
  gost_stream_close(w->pub);
  tw_free(w);
}

static void on_first_flight(gost_stream *s, int status, void *user) {
  struct tls_wait *w = user;
  struct gost_tunnel_server *srv = w->srv;
  gost_stream *pub = w->pub;
  w->mr = NULL;
  if (status == GOST_OK && w->is_hello)
    GOST_DEBUG(srv->ctx, "entrypoint: %s: backend answered with a ServerHello", w->host);
  else if (status == GOST_OK)
    GOST_WARN(srv->ctx, "entrypoint: %s: backend did not answer with a ServerHello", w->host);
  else if (status == GOST_ETIMEDOUT)
    GOST_DEBUG(srv->ctx, "entrypoint: %s: no ServerHello within readTimeout, joining anyway", w->host);
  tw_free(w);
  if (status != GOST_OK && status != GOST_ETIMEDOUT) { /* the backend ended before answering */
    GOST_DEBUG(srv->ctx, "entrypoint: TLS backend closed: %s", gost_strerror(status));
    gost_stream_close(s);
    gost_stream_close(pub);
    return;
  }
  gost__tunnel_pipe(srv, pub, s);
}

void gost__entry_tls_join(struct gost_tunnel_server *srv, gost_stream *pub, gost_stream *ts,
                          const char *host) {
  struct tls_wait *w = gost__calloc(srv->ctx, 1, sizeof *w);
  if (w) {
    w->srv = srv;
    w->pub = pub;
    w->ts = ts;
    w->p.abort = tw_abort;
    strncpy(w->host, host, sizeof w->host - 1);
    w->mr = gost__msg_peek(srv->ctx, ts, GOST_ENTRY_TLS_MAX, (uint64_t)srv->entry_timeout_ms, first_flight,
                           &w->is_hello, on_first_flight, w);
  }
  if (!w || !w->mr) { /* no memory: join without waiting */
    gost__free(srv->ctx, w);
    gost__tunnel_pipe(srv, pub, ts);
    return;
  }
  gost_list_insert_tail(&srv->conns, &w->p.link);
}
