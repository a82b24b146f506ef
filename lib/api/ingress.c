/* Public gost_ingress_t API over lib/ingress. */
#include <stdlib.h>
#include <string.h>

#include "codec/uuid.h"
#include "api/api_int.h"
#include "core/error.h"
#include "ingress/ingress.h"

/* At ctx teardown every service is gone, so references no longer matter. */
static void ingress_destroy(struct gost_ctx_child *c) {
  gost__ingress_destroy(gost_container_of(c, struct gost_ingress, child));
}

int gost__ingress_new_with(gost_ingress_t **out, gost_ctx_t *ctx, const char *name,
                           const struct gost_ingress_ops *ops, void *backend) {
  if (!out) return gost__error(GOST_EINVAL, "out is NULL");
  *out = NULL;
  if (!ctx || !ops || !backend) return gost__error(GOST_EINVAL, "ctx or rule source is NULL");
  if (name && !gost__name_valid(name)) return gost__error(GOST_EINVAL, "invalid ingress name");
  if (name && gost_ctx_ingress(ctx, name))
    return gost__error(GOST_EEXIST, "ingress \"%s\" already exists", name);
  struct gost_ingress *ing = gost__calloc(ctx, 1, sizeof *ing);
  if (!ing) return gost__error(GOST_ENOMEM, "out of memory");
  ing->ctx = ctx;
  ing->refs = 1;
  if (name && !(ing->name = gost__strdup(ctx, name))) {
    gost__free(ctx, ing);
    return gost__error(GOST_ENOMEM, "out of memory");
  }
  ing->ops = ops;
  ing->backend = backend; /* owned from here on, also on failure below (none) */
  gost_list_insert_tail(&ctx->ingresses, &ing->link);
  gost__ctx_child_init(&ing->child, ingress_destroy, NULL);
  gost__ctx_adopt(ctx, &ing->child, GOST__RANK_INGRESS);
  *out = ing;
  return GOST_OK;
}

int gost_ingress_new(gost_ingress_t **out, gost_ctx_t *ctx, const char *name) {
  if (!ctx) return gost__error(GOST_EINVAL, "ctx is NULL");
  void *mem = gost__ingress_memory_new(ctx);
  if (!mem) return gost__error(GOST_ENOMEM, "out of memory");
  int rc = gost__ingress_new_with(out, ctx, name, &gost__ingress_memory_ops, mem);
  if (rc != GOST_OK) gost__ingress_memory_ops.free(mem);
  return rc;
}

int gost_ingress_set_rule(gost_ingress_t *ing, const char *hostname, const char *endpoint) {
  char host[GOST__INGRESS_HOST_MAX + 1];
  uint8_t id[GOST__INGRESS_ID_LEN];
  if (!ing || !endpoint) return gost__error(GOST_EINVAL, "ingress or endpoint is NULL");
  if (gost__ingress_host_norm(hostname, host, sizeof host) < 0)
    return gost__error(GOST_EINVAL, "invalid ingress hostname \"%s\"", hostname ? hostname : "");
  int priv = endpoint[0] == '$';
  if (gost__uuid_parse(endpoint + priv, strlen(endpoint + priv), id) != GOST_OK)
    return gost__error(GOST_EINVAL, "invalid tunnel ID \"%s\"", endpoint);
  if (!ing->ops->set_rule) return gost__error(GOST_EUNSUPPORTED, "ingress source %s is read-only", ing->ops->name);
  int rc = ing->ops->set_rule(ing->backend, host, id, priv);
  return rc ? gost__error(rc, "ingress rule \"%s\"", host) : GOST_OK;
}

int gost_ingress_remove_rule(gost_ingress_t *ing, const char *hostname) {
  char host[GOST__INGRESS_HOST_MAX + 1];
  if (!ing) return gost__error(GOST_EINVAL, "ingress is NULL");
  if (gost__ingress_host_norm(hostname, host, sizeof host) < 0)
    return gost__error(GOST_EINVAL, "invalid ingress hostname");
  if (!ing->ops->remove_rule) return gost__error(GOST_EUNSUPPORTED, "ingress source %s is read-only", ing->ops->name);
  int rc = ing->ops->remove_rule(ing->backend, host);
  if (rc == GOST_ENOTFOUND) return gost__error(GOST_ENOTFOUND, "no rule for \"%s\"", host);
  return rc ? gost__error(rc, "ingress rule \"%s\"", host) : GOST_OK;
}

/* The public lookup answers synchronously, so it serves sources that answer at once. */
static void sync_done(struct gost_ingress_query *q, int status) { *(int *)q->user = status; }

int gost_ingress_lookup(const gost_ingress_t *ing, const char *host, char *tunnel_id,
                        size_t tunnel_id_len, int *is_private) {
  if (!ing || !host) return gost__error(GOST_EINVAL, "ingress or host is NULL");
  if (tunnel_id && tunnel_id_len < 37) return gost__error(GOST_EINVAL, "tunnel_id buffer < 37");
  struct gost_ingress_query q;
  int status = GOST_EAGAIN;
  gost__ingress_lookup(ing, &q, host, sync_done, &status);
  if (status == GOST_EAGAIN) {
    gost__ingress_cancel(&q);
    return gost__error(GOST_EUNSUPPORTED, "ingress source %s answers asynchronously", ing->ops->name);
  }
  if (status != GOST_OK) return gost__error(status, "no ingress rule for \"%s\"", host);
  if (tunnel_id) gost__uuid_format(q.tunnel_id, tunnel_id);
  if (is_private) *is_private = q.is_private;
  return GOST_OK;
}

size_t gost_ingress_rule_count(const gost_ingress_t *ing) {
  return ing && ing->ops->count ? ing->ops->count(ing->backend) : 0;
}

void gost__ingress_ref(struct gost_ingress *ing) { ing->refs++; }

void gost__ingress_destroy(struct gost_ingress *ing) {
  gost_ctx_t *ctx = ing->ctx;
  gost_list_remove(&ing->link);
  gost__ctx_disown(&ing->child);
  ing->ops->free(ing->backend);
  gost__free(ctx, ing->name);
  gost__free(ctx, ing);
}

void gost__ingress_unref(struct gost_ingress *ing) {
  if (ing && --ing->refs <= 0) gost__ingress_destroy(ing);
}

void gost_ingress_free(gost_ingress_t *ing) { gost__ingress_unref(ing); }

int gost_ingress_normalize_host(const char *hostname, char *out, size_t cap) {
  if (!hostname || !out) return gost__error(GOST_EINVAL, "hostname or out is NULL");
  int n = gost__ingress_host_norm(hostname, out, cap);
  return n < 0 ? gost__error(GOST_EINVAL, "invalid ingress hostname") : n;
}

void gost_ingress_set_data(gost_ingress_t *ing, void *data) {
  if (ing) ing->data = data;
}
void *gost_ingress_get_data(const gost_ingress_t *ing) { return ing ? ing->data : NULL; }
