/* Helpers shared by the api layer (service, chain, ingress, auther) and the config loader. */
#ifndef GOST_API_API_INT_H
#define GOST_API_API_INT_H

#include <jansson.h>

#include "model/service.h"

/* Names: non-empty, printable, at most 255 bytes. */
int gost__name_valid(const char *name);

/* Credentials lists (lib/api/auther.c). add appends copies; clear frees them all. */
int gost__auths_add(gost_ctx_t *ctx, struct gost_auth **auths, size_t *n, const char *user,
                    const char *pass);
void gost__auths_clear(gost_ctx_t *ctx, struct gost_auth **auths, size_t *n);

/* Nodes (lib/api/node.c). */
struct gost_node *gost__node_new(gost_ctx_t *ctx, const char *name, const char *addr);
void gost__node_free(gost_ctx_t *ctx, struct gost_node *node);
/* Forwarder host filter as GOST's config parser stores it: "*.a.com" and "*a.com" -> ".a.com". */
char *gost__filter_host_norm(gost_ctx_t *ctx, const char *filter);
/* scope "connector", "dialer", "node" or NULL (all three). GOST_EINVAL for another scope. */
int gost__node_set_meta(struct gost_node *node, const char *scope, const char *key, json_t *value);
int gost__node_set_auth(gost_ctx_t *ctx, struct gost_node *node, const char *user, const char *pass);

/* JSON text of a metadata value -> new reference; NULL with GOST_EINVAL set if not JSON. */
json_t *gost__meta_json_parse(const char *json);
/* Metadata with a JSON value (reference stolen); scope as gost_service_set_meta. */
int gost__service_set_meta_json(gost_service_t *svc, const char *scope, const char *key,
                                json_t *value);

/* An ingress over any rule source (ingress/source.h); the ingress owns backend from here on,
 * except on failure. gost_ingress_new is this with the memory source. */
struct gost_ingress_ops;
int gost__ingress_new_with(gost_ingress_t **out, gost_ctx_t *ctx, const char *name,
                           const struct gost_ingress_ops *ops, void *backend);

/* Chain references held by services; unref frees at zero. destroy ignores references. */
void gost__chain_ref(gost_chain_t *chain);
void gost__chain_unref(gost_chain_t *chain);
void gost__chain_destroy(gost_chain_t *chain);

/* Drops the service's references on its limiters (lib/api/limiter.c). */
void gost__service_limiters_clear(gost_service_t *svc);

/* gost_ctx_start's body: starts every stopped service, then also(ctx) (may be NULL); on any
 * failure the services this call started are stopped again. */
int gost__ctx_start_services(gost_ctx_t *ctx, int (*also)(gost_ctx_t *ctx));

#endif
