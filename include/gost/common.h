/* libgost: export macro, handle typedefs and the libev tag. */
#ifndef GOST_COMMON_H
#define GOST_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(GOST_STATIC)
#define GOST_EXTERN
#elif defined(BUILDING_GOST)
#define GOST_EXTERN __attribute__((visibility("default")))
#else
#define GOST_EXTERN
#endif

#define GOST_DEPRECATED __attribute__((deprecated))

#ifdef __cplusplus
extern "C" {
#endif

struct ev_loop; /* libev's own tag: callers need not include ev.h */

typedef struct gost_ctx gost_ctx_t;
typedef struct gost_service gost_service_t;
typedef struct gost_chain gost_chain_t;
typedef struct gost_ingress gost_ingress_t;
typedef struct gost_tunnel gost_tunnel_t;

#ifdef __cplusplus
}
#endif
#endif /* GOST_COMMON_H */
