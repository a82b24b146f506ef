/* Multiplexed visitor sessions, server side (vmux_serve.c; docs/tunnel.md). */
#ifndef GOST_TUNNEL_VMUX_H
#define GOST_TUNNEL_VMUX_H

#include "tunnel/server.h"

struct gost_hs;
/* A CONNECT naming gost__relay_vmux_id passed authentication: confirm it and run the session
 * (or refuse it when tunnel.mux=false). Takes over h. */
void gost__hs_vmux(struct gost_hs *h);
/* Service stop: closes every accepted session (their streams end with an error). */
void gost__vmux_sessions_close(struct gost_tunnel_server *srv);

#endif
