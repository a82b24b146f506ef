/* The shared recvmmsg arena (see dgramrx.h). */
#include "io/dgramrx.h"

#include <errno.h>
#include <string.h>

#include "core/error.h"

struct gost_dgram_rx {
  int busy; /* a batch is being delivered: a nested read must not overwrite it */
  struct mmsghdr msgs[GOST_DGRAM_RX_BATCH];
  struct iovec iov[GOST_DGRAM_RX_BATCH];
  struct sockaddr_storage from[GOST_DGRAM_RX_BATCH];
  char data[]; /* GOST_DGRAM_RX_BATCH slots of GOST_DGRAM_RX_SLOT bytes */
};

int gost__dgram_rx_read(gost_ctx_t *ctx, int fd, size_t maxlen, struct gost_dgram_rx **out, int *err) {
  struct gost_dgram_rx *rx = ctx->dgram_rx;
  *err = 0;
  if (!rx) {
    rx = gost__malloc(ctx, sizeof *rx + (size_t)GOST_DGRAM_RX_BATCH * GOST_DGRAM_RX_SLOT);
    if (!rx) return -1;
    rx->busy = 0;
    ctx->dgram_rx = rx;
  }
  if (rx->busy) return -1;
  if (maxlen > GOST_DGRAM_RX_SLOT) maxlen = GOST_DGRAM_RX_SLOT;
  for (int i = 0; i < GOST_DGRAM_RX_BATCH; i++) {
    rx->iov[i].iov_base = rx->data + (size_t)i * GOST_DGRAM_RX_SLOT;
    rx->iov[i].iov_len = maxlen;
    struct msghdr *h = &rx->msgs[i].msg_hdr;
    memset(h, 0, sizeof *h);
    h->msg_name = &rx->from[i];
    h->msg_namelen = sizeof rx->from[i];
    h->msg_iov = &rx->iov[i];
    h->msg_iovlen = 1;
  }
  int n;
  do n = recvmmsg(fd, rx->msgs, GOST_DGRAM_RX_BATCH, MSG_DONTWAIT, NULL);
  while (n < 0 && errno == EINTR);
  if (n <= 0) {
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) *err = errno;
    return 0;
  }
  rx->busy = 1;
  *out = rx;
  return n;
}

const char *gost__dgram_rx_get(const struct gost_dgram_rx *rx, int i, size_t *len,
                               const struct sockaddr_storage **from) {
  *len = rx->msgs[i].msg_len;
  if (from) *from = &rx->from[i];
  return rx->data + (size_t)i * GOST_DGRAM_RX_SLOT;
}

void gost__dgram_rx_done(struct gost_dgram_rx *rx) { rx->busy = 0; }
