/* Plain relay BIND (handler "relay" with bind=true), see relay_bind.c. */
#ifndef GOST_HANDLER_RELAY_BIND_H
#define GOST_HANDLER_RELAY_BIND_H

#include "tunnel/handshake.h"

/* h->msg is a parsed, authorised BIND without a Tunnel feature; takes over h. */
void gost__relay_plain_bind(struct gost_hs *h);

#endif
