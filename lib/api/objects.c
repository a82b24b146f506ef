/* Lookups of context objects by name (their teardown: gost_ctx_child in core/ctx_int.h). */
#include <string.h>

#include "api/api_int.h"
#include "core/error.h"
#include "ingress/ingress.h"

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
