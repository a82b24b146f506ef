/* Framing (B) over a stream (see udptun.h). */
#include "io/udptun.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "core/ctx_int.h"
#include "core/error.h"

#define FRAME_MAX (GOST__UDPTUN_HDR_MAX + GOST__UDPFRAME_MAX)

void gost__udptun_rx_init(struct gost_udptun_rx *rx, gost_ctx_t *ctx) {
  rx->ctx = ctx;
  rx->buf = NULL;
  rx->len = 0;
}

void gost__udptun_rx_free(struct gost_udptun_rx *rx) {
  gost__free(rx->ctx, rx->buf);
  rx->buf = NULL;
  rx->len = 0;
}

/* Decodes frames at the start of p; *used = bytes of whole frames. 1 when fn asked to stop. */
static int drain(const uint8_t *p, size_t n, size_t *used, gost_udptun_dgram_fn fn, void *user,
                 int *err) {
  size_t off = 0;
  *err = GOST_OK;
  while (off < n) {
    struct gost_relay_addr a;
    const uint8_t *pl;
    size_t plen, c;
    int rc = gost__udpframe_socks_decode(p + off, n - off, &a, &pl, &plen, &c);
    if (rc == GOST_EAGAIN) break;
    if (rc != GOST_OK) {
      *err = GOST_EPROTO;
      break;
    }
    off += c;
    if (plen && fn(user, &a, pl, plen)) {
      *used = off;
      return 1;
    }
  }
  *used = off;
  return 0;
}

int gost__udptun_rx_feed(struct gost_udptun_rx *rx, const uint8_t *data, size_t n,
                         gost_udptun_dgram_fn fn, void *user) {
  int err;
  size_t used;
  while (n > 0) {
    if (rx->len == 0) { /* fast path: frames whole in this read */
      if (drain(data, n, &used, fn, user, &err)) return GOST_OK;
      if (err) return err;
      data += used;
      n -= used;
      if (n == 0) break;
    }
    if (!rx->buf && !(rx->buf = gost__malloc(rx->ctx, FRAME_MAX))) return GOST_ENOMEM;
    /* take just enough for the frame being assembled; a frame never exceeds FRAME_MAX */
    size_t take = FRAME_MAX - rx->len < n ? FRAME_MAX - rx->len : n;
    memcpy(rx->buf + rx->len, data, take);
    rx->len += take;
    data += take;
    n -= take;
    if (drain(rx->buf, rx->len, &used, fn, user, &err)) return GOST_OK; /* rx may be gone */
    if (err) return err;
    if (used == 0 && rx->len == FRAME_MAX) return GOST_EPROTO;
    if (used) { /* keep the start of the next frame (nothing to move while one is incomplete) */
      memmove(rx->buf, rx->buf + used, rx->len - used);
      rx->len -= used;
    }
  }
  return GOST_OK;
}

int gost__udptun_hdr(const struct gost_relay_addr *addr, size_t total, uint8_t *hdr) {
  if (total > GOST__UDPFRAME_MAX) return gost__error(GOST_EINVAL, "udp: datagram of %zu bytes", total);
  int n = gost__relay_addr_encode(addr, hdr + 3, GOST__UDPTUN_HDR_MAX - 3);
  if (n < 0) return n;
  hdr[0] = (uint8_t)(total >> 8);
  hdr[1] = (uint8_t)total;
  hdr[2] = GOST__UDPFRAME_SOCKS_FRAG;
  return 3 + n;
}

int gost__udptun_send(gost_stream *s, const struct gost_relay_addr *addr, const struct iovec *iov,
                      int iovcnt, gost_stream_write_cb cb, void *user) {
  enum { MAX_IOV = 16 };
  if (iovcnt < 0 || iovcnt >= MAX_IOV) return gost__error(GOST_EINVAL, "udp: too many iovecs");
  size_t total = 0;
  for (int i = 0; i < iovcnt; i++) total += iov[i].iov_len;
  if (total == 0) return GOST_OK;
  uint8_t hdr[GOST__UDPTUN_HDR_MAX];
  int n = gost__udptun_hdr(addr, total, hdr);
  if (n < 0) return n;
  struct iovec v[MAX_IOV];
  v[0].iov_base = hdr;
  v[0].iov_len = (size_t)n;
  for (int i = 0; i < iovcnt; i++) v[i + 1] = iov[i];
  return gost_stream_write(s, v, iovcnt + 1, cb, user);
}

int gost__udptun_addr_from_sa(const struct sockaddr *sa, struct gost_relay_addr *out) {
  memset(out, 0, sizeof *out);
  const void *ip;
  if (sa->sa_family == AF_INET) {
    out->atyp = GOST__RELAY_ATYP_IPV4;
    out->port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
    ip = &((const struct sockaddr_in *)sa)->sin_addr;
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
    out->port = ntohs(v6->sin6_port);
    ip = &v6->sin6_addr;
    out->atyp = GOST__RELAY_ATYP_IPV6;
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) { /* a dual-stack socket's IPv4 peer */
      out->atyp = GOST__RELAY_ATYP_IPV4;
      ip = &v6->sin6_addr.s6_addr[12];
    }
  } else {
    return GOST_EINVAL;
  }
  int af = out->atyp == GOST__RELAY_ATYP_IPV4 ? AF_INET : AF_INET6;
  if (!inet_ntop(af, ip, out->host, sizeof out->host)) return GOST_EINVAL;
  out->host_len = strlen(out->host);
  return GOST_OK;
}

int gost__udptun_send_sa(gost_stream *s, const struct sockaddr *sa, const void *p, size_t n) {
  struct gost_relay_addr a;
  if (gost__udptun_addr_from_sa(sa, &a) != GOST_OK) return GOST_EINVAL;
  struct iovec v = {(void *)p, n};
  return gost__udptun_send(s, &a, &v, 1, NULL, NULL);
}
