/* Context-owned objects: lookups, and lifetime glue between the ctx and the api layer. */
#include <string.h>

#include "api/api_int.h"
#include "core/error.h"
#include "ingress/ingress.h"

/* The tunnel module frees its client tunnels first (they may use services' chains); weak so
 * the api layer links without it. */
void gost__ctx_free_tunnels(gost_ctx_t *ctx) __attribute__((weak));

gost_service_t *gost_ctx_service(gost_ctx_t *ctx, const char *name) {
  struct gost_list *pos;
  if (!ctx || !name) return NULL;
  gost_list_foreach(pos, &ctx->services) {
    gost_service_t *s = gost_container_of(pos, gost_service_t, link);
    if (!strcmp(s->name, name)) return s;
  }
  return NULL;
}

gost_chain_t *gost_ctx_chain(gost_ctx_t *ctx, const char *name) {
  struct gost_list *pos;
  if (!ctx || !name) return NULL;
  gost_list_foreach(pos, &ctx->chains) {
    gost_chain_t *c = gost_container_of(pos, gost_chain_t, link);
    if (!strcmp(c->name, name)) return c;
  }
  return NULL;
}

gost_ingress_t *gost_ctx_ingress(gost_ctx_t *ctx, const char *name) {
  struct gost_list *pos;
  if (!ctx || !name) return NULL;
  gost_list_foreach(pos, &ctx->ingresses) {
    gost_ingress_t *i = gost_container_of(pos, gost_ingress_t, link);
    if (i->name && !strcmp(i->name, name)) return i;
  }
  return NULL;
}

size_t gost_ctx_service_count(const gost_ctx_t *ctx) {
  size_t n = 0;
  const struct gost_list *pos;
  if (!ctx) return 0;
  gost_list_foreach(pos, &ctx->services) n++;
  return n;
}

gost_service_t *gost_ctx_service_at(gost_ctx_t *ctx, size_t i) {
  struct gost_list *pos;
  if (!ctx) return NULL;
  gost_list_foreach(pos, &ctx->services) {
    if (i-- == 0) return gost_container_of(pos, gost_service_t, link);
  }
  return NULL;
}

void gost__admin_stop(gost_ctx_t *ctx) __attribute__((weak)); /* lib/admin: API, metrics */

void gost__ctx_stop_services(gost_ctx_t *ctx) {
  struct gost_list *pos;
  if (gost__admin_stop) gost__admin_stop(ctx); /* their listeners would keep a borrowed loop alive */
  gost_list_foreach(pos, &ctx->services) gost_service_stop(gost_container_of(pos, gost_service_t, link));
}

/* Reverse creation order; services first since they hold chain and ingress references. */
void gost__ctx_free_objects(gost_ctx_t *ctx) {
  if (gost__ctx_free_tunnels) gost__ctx_free_tunnels(ctx);
  while (!gost_list_empty(&ctx->services))
    gost_service_free(gost_container_of(ctx->services.prev, gost_service_t, link));
  while (!gost_list_empty(&ctx->chains))
    gost__chain_destroy(gost_container_of(ctx->chains.prev, gost_chain_t, link));
  while (!gost_list_empty(&ctx->ingresses))
    gost__ingress_destroy(gost_container_of(ctx->ingresses.prev, gost_ingress_t, link));
}
