/* Per-stream side of the rtcp/rudp listener: every server-opened stream starts with a relay
 * Response {Addr src, Addr dst} (wire-spec §4.6). Unlike stock we read it per stream with a
 * bound and a timeout, and a bad header only costs that stream, never the session. */
#include <arpa/inet.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "codec/socks5.h"
#include "io/dgramframe.h"
#include "io/udptun.h"
#include "io/msgread.h"
#include "tunnel/rtcp_int.h"

/* a header holds two Addr features: 4 + 2 * (3 + 1 + 1 + 255 + 2) bytes at most, plus slack
 * for features nightly servers might add */
#define HDR_MAX 2048

struct hdr_read {
  struct gost_list link;
  struct gost_rtcp *r;
  struct gost_msg_read *mr;
  gost_stream *s;
  struct gost_relay_msg msg;
};

static int parse_header(const uint8_t *buf, size_t len, void *out, size_t *consumed) {
  int rc = gost__relay_decode_response(buf, len, out, consumed);
  if (rc == 0 && ((struct gost_relay_msg *)out)->status != GOST__RELAY_OK) return GOST_EPROTO;
  return rc;
}

/* SOCKS5 MUX BIND streams start with a reply {0x00, peer}: kept as a one-Addr relay header. */
static int parse_socks5_header(const uint8_t *buf, size_t len, void *out, size_t *consumed) {
  struct gost_socks5_msg rep;
  int rc = gost__socks5_decode_reply(buf, len, &rep, consumed);
  if (rc != GOST_OK) return rc;
  if (rep.code != GOST__SOCKS5_REP_SUCCEEDED) return GOST_EPROTO;
  struct gost_relay_msg *m = out;
  gost__relay_msg_init(m);
  struct sockaddr_storage ss;
  socklen_t sl;
  if (rep.addr.atyp != GOST__SOCKS5_ATYP_DOMAIN && gost__socks5_addr_to_sockaddr(&rep.addr, &ss, &sl) == GOST_OK &&
      gost__udptun_addr_from_sa((const struct sockaddr *)&ss, &m->addr[0]) == GOST_OK)
    m->naddr = 1;
  return GOST_OK;
}

/* The stream's peer becomes the tunnelled client (header src), for logs and PROXY headers. */
static void set_peer(gost_stream *s, const struct gost_relay_addr *a) {
  struct sockaddr_in *v4 = (struct sockaddr_in *)&s->peer;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&s->peer;
  memset(&s->peer, 0, sizeof s->peer);
  if (a->atyp == GOST__RELAY_ATYP_IPV4 && inet_pton(AF_INET, a->host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(a->port);
  } else if (a->atyp == GOST__RELAY_ATYP_IPV6 && inet_pton(AF_INET6, a->host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(a->port);
  }
}

static void on_header(gost_stream *s, int status, void *user) {
  struct hdr_read *h = user;
  struct gost_rtcp *r = h->r;
  gost_list_remove(&h->link);
  if (status != 0) {
    GOST_WARN(r->ctx, "rtcp: stream header: %s", gost_strerror(status));
    gost_stream_close(s);
    gost__free(r->ctx, h);
    return;
  }
  char src[GOST__RELAY_ADDR_STR_MAX] = "", dst[GOST__RELAY_ADDR_STR_MAX] = "";
  if (h->msg.naddr >= 1) {
    gost__relay_addr_format(&h->msg.addr[0], src, sizeof src);
    set_peer(s, &h->msg.addr[0]);
  }
  if (h->msg.naddr >= 2) gost__relay_addr_format(&h->msg.addr[1], dst, sizeof dst);
  gost__free(r->ctx, h);
  if (r->udp) {
    gost_stream *d = gost__dgramframe_new(r->ctx, s);
    if (!d) {
      gost_stream_close(s);
      return;
    }
    s = d;
  }
  GOST_DEBUG(r->ctx, "rtcp: stream %s -> %s/%s", src, dst[0] ? dst : "-", r->udp ? "udp" : "tcp");
  struct gost_conn_info info = {.host = dst[0] ? dst : NULL, .udp = r->udp};
  gost__service_accept(r->svc, s, &info);
}

void gost__rtcp_on_stream(struct gost_mux_session *m, gost_stream *s, void *user) {
  (void)m;
  struct gost_rtcp *r = user;
  struct hdr_read *h = gost__calloc(r->ctx, 1, sizeof(*h));
  if (!h) {
    gost_stream_close(s);
    return;
  }
  h->r = r;
  h->s = s;
  h->mr = gost__msg_read(r->ctx, s, HDR_MAX, r->header_timeout_ms,
                         r->hdr == GOST__BIND_HDR_SOCKS5 ? parse_socks5_header : parse_header, &h->msg,
                         on_header, h);
  if (!h->mr) {
    gost__free(r->ctx, h);
    gost_stream_close(s);
    return;
  }
  gost_list_insert_tail(&r->hdr_reads, &h->link);
}

void gost__rtcp_cancel_headers(struct gost_rtcp *r) {
  while (!gost_list_empty(&r->hdr_reads)) {
    struct hdr_read *h = gost_container_of(r->hdr_reads.next, struct hdr_read, link);
    gost_list_remove(&h->link);
    gost__msg_read_cancel(h->mr);
    gost_stream_close(h->s);
    gost__free(r->ctx, h);
  }
}
