/* Server side of remote port forwarding without a tunnel server (stock GOST's relay BIND and
 * SOCKS5 BIND with bind=true): a client asks this server to listen on a port for it.
 *  - TCP: the control connection becomes an smux session in which this server opens one
 *    stream per accepted connection, starting with a header naming the peer (a relay
 *    Response {OK, Addr peer} or a SOCKS5 reply {0x00, peer}), then the bytes.
 *  - UDP: datagrams of every peer travel over the control connection in framing (B)
 *    (io/udptun.h), addressed with the peer; the client's answers come back the same way. */
#ifndef GOST_HANDLER_BINDSRV_H
#define GOST_HANDLER_BINDSRV_H

#include "mux/session.h"
#include "model/service.h"

enum gost_bindsrv_hdr { GOST__BINDSRV_HDR_RELAY = 1, GOST__BINDSRV_HDR_SOCKS5 = 2 };

struct gost_bindsrv;

/* The control connection ended (the client went away, or a protocol error): the listener
 * is closed already; free with gost__bindsrv_free. Never fires inside gost__bindsrv_*. */
typedef void (*gost_bindsrv_done_fn)(struct gost_bindsrv *b, void *user);

/* Step 1: listen on addr (":2222", "127.0.0.1:0") for TCP or UDP. NULL + last error when
 * the port cannot be had: the caller answers the client with a failure. */
struct gost_bindsrv *gost__bindsrv_listen(gost_service_t *svc, const char *addr, int udp);
const struct sockaddr_storage *gost__bindsrv_local(const struct gost_bindsrv *b);

/* Step 2, once the success reply is written on ctrl: serve. Takes ownership of ctrl. rest
 * holds bytes already read after the client's request (smux frames or datagrams). mux is the
 * opener configuration (TCP only). On error ctrl is closed and done will not fire. */
int gost__bindsrv_serve(struct gost_bindsrv *b, gost_stream *ctrl, int hdr,
                        const struct gost_smux_config *mux, const void *rest, size_t nrest,
                        gost_bindsrv_done_fn done, void *user);

/* Closes everything (listener, control connection, session) without calling done; streams
 * already relaying end with an error. NULL-safe. */
void gost__bindsrv_free(struct gost_bindsrv *b);

#endif
