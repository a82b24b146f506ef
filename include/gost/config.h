/* Building a context from GOST configuration: JSON, YAML and command-line URLs. */
#ifndef GOST_CONFIG_H
#define GOST_CONFIG_H

#include <gost/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Loads a GOST config document (services, chains, ingresses, authers, log) into ctx. Nothing is
 * created if the document is invalid; gost_last_error() names the path and cause, e.g.
 * `services[0].handler.type: unknown handler "foo"`. Services are not started. */
GOST_EXTERN int gost_ctx_load_json(gost_ctx_t *ctx, const char *json, size_t len);
/* YAML or JSON, decided by content. GOST_EUNSUPPORTED for YAML in a build without libyaml. */
GOST_EXTERN int gost_ctx_load_yaml(gost_ctx_t *ctx, const char *text, size_t len);
GOST_EXTERN int gost_ctx_load_file(gost_ctx_t *ctx, const char *path);
/* GOST command-line URLs: nl service URLs (-L) and nf chain node URLs (-F, one hop each). */
GOST_EXTERN int gost_ctx_load_urls(gost_ctx_t *ctx, const char *const *services, size_t nl,
                                   const char *const *nodes, size_t nf);
/* Writes the config tree that the URLs produce, as JSON, into buf (snprintf semantics on *len). */
GOST_EXTERN int gost_urls_to_json(const char *const *services, size_t nl, const char *const *nodes,
                                  size_t nf, char *buf, size_t *len);

#ifdef __cplusplus
}
#endif
#endif /* GOST_CONFIG_H */
