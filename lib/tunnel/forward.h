/* Asynchronous tunnel open across the cluster (forward.c). */
#ifndef GOST_TUNNEL_FORWARD_H
#define GOST_TUNNEL_FORWARD_H

#include "tunnel/server.h"

struct gost_tunnel_opening;
/* status GOST_OK with the stream (header already written, as gost__tunnel_open), else NULL. */
typedef void (*gost_tunnel_open_cb)(int status, gost_stream *s, void *user);

/* GOST_OK: *out is a local tunnel stream. GOST_EAGAIN: no local connector, a forward through
 * another node is under way (*pending; cb fires later, never inside this call). Any other
 * code: failure with the last error set (no cluster, or the local open failed otherwise). */
int gost__tunnel_open_any(struct gost_tunnel_server *srv, const uint8_t id[16], int udp, const char *src,
                          const char *dst, gost_stream **out, struct gost_tunnel_opening **pending,
                          gost_tunnel_open_cb cb, void *user);
/* cb will not fire. NULL-safe. */
void gost__tunnel_opening_cancel(struct gost_tunnel_opening *o);

#endif
