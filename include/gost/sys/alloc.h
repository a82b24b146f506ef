/* Extension API (stable within a minor release): a per-context allocator. */
#ifndef GOST_SYS_ALLOC_H
#define GOST_SYS_ALLOC_H

#include <gost/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void *(*gost_malloc_fn)(size_t n, void *user);
typedef void *(*gost_realloc_fn)(void *p, size_t n, void *user);
typedef void (*gost_free_fn)(void *p, void *user);

/* Like gost_ctx_new (loop == NULL: owned loop) or gost_ctx_new_with_loop, with every internal
 * allocation of the context going through these functions. All three are required. Third-party
 * libraries keep their own allocators (libgost never changes process-wide allocators). */
GOST_EXTERN int gost_ctx_new_with_allocator(gost_ctx_t **out, struct ev_loop *loop,
                                            gost_malloc_fn malloc_fn, gost_realloc_fn realloc_fn,
                                            gost_free_fn free_fn, void *user);

#ifdef __cplusplus
}
#endif
#endif /* GOST_SYS_ALLOC_H */
