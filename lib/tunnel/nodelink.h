/* Node-to-node links of cluster mode (docs/cluster.md "Node-to-node links"): one reused smux
 * session per peer node, a relay CONNECT per forwarded request, served by the peer from its
 * local pool only (at most one forward). */
#ifndef GOST_TUNNEL_NODELINK_H
#define GOST_TUNNEL_NODELINK_H

#include "tunnel/cluster.h"

#define GOST_NODELINK_WAITERS_MAX 1024  /* requests waiting for one link to come up */
#define GOST_NODELINK_TIMEOUT_MS 5000   /* link handshake and per-request answer */

/* The reserved tunnel ID that opens a node link instead of reaching a tunnel. */
extern const uint8_t gost__nodelink_id[16];

struct gost_nodelink_req;
/* status GOST_OK: s carries the tunnel stream (the peer wrote the client's stream header).
 * Otherwise s is NULL. Fires once, never inside gost__nodelink_open, unless cancelled. */
typedef void (*gost_nodelink_cb)(int status, gost_stream *s, void *user);

struct gost_nodelink_req *gost__nodelink_open(struct gost_tunnel_cluster *cl, const char *addr,
                                              const struct gost_tunnel_target *t, gost_nodelink_cb cb,
                                              void *user);
void gost__nodelink_cancel(struct gost_nodelink_req *q);
/* Cluster stop: closes every outgoing and accepted link. */
void gost__nodelinks_close(struct gost_tunnel_cluster *cl);
void gost__nodelinks_close_accepted(struct gost_tunnel_cluster *cl);

/* Peer side (nodelink_serve.c): a relay CONNECT with the node-link ID arrived on the tunnel
 * port; checks node.secret, answers OK and serves forwarded requests on the session. */
struct gost_hs;
void gost__hs_nodelink(struct gost_hs *h);

#endif
