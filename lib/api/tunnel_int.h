/* Private glue between the ctx teardown and gost_tunnel_t. */
#ifndef GOST_API_TUNNEL_INT_H
#define GOST_API_TUNNEL_INT_H

#include "gost/common.h"

/* Frees every gost_tunnel_t still alive in ctx (call before services are freed). */
void gost__ctx_free_tunnels(gost_ctx_t *ctx);

#endif
