/* A UDP listening socket that turns source addresses into flows. Each flow is a datagram
 * stream: reads are the datagrams from that source, writes go back to it (sendto on the
 * listening socket). */
#ifndef GOST_IO_UDPFLOW_H
#define GOST_IO_UDPFLOW_H

#include "core/ctx_int.h"
#include "io/stream.h"

#define GOST_UDPFLOW_TTL_MS 5000
#define GOST_UDPFLOW_READ_BUFFER 65535
#define GOST_UDPFLOW_QUEUE 128
#define GOST_UDPFLOW_MAX_FLOWS 4096
/* UDP socket buffers asked for (the kernel caps them at net.core.rmem_max / wmem_max): the
 * default 208 KiB holds ~150 datagrams of 1400 bytes, under 2 ms at 1 Gbit/s, so one
 * scheduling delay of the relay dropped datagrams. Memory is used only while datagrams wait. */
#define GOST_UDP_SOCKBUF (4 * 1024 * 1024)

struct gost_udpflow_opts {
  size_t read_buffer_size; /* largest datagram read; longer ones are truncated (0: default) */
  int keepalive;           /* 0: a flow ends right after its first reply datagram */
  uint64_t ttl_ms;         /* idle check period: idle flows end after 1-2 periods (0: default) */
  size_t queue_len;        /* datagrams held per flow until its reader starts (0: default) */
  size_t max_flows;        /* datagrams from new sources are dropped beyond (0: default) */
};

struct gost_udpflow_listener;

/* A new flow: the callee owns it (close it when done). A flow that ends (ttl, first reply,
 * listener closed) delivers GOST_ECLOSED to its reader. */
typedef void (*gost_udpflow_accept_cb)(struct gost_udpflow_listener *l, gost_stream *flow,
                                       void *user);

int gost__udpflow_listen(struct gost_udpflow_listener **out, gost_ctx_t *ctx,
                         const struct sockaddr *addr, const struct gost_udpflow_opts *opts,
                         gost_udpflow_accept_cb cb, void *user);
/* Asks for GOST_UDP_SOCKBUF receive and send buffers on a UDP socket (best effort). */
void gost__udp_socket_buffers(int fd);
/* A listener without a socket: datagrams come in through gost__udpflow_input and flows
 * writes go out through send (one datagram, to peer). Remote forwarding of UDP over a
 * relay/SOCKS5 connection uses it, where one stream carries every peer's datagrams. */
typedef int (*gost_udpflow_send_fn)(void *user, const struct sockaddr_storage *peer,
                                    const struct iovec *iov, int iovcnt);
int gost__udpflow_virtual(struct gost_udpflow_listener **out, gost_ctx_t *ctx,
                          const struct gost_udpflow_opts *opts, gost_udpflow_send_fn send,
                          void *send_user, gost_udpflow_accept_cb cb, void *user);
/* One datagram from peer (virtual listeners only). */
void gost__udpflow_input(struct gost_udpflow_listener *l, const struct sockaddr_storage *from,
                         const void *data, size_t n);
/* Bound local address of the listening socket. */
const struct sockaddr_storage *gost__udpflow_local(const struct gost_udpflow_listener *l);
/* Live flows (the count udp.maxFlows bounds), valid while l is open. */
const size_t *gost__udpflow_nflows(const struct gost_udpflow_listener *l);
size_t gost__udpflow_count(const struct gost_udpflow_listener *l);
/* Stops receiving and ends every flow (they get GOST_ECLOSED); memory goes once the last
 * flow is closed by its owner. */
void gost__udpflow_close(struct gost_udpflow_listener *l);

#endif
