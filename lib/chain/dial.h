/* Dialing a target through a chain (or directly when chain is NULL). */
#ifndef GOST_CHAIN_DIAL_H
#define GOST_CHAIN_DIAL_H

#include "model/service.h"

struct gost_dial; /* an in-flight dial */

/* Connects to addr ("host:port") over network "tcp" or "udp" through every hop of chain:
 * TCP to the first hop's node, its dialer's wrap, its connector's connect to the next hop's
 * node address, ... and the last connector to addr. cb fires exactly once (never from inside
 * this call) unless the dial is cancelled. Returns NULL and sets the last error on immediate
 * failure. */
struct gost_dial *gost__chain_dial(gost_ctx_t *ctx, gost_chain_t *chain, const char *network,
                                   const char *addr, const struct gost_conn_info *info,
                                   gost_stream_ready_cb cb, void *user);
/* Cancels an in-flight dial: cb will not fire; partial streams are closed. */
void gost__dial_cancel(struct gost_dial *d);

#endif
