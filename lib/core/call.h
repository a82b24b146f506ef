/* The gost_ctx_call queue's lifetime, tied to the context's. */
#ifndef GOST_CORE_CALL_H
#define GOST_CORE_CALL_H

#include "gost/control.h"

int gost__calls_init(gost_ctx_t *ctx);
void gost__calls_free(gost_ctx_t *ctx);

#endif
