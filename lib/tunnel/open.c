/* Opening a tunnel stream: connector choice (registry) + the stream header (§4.6) written
 * right after the SYN, so the stock client's Accept never waits for it. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "core/error.h"
#include "core/event.h"
#include "ingress/ingress.h"
#include "io/pipe.h"
#include "limit/limiter.h"
#include "tunnel/server.h"

void gost__tunnel_addr_str(const gost_sockaddr *a, char *buf, size_t cap) {
  gost__sa_fmt(a, buf, cap); /* "" for an unknown family */
}

static int build_header(const struct gost_tunnel_server *srv, const char *src, const char *dst,
                        uint8_t *buf, size_t cap) {
  struct gost_relay_msg m;
  gost__relay_msg_init(&m);
  m.status = GOST__RELAY_OK;
  if (gost__relay_msg_add_addr(&m, src ? src : "") != GOST_OK) {
    gost__relay_msg_init(&m);
    gost__relay_msg_add_addr(&m, ""); /* never send an unresolvable src (§4.6) */
  }
  if (!srv->legacy) {
    if (gost__relay_msg_add_addr(&m, dst ? dst : "") != GOST_OK)
      return gost__error(GOST_EINVAL, "tunnel: bad destination %s", dst);
  } else if (dst && *dst) { /* rc-era header: dst host as a domain Addr, omitted if empty */
    struct gost_relay_addr *a = &m.addr[1];
    const char *h, *p;
    size_t hl, pl;
    if (gost__hostport_split(dst, strlen(dst), &h, &hl, &p, &pl) != GOST_OK) {
      h = dst;
      hl = strlen(dst);
      pl = 0;
    }
    if (hl > GOST__RELAY_HOST_MAX) return gost__error(GOST_EINVAL, "tunnel: host too long");
    a->atyp = GOST__RELAY_ATYP_DOMAIN;
    memcpy(a->host, h, hl);
    a->host[hl] = '\0';
    a->host_len = hl;
    a->port = 0;
    for (size_t i = 0; i < pl && p[i] >= '0' && p[i] <= '9'; i++) a->port = (uint16_t)(a->port * 10 + (p[i] - '0'));
    m.naddr = 2;
  }
  return gost__relay_encode_response(&m, 0, buf, cap);
}

int gost__tunnel_open(struct gost_tunnel_server *srv, const uint8_t id[16], int udp,
                      const char *src, const char *dst, gost_stream **out) {
  uint8_t hdr[GOST__RELAY_MSG_MAX];
  int n = build_header(srv, src, dst, hdr, sizeof hdr);
  *out = NULL;
  if (n < 0) return n;
  gost_stream *s;
  int rc = gost__tunnel_registry_open(srv->reg, id, udp, &s);
  if (rc != GOST_OK) return rc;
  rc = gost_stream_write_buf(s, hdr, (size_t)n, NULL, NULL);
  if (rc != GOST_OK) {
    gost_stream_close(s);
    return rc;
  }
  if (srv->svc->handler_limiter) s->limit = gost__limits_tunnel(srv->svc->handler_limiter, id);
  *out = s;
  if (gost__event_wanted(srv->ctx)) {
    char tid[37];
    gost__uuid_format(id, tid);
    gost_event_t ev = {.type = GOST_EVENT_STREAM_OPEN, .service = srv->svc->name, .tunnel_id = tid,
                       .client = src, .network = udp ? "udp" : "tcp", .detail = dst};
    gost__event_emit(srv->ctx, &ev);
  }
  return GOST_OK;
}

/* user is the server's ctx; the service may be gone by the time a relay ends */
static void pipe_done(struct gost_pipe *p, int status, uint64_t a_to_b, uint64_t b_to_a, void *user) {
  gost_ctx_t *ctx = user;
  if (!gost__event_wanted(ctx)) return;
  gost_event_t ev = {.type = GOST_EVENT_STREAM_CLOSE, .bytes_in = a_to_b, .bytes_out = b_to_a,
                     .detail = status ? gost_strerror(status) : "ok"};
  gost__event_emit(ctx, &ev);
}

void gost__tunnel_pipe(struct gost_tunnel_server *srv, gost_stream *a, gost_stream *b) {
  gost__tunnel_pipe_ex(srv, a, b, 0);
}

void gost__tunnel_pipe_ex(struct gost_tunnel_server *srv, gost_stream *a, gost_stream *b, int datagram) {
  struct gost_pipe_opts o = {0, 0, 0, datagram};
  if (!gost__pipe_start(srv->ctx, a, b, &o, pipe_done, srv->ctx)) {
    gost_stream_close(a);
    gost_stream_close(b);
  }
}
