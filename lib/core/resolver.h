/* Asynchronous name resolution on the context's loop. */
#ifndef GOST_CORE_RESOLVER_H
#define GOST_CORE_RESOLVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/ctx_int.h"

#define GOST_RESOLVE_MAX 8 /* addresses kept per answer */

struct gost_resolve; /* one request */

/* status 0: n >= 1 addresses (port filled in). Otherwise a GOST_E* code and n == 0. */
typedef void (*gost_resolve_cb)(gost_ctx_t *ctx, int status, const struct sockaddr_storage *addrs,
                                size_t n, void *user);

/* Resolves host (a name or numeric IP, no brackets) for port. cb always fires later from the
 * loop, never inside this call, unless the request is cancelled. NULL + last error on failure. */
struct gost_resolve *gost__resolve(gost_ctx_t *ctx, const char *host, uint16_t port,
                                   gost_resolve_cb cb, void *user);
/* cb will not fire. Safe until cb has fired. */
void gost__resolve_cancel(struct gost_resolve *r);
/* Frees the ctx's resolver; pending requests are dropped silently. */
void gost__resolver_free(struct gost_resolver *r);

#endif
