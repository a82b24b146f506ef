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

/* ingresses[i].redis {addr, db, password, key, type} + reload: checked in both passes, applied
 * in the build pass (docs/cluster.md). */
int gost__cfg_ingress_redis(const struct cfg *c, const json_t *item, const char *path, gost_ingress_t *ing) {
  json_t *redis;
  int rc = gost__cfg_obj(item, path, "redis", &redis);
  if (rc || !redis) return rc;
  char rpath[96], buf[64];
  snprintf(rpath, sizeof rpath, "%s.redis", path);
  const char *addr, *password, *key, *type, *s;
  if ((rc = gost__cfg_str(redis, rpath, "addr", &addr)) || (rc = gost__cfg_str(redis, rpath, "password", &password)) ||
      (rc = gost__cfg_str(redis, rpath, "key", &key)) || (rc = gost__cfg_str(redis, rpath, "type", &type)))
    return rc;
  if (!addr) return gost__cfg_fail(rpath, "addr: missing");
  const char *h, *p;
  size_t hl, pl;
  if (gost__hostport_split(addr, strlen(addr), &h, &hl, &p, &pl) != GOST_OK || !hl || !pl)
    return gost__cfg_fail(rpath, "addr: \"%s\" is not host:port", addr);
  long db = 0;
  json_t *v = json_object_get(redis, "db");
  if (v) {
    char *end;
    s = gost__cfg_scalar(v, buf, sizeof buf);
    db = s ? strtol(s, &end, 10) : -1;
    if (!s || !*s || *end || db < 0 || db > 65535) return gost__cfg_fail(rpath, "db: expected a database index");
  }
  if (type && strcmp(type, "hash") && strcmp(type, "set")) return gost__cfg_fail(rpath, "type: \"%s\" is not hash or set", type);
  int64_t reload_ms = 0;
  if ((v = json_object_get(item, "reload"))) {
    s = gost__cfg_scalar(v, buf, sizeof buf);
    reload_ms = s ? gost__duration_ms(s) : -1;
    if (reload_ms < 0) return gost__cfg_fail(path, "reload: expected a duration");
  }
  if (c->dry || !ing) return GOST_OK;
  if (gost_ingress_load_redis(ing, addr, (int)db, password, key, type, reload_ms) != GOST_OK)
    return gost__cfg_fail_api(rpath, GOST_ECONFIG);
  return GOST_OK;
}
