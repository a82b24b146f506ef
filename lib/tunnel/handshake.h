/* One relay request being read and answered (tunnel port, or the entrypoint's relay path). */
#ifndef GOST_TUNNEL_HANDSHAKE_H
#define GOST_TUNNEL_HANDSHAKE_H

#include <ev.h>

#include "tunnel/server.h"

struct gost_dial; /* chain/dial.h: only commands.c dials */

/* Legitimate requests are well under 1 KiB (auth 2 + 255 + 255, two addresses of at most 262,
 * a tunnel ID of 20, a network of 1, the 4-byte header: 1058 bytes); longer ones are dropped.
 * Behind a request there may be one read of early data (a socket read is at most 64 KiB). The
 * buffer grows to what has arrived, so an idle connection holds none (docs/limits.md). */
#define GOST_HS_REQ_MAX 4096
#define GOST_HS_MAX (GOST_HS_REQ_MAX + 64 * 1024)
#define GOST_HS_DEFAULT_MAX 1024 /* handshake.max: relay requests being read at once */

struct gost_hs {
  struct gost_tunnel_pending p; /* on srv->conns */
  struct gost_tunnel_server *srv;
  gost_stream *s;
  ev_timer timer;
  int from_ep;
  int in_mux; /* a stream of a multiplexed visitor session (tunnel CONNECT only) */
  const struct gost_ingress *ing;
  struct gost_dial *dial; /* plain relay CONNECT in progress */
  struct gost_tunnel_opening *opening; /* tunnel CONNECT served by another node (cluster mode) */
  struct gost_ingress_query route; /* ingress lookup in progress (BIND name, visitor CONNECT) */
  struct gost_auth_query auth;     /* credentials check in progress */
  uint8_t cid[16];                 /* BIND: the connector ID handed out */
  struct gost_relay_msg msg;
  size_t len, used; /* bytes in buf; bytes of the request (rest belongs to the peer's data) */
  uint8_t *buf;      /* exactly len bytes (NULL until the first byte arrives) */
};

/* handler/tunnel.c */
void gost__hs_free(struct gost_hs *h, int close_stream);
/* Writes a bare Response with status, then closes the stream; frees h. */
void gost__hs_refuse(struct gost_hs *h, int status, const char *why);

/* Takes h's stream (read stopped) and frees h. */
gost_stream *gost__hs_take_stream(struct gost_hs *h);

/* tunnel/commands.c: h->msg is parsed and authorised; each takes over h. */
void gost__hs_bind(struct gost_hs *h);
void gost__hs_connect(struct gost_hs *h);
void gost__hs_plain_connect(struct gost_hs *h);

#endif
