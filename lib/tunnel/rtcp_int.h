/* Private to lib/tunnel/rtcp*.c. */
#ifndef GOST_TUNNEL_RTCP_INT_H
#define GOST_TUNNEL_RTCP_INT_H

#include "connector/bind.h"
#include "core/ctx_int.h"
#include "mux/session.h"
#include "tunnel/rtcp.h"

struct gost_dial;

struct gost_rtcp {
  gost_service_t *svc;
  gost_ctx_t *ctx;
  int udp;
  int state;
  struct gost_chain head;  /* the service chain without its last hop (shallow copy) */
  struct gost_node *node;  /* tunnel server node of the current attempt */
  struct gost_dial *dial;  /* phase 1: reaching the node */
  int wrapping;            /* phase 2: dialer wrap in flight (it has no cancel) */
  int stopped;             /* stop() ran while wrapping: free when the wrap completes */
  struct gost_bind_op *op; /* phase 3: BIND */
  struct gost_mux_session *mux; /* phase 4: registered */
  ev_timer retry;          /* back-off and the deferred first attempt */
  ev_timer deadline;       /* connectTimeout over dial + wrap */
  unsigned failures;       /* failed attempts since the last registration */
  uint64_t seq;            /* attempt counter, to ignore stale callbacks */
  char endpoint[GOST__RELAY_HOST_MAX + 1];
  gost_rtcp_state_fn obs;
  void *obs_user;
  struct gost_list hdr_reads; /* streams whose header is being read */
  uint64_t header_timeout_ms;
  int hdr;                     /* per-stream header of this registration: GOST__BIND_HDR_* */
  struct gost_rtcp_dgram *dgram; /* phase 4 instead of mux: rudp over relay/SOCKS5 */
};

/* rtcp_dgram.c: rudp over a relay/SOCKS5 bind, datagrams of every peer in framing (B) on s
 * (taken over). Each peer becomes a flow handed to the service's handler. */
struct gost_rtcp_dgram;
int gost__rtcp_dgram_start(struct gost_rtcp *r, gost_stream *s);
/* Ends the flows and the stream; no callback. NULL-safe. */
void gost__rtcp_dgram_stop(struct gost_rtcp_dgram *d);
/* rtcp.c: the registration was lost (reason for the logs). */
void gost__rtcp_lost(struct gost_rtcp *r, const char *why);

/* Accepted smux stream: read the header, then hand to the service's handler. */
void gost__rtcp_on_stream(struct gost_mux_session *m, gost_stream *s, void *user);
/* Cancels all header reads (session lost or listener stopped). */
void gost__rtcp_cancel_headers(struct gost_rtcp *r);

#endif
