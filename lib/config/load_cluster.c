/* Scale-out sections (docs/cluster.md): `sds` [{name, redis: {addr, db, password, key, ttl}}]
 * and the redis loader of `ingresses`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/relay.h"
#include "core/meta.h"

#include "config/load_int.h"
#include "core/error.h"
#include "gost/cluster.h"

static int apply(gost_sd_t *sd, const json_t *redis, const char *path) {
  static const char *const opts[] = {"db", "password", "key", "ttl"};
  char buf[64], opath[160];
  for (size_t k = 0; k < sizeof opts / sizeof *opts; k++) {
    json_t *v = json_object_get(redis, opts[k]);
    if (!v) continue;
    snprintf(opath, sizeof opath, "%s.redis.%s", path, opts[k]);
    const char *s = gost__cfg_scalar(v, buf, sizeof buf);
    if (!s) return gost__cfg_fail(opath, "expected a scalar");
    if (gost_sd_set(sd, opts[k], s) != GOST_OK) return gost__cfg_fail_api(opath, GOST_ECONFIG);
  }
  return GOST_OK;
}

int gost__cfg_sds(struct cfg *c) {
  json_t *arr, *item;
  size_t i;
  int rc = gost__cfg_arr(c->root, NULL, "sds", &arr);
  if (rc || !arr) return rc;
  json_array_foreach(arr, i, item) {
    char path[64], nbuf[64];
    snprintf(path, sizeof path, "sds[%zu]", i);
    if (!json_is_object(item)) return gost__cfg_fail(path, "expected an object");
    const char *name = gost__cfg_name(item, "sd", i, nbuf, sizeof nbuf), *addr;
    json_t *redis;
    if ((rc = gost__cfg_obj(item, path, "redis", &redis))) return rc;
    if (!redis) return gost__cfg_fail(path, "redis: missing (the only sd backend)");
    char rpath[96];
    snprintf(rpath, sizeof rpath, "%s.redis", path);
    if ((rc = gost__cfg_str(redis, rpath, "addr", &addr))) return rc;
    if (!addr) return gost__cfg_fail(rpath, "addr: missing");
    gost_sd_t *sd;
    if (gost_sd_new(&sd, c->ctx, name, addr) != GOST_OK) return gost__cfg_fail_api(path, GOST_ECONFIG);
    rc = apply(sd, redis, path);
    if (c->dry || rc) gost_sd_free(sd); /* the build pass keeps it; rollback frees on failure */
    if (rc) return rc;
  }
  return GOST_OK;
}

/* A `redis` member {addr, db, password, key, type} with the `reload` next to it, as stock's
 * loaders have them (ingresses and authers). */
struct redis_src {
  const char *addr, *password, *key, *type;
  long db;
  int64_t reload_ms;
};

static int redis_src(const json_t *item, const char *path, const json_t *redis, char *rpath, size_t cap,
                     struct redis_src *r) {
  char buf[64];
  const char *s, *h, *p;
  size_t hl, pl;
  int rc;
  snprintf(rpath, cap, "%s.redis", path);
  if ((rc = gost__cfg_str(redis, rpath, "addr", &r->addr)) || (rc = gost__cfg_str(redis, rpath, "password", &r->password)) ||
      (rc = gost__cfg_str(redis, rpath, "key", &r->key)) || (rc = gost__cfg_str(redis, rpath, "type", &r->type)))
    return rc;
  if (!r->addr) return gost__cfg_fail(rpath, "addr: missing");
  if (gost__hostport_split(r->addr, strlen(r->addr), &h, &hl, &p, &pl) != GOST_OK || !hl || !pl)
    return gost__cfg_fail(rpath, "addr: \"%s\" is not host:port", r->addr);
  r->db = 0;
  json_t *v = json_object_get(redis, "db");
  if (v) {
    char *end;
    s = gost__cfg_scalar(v, buf, sizeof buf);
    r->db = s ? strtol(s, &end, 10) : -1;
    if (!s || !*s || *end || r->db < 0 || r->db > 65535) return gost__cfg_fail(rpath, "db: expected a database index");
  }
  if (r->type && strcmp(r->type, "hash") && strcmp(r->type, "set"))
    return gost__cfg_fail(rpath, "type: \"%s\" is not hash or set", r->type);
  r->reload_ms = 0;
  if ((v = json_object_get(item, "reload"))) {
    s = gost__cfg_scalar(v, buf, sizeof buf);
    r->reload_ms = s ? gost__duration_ms(s) : -1;
    if (r->reload_ms < 0) return gost__cfg_fail(path, "reload: expected a duration");
  }
  return GOST_OK;
}

/* ingresses[i].redis + reload: checked in both passes, applied in the build pass. */
int gost__cfg_ingress_redis(const struct cfg *c, const json_t *item, const char *path, gost_ingress_t *ing) {
  json_t *redis;
  char rpath[96];
  struct redis_src r;
  int rc = gost__cfg_obj(item, path, "redis", &redis);
  if (rc || !redis || (rc = redis_src(item, path, redis, rpath, sizeof rpath, &r))) return rc;
  if (c->dry || !ing) return GOST_OK;
  if (gost_ingress_load_redis(ing, r.addr, (int)r.db, r.password, r.key, r.type, r.reload_ms) != GOST_OK)
    return gost__cfg_fail_api(rpath, GOST_ECONFIG);
  return GOST_OK;
}

/* authers[i].redis + reload for a service that names the auther (svc NULL: check only). A
 * hash only, and not together with `auths`: each read replaces the service's credentials. */
int gost__cfg_auther_redis(const struct cfg *c, const json_t *auther, const char *path, gost_service_t *svc) {
  json_t *redis;
  char rpath[96];
  struct redis_src r;
  int rc = gost__cfg_obj(auther, path, "redis", &redis);
  if (rc || !redis || (rc = redis_src(auther, path, redis, rpath, sizeof rpath, &r))) return rc;
  if (r.type && strcmp(r.type, "hash")) return gost__cfg_fail(rpath, "type: authers read a hash only");
  if (json_array_size(json_object_get(auther, "auths")))
    return gost__cfg_fail(path, "auths and redis together: each Redis read replaces the credentials");
  if (c->dry || !svc) return GOST_OK;
  if (gost_service_load_auth_redis(svc, r.addr, (int)r.db, r.password, r.key, r.reload_ms) != GOST_OK)
    return gost__cfg_fail_api(rpath, GOST_ECONFIG);
  return GOST_OK;
}
