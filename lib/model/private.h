/* A listener that is not a configured service: the ordinary "tcp" listener run on a private
 * service object whose handler is the caller's (tunnel entrypoints, the web API, metrics), so
 * accepting and socket streams stay in one place. */
#ifndef GOST_SERVICE_PRIVATE_H
#define GOST_SERVICE_PRIVATE_H

#include "model/service.h"

/* Binds addr and delivers each accepted stream to h->handle(l, s, info) with
 * l->handler_state == state. l is the caller's storage (zeroed here). */
int gost__private_listen(struct gost_service *l, gost_ctx_t *ctx, const char *name, const char *addr,
                         const struct gost_handler_ops *h, void *state);
void gost__private_close(struct gost_service *l);

#endif
