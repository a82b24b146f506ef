/* rudp over a plain relay or SOCKS5 bind (stock: relay BIND|UDP, SOCKS5 0xF3 with a port):
 * the bind connection carries every peer's datagrams in framing (B), addressed with the
 * peer. A socketless udpflow listener turns peers into flows for the rudp handler, and
 * their answers go back as frames addressed to the same peer. */
#include <string.h>

#include "core/addr.h"
#include "core/error.h"
#include "core/log.h"
#include "core/meta.h"
#include "io/udpflow.h"
#include "io/udptun.h"
#include "tunnel/rtcp_int.h"

#define CTRL_QUEUE_MAX (1024 * 1024) /* answers beyond are dropped, as a full socket would */

struct gost_rtcp_dgram {
  struct gost_rtcp *r;
  gost_stream *s;
  struct gost_udpflow_listener *flows;
  struct gost_udptun_rx rx;
};

static int send_frame(void *user, const struct sockaddr_storage *peer, const struct iovec *iov, int n) {
  struct gost_rtcp_dgram *d = user;
  struct gost_relay_addr a;
  if (gost__udptun_addr_from_sa((const struct sockaddr *)peer, &a) != GOST_OK) return GOST_EINVAL;
  if (gost_stream_queued(d->s) > CTRL_QUEUE_MAX) return GOST_OK;
  return gost__udptun_send(d->s, &a, iov, n, NULL, NULL);
}

static void on_flow(struct gost_udpflow_listener *l, gost_stream *flow, void *user) {
  (void)l;
  struct gost_rtcp_dgram *d = user;
  struct gost_conn_info info = {.host = NULL, .udp = 1};
  gost__service_accept(d->r->svc, flow, &info);
}

static int on_dgram(void *user, const struct gost_relay_addr *a, const uint8_t *p, size_t n) {
  struct gost_rtcp_dgram *d = user;
  struct sockaddr_storage ss;
  socklen_t len;
  if (a->atyp == GOST__RELAY_ATYP_DOMAIN || gost__addr_to_sockaddr(a->host, a->port, &ss, &len) != GOST_OK)
    return 0; /* peers are IP addresses; anything else is not a peer to answer */
  gost__udpflow_input(d->flows, &ss, p, n);
  return 0;
}

static void on_read(gost_stream *s, ssize_t n, const char *data, void *user) {
  (void)s;
  struct gost_rtcp_dgram *d = user;
  if (n < 0) {
    gost__rtcp_lost(d->r, n == GOST_ECLOSED ? "bind connection closed" : gost_strerror((int)n));
    return;
  }
  if (gost__udptun_rx_feed(&d->rx, (const uint8_t *)data, (size_t)n, on_dgram, d) != GOST_OK)
    gost__rtcp_lost(d->r, "bad datagram frame from the server");
}

int gost__rtcp_dgram_start(struct gost_rtcp *r, gost_stream *s) {
  struct gost_rtcp_dgram *d = gost__calloc(r->ctx, 1, sizeof *d);
  if (!d) {
    gost_stream_close(s);
    return gost__error(GOST_ENOMEM, "rudp: out of memory");
  }
  d->r = r;
  d->s = s;
  gost__udptun_rx_init(&d->rx, r->ctx);
  struct gost_udpflow_opts o;
  memset(&o, 0, sizeof o);
  o.keepalive = 1;
  int64_t ttl = gost__meta_duration_ms(r->svc->listener_meta, "ttl", 0);
  o.ttl_ms = ttl > 0 ? (uint64_t)ttl : 0;
  int rc = gost__udpflow_virtual(&d->flows, r->ctx, &o, send_frame, d, on_flow, d);
  if (rc != GOST_OK) {
    gost_stream_close(s);
    gost__free(r->ctx, d);
    return rc;
  }
  r->dgram = d;
  gost_stream_set_read_cb(s, on_read, d);
  gost_stream_read_start(s);
  return GOST_OK;
}

void gost__rtcp_dgram_stop(struct gost_rtcp_dgram *d) {
  if (!d) return;
  gost__udpflow_close(d->flows);
  gost_stream_close(d->s);
  gost__udptun_rx_free(&d->rx);
  gost__free(d->r->ctx, d);
}
