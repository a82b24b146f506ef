/* gost_service_load_auth_redis: a service's credentials follow a Redis hash (username ->
 * password), as stock GOST's redis auther, plus change notifications (docs/cluster.md). Each
 * read replaces the service's credentials. A service never falls open: until the first read,
 * and whenever the hash is empty, it holds one random pair nobody knows. */
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "cluster/mirror.h"
#include "core/error.h"
#include "core/log.h"
#include "gost/cluster.h"

struct auth_loader {
  struct gost_ctx_child child; /* rank GOST__RANK_LOADER */
  gost_ctx_t *ctx;
  char *service; /* looked up by name at each read: the service may be gone */
  struct gost_redis_mirror *mirror;
};

/* One pair nobody can present: the service stays closed. */
static void closed(gost_service_t *svc) {
  unsigned char rnd[24];
  char pass[2 * sizeof rnd + 1];
  if (RAND_bytes(rnd, sizeof rnd) != 1) memset(rnd, 0x5a, sizeof rnd);
  for (size_t i = 0; i < sizeof rnd; i++) snprintf(pass + 2 * i, 3, "%02x", rnd[i]);
  gost_service_set_auth(svc, "\x01no-user", pass);
}

static void apply(void *user, const char *const *fields, const char *const *values, size_t n) {
  struct auth_loader *l = user;
  gost_service_t *svc = gost_ctx_service(l->ctx, l->service);
  if (!svc) return;
  gost_service_set_auth(svc, NULL, NULL);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (*fields[i] && gost_service_add_auth(svc, fields[i], values[i]) == GOST_OK) k++;
  if (!k) {
    GOST_WARN(l->ctx, "service %s: no credentials in redis: nobody can authenticate", l->service);
    closed(svc);
  }
  GOST_DEBUG(l->ctx, "service %s: %zu credentials from redis", l->service, k);
}

static void loader_destroy(struct gost_ctx_child *c) {
  struct auth_loader *l = gost_container_of(c, struct auth_loader, child);
  gost__ctx_disown(&l->child);
  gost__mirror_free(l->mirror);
  gost__free(l->ctx, l->service);
  gost__free(l->ctx, l);
}

int gost_service_load_auth_redis(gost_service_t *svc, const char *redis_addr, int db, const char *password,
                                 const char *key, int64_t reload_ms) {
  if (!svc) return gost__error(GOST_EINVAL, "service is NULL");
  gost_ctx_t *ctx = svc->ctx;
  struct gost_redis_conf conf;
  int rc = gost__redis_conf_fill(&conf, redis_addr, db, password);
  if (rc != GOST_OK) return rc;
  if (reload_ms < 0) return gost__error(GOST_EINVAL, "redis: negative reload period");
  struct auth_loader *l = gost__calloc(ctx, 1, sizeof *l);
  if (!l || !(l->service = gost__strdup(ctx, svc->name))) {
    gost__free(ctx, l);
    return gost__error(GOST_ENOMEM, "auth loader");
  }
  l->ctx = ctx;
  char label[300];
  snprintf(label, sizeof label, "auther of %s", svc->name);
  rc = gost__mirror_new(&l->mirror, ctx, &conf, key && *key ? key : "gost:authers", GOST_MIRROR_HASH, reload_ms,
                        label, apply, l);
  if (rc != GOST_OK) {
    gost__free(ctx, l->service);
    gost__free(ctx, l);
    return rc;
  }
  closed(svc); /* until Redis answers */
  gost__ctx_child_init(&l->child, loader_destroy, NULL);
  gost__ctx_adopt(ctx, &l->child, GOST__RANK_LOADER);
  return GOST_OK;
}
