/* Plain relay BIND on handler "relay" with bind=true (stock GOST's remote port forwarding
 * without a tunnel: `gost -L rtcp://:2222/host:22 -F relay://server:8443`). The request's
 * Addr is the address to listen on; the answer is Response {OK, Addr bound}, then
 * handler/bindsrv.c serves the port over this connection. */
#include <string.h>

#include "core/addr.h"
#include "core/error.h"
#include "core/log.h"
#include "handler/bindsrv.h"
#include "handler/relay_bind.h"
#include "io/udptun.h"

struct rbind {
  struct gost_tunnel_pending p; /* on srv->conns: the service's stop ends it */
  gost_ctx_t *ctx;
  struct gost_bindsrv *b;
};

static void rb_free(struct rbind *r) {
  gost_list_remove(&r->p.link);
  gost__bindsrv_free(r->b);
  gost__free(r->ctx, r);
}

static void rb_abort(struct gost_tunnel_pending *p) { rb_free(gost_container_of(p, struct rbind, p)); }
static void rb_done(struct gost_bindsrv *b, void *user) {
  (void)b;
  rb_free(user);
}

void gost__relay_plain_bind(struct gost_hs *h) {
  struct gost_tunnel_server *srv = h->srv;
  const struct gost_relay_msg *m = &h->msg;
  int udp = m->network == GOST__RELAY_NET_UDP || (m->flags & GOST__RELAY_FLAG_UDP);
  char addr[GOST__RELAY_ADDR_STR_MAX] = ":0";
  if (m->naddr && gost__relay_addr_format(&m->addr[m->naddr - 1], addr, sizeof addr) < 0)
    return gost__hs_refuse(h, GOST__RELAY_BAD_REQUEST, "bad bind address");
  struct rbind *r = gost__calloc(srv->ctx, 1, sizeof *r);
  if (!r) return gost__hs_refuse(h, GOST__RELAY_INTERNAL_SERVER_ERROR, "out of memory");
  r->ctx = srv->ctx;
  r->p.abort = rb_abort;
  gost_list_init(&r->p.link);
  if (!(r->b = gost__bindsrv_listen(srv->svc, addr, udp))) {
    gost__free(srv->ctx, r);
    return gost__hs_refuse(h, GOST__RELAY_SERVICE_UNAVAILABLE, gost_last_error());
  }
  struct gost_relay_msg resp;
  gost__relay_msg_init(&resp);
  resp.status = GOST__RELAY_OK;
  resp.naddr = gost__udptun_addr_from_sa((const struct sockaddr *)gost__bindsrv_local(r->b), &resp.addr[0]) == GOST_OK;
  uint8_t out[GOST__RELAY_MSG_MAX];
  int n = gost__relay_encode_response(&resp, 0, out, sizeof out);
  size_t nrest = h->len - h->used;
  uint8_t *rest = nrest ? gost__malloc(srv->ctx, nrest) : NULL;
  if (n < 0 || (nrest && !rest)) {
    gost__free(srv->ctx, rest);
    rb_free(r);
    return gost__hs_refuse(h, GOST__RELAY_INTERNAL_SERVER_ERROR, "out of memory");
  }
  if (nrest) memcpy(rest, h->buf + h->used, nrest);
  gost_stream *s = gost__hs_take_stream(h);
  int rc = gost_stream_write_buf(s, out, (size_t)n, NULL, NULL);
  if (rc == GOST_OK)
    rc = gost__bindsrv_serve(r->b, s, GOST__BINDSRV_HDR_RELAY, &srv->mux, rest, nrest, rb_done, r);
  else
    gost_stream_close(s);
  gost__free(srv->ctx, rest);
  if (rc != GOST_OK) {
    GOST_WARN(srv->ctx, "relay bind on %s: %s", addr, gost_last_error());
    rb_free(r);
    return;
  }
  gost_list_insert_tail(&srv->conns, &r->p.link);
}
