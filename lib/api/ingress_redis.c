/* gost_ingress_load_redis: an ingress whose rules follow a Redis hash or set (stock GOST's
 * redis ingress, plus change notifications: docs/cluster.md). Rules from Redis are applied
 * through the ordinary set/remove calls; rules set otherwise are left alone unless Redis names
 * the same host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "cluster/mirror.h"
#include "core/error.h"
#include "core/log.h"
#include "gost/cluster.h"
#include "ingress/ingress.h"

struct gost_ingress_loader {
  struct gost_ctx_child child; /* rank GOST__RANK_LOADER: goes before the ingresses */
  gost_ctx_t *ctx;
  struct gost_ingress *ing;
  struct gost_redis_mirror *mirror;
  char **hosts; /* normalised hosts applied by the last read, sorted */
  size_t nhosts;
};

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void hosts_free(gost_ctx_t *ctx, char **h, size_t n) {
  for (size_t i = 0; i < n; i++) gost__free(ctx, h[i]);
  gost__free(ctx, h);
}

static void apply(void *user, const char *const *fields, const char *const *values, size_t n) {
  struct gost_ingress_loader *l = user;
  gost_ctx_t *ctx = l->ctx;
  char **now = gost__calloc(ctx, n ? n : 1, sizeof *now);
  size_t k = 0, bad = 0;
  if (!now) return;
  for (size_t i = 0; i < n; i++) {
    char norm[GOST__INGRESS_HOST_MAX + 1];
    if (gost__ingress_host_norm(fields[i], norm, sizeof norm) < 0 ||
        gost_ingress_set_rule(l->ing, fields[i], values[i]) != GOST_OK) {
      bad++; /* stock drops invalid rules too */
      continue;
    }
    if (!(now[k] = gost__strdup(ctx, norm))) break;
    k++;
  }
  qsort(now, k, sizeof *now, cmp_str);
  size_t removed = 0;
  for (size_t i = 0; i < l->nhosts; i++)
    if (!bsearch(&l->hosts[i], now, k, sizeof *now, cmp_str) && gost_ingress_remove_rule(l->ing, l->hosts[i]) == GOST_OK)
      removed++;
  hosts_free(ctx, l->hosts, l->nhosts);
  l->hosts = now;
  l->nhosts = k;
  GOST_DEBUG(ctx, "ingress %s: %zu rules from redis (%zu invalid dropped, %zu removed)",
             l->ing->name ? l->ing->name : "", k, bad, removed);
}

static void loader_destroy(struct gost_ctx_child *c) {
  struct gost_ingress_loader *l = gost_container_of(c, struct gost_ingress_loader, child);
  gost__ctx_disown(&l->child);
  gost__mirror_free(l->mirror);
  hosts_free(l->ctx, l->hosts, l->nhosts);
  gost__ingress_unref(l->ing);
  gost__free(l->ctx, l);
}

int gost_ingress_load_redis(gost_ingress_t *ing, const char *redis_addr, int db, const char *password,
                            const char *key, const char *type, int64_t reload_ms) {
  if (!ing) return gost__error(GOST_EINVAL, "ingress is NULL");
  gost_ctx_t *ctx = ing->ctx;
  struct gost_redis_conf conf;
  int rc = gost__redis_conf_fill(&conf, redis_addr, db, password);
  if (rc != GOST_OK) return rc;
  enum gost_mirror_type t = GOST_MIRROR_HASH;
  if (type && *type && strcmp(type, "hash")) {
    if (strcmp(type, "set")) return gost__error(GOST_EINVAL, "redis: type \"%s\" is not hash or set", type);
    t = GOST_MIRROR_SET;
  }
  if (reload_ms < 0) return gost__error(GOST_EINVAL, "redis: negative reload period");
  struct gost_ingress_loader *l = gost__calloc(ctx, 1, sizeof *l);
  if (!l) return gost__error(GOST_ENOMEM, "ingress loader");
  l->ctx = ctx;
  l->ing = ing;
  char label[300];
  snprintf(label, sizeof label, "ingress %s", ing->name ? ing->name : "");
  rc = gost__mirror_new(&l->mirror, ctx, &conf, key && *key ? key : "gost:ingress", t, reload_ms, label, apply, l);
  if (rc != GOST_OK) {
    gost__free(ctx, l);
    return rc;
  }
  gost__ingress_ref(ing);
  gost__ctx_child_init(&l->child, loader_destroy, NULL);
  gost__ctx_adopt(ctx, &l->child, GOST__RANK_LOADER);
  return GOST_OK;
}
