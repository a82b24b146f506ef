/* Dropped datagrams: each one counted in the ctx budget (udp_dgrams_dropped, exported by the
 * metrics endpoint), and one log line when an episode of drops starts and one when it ends
 * (the next datagram that goes through), so a flood of drops costs two lines, not one each. */
#ifndef GOST_IO_DGRAMDROP_H
#define GOST_IO_DGRAMDROP_H

#include <stdint.h>
#include <sys/socket.h>

#include "core/ctx_int.h"

struct gost_dgram_drops {
  uint64_t n;      /* dropped in the current episode (0: none going on) */
  const char *why; /* what the current episode is about */
};

/* count datagrams were dropped for why (a static string); who names the socket or flow. */
void gost__dgram_drop(gost_ctx_t *ctx, struct gost_dgram_drops *d, const char *why,
                      const struct sockaddr *who, uint64_t count);
/* Ends the episode going on (logs its count); call through gost__dgram_pass. */
void gost__dgram_drops_end(gost_ctx_t *ctx, struct gost_dgram_drops *d, const struct sockaddr *who);
/* A datagram went through: ends an episode, if one is going on. */
static inline void gost__dgram_pass(gost_ctx_t *ctx, struct gost_dgram_drops *d,
                                    const struct sockaddr *who) {
  if (d->n) gost__dgram_drops_end(ctx, d, who);
}

#endif
