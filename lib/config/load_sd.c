/* `sds` section (docs/cluster.md): [{name, redis: {addr, db, password, key, ttl}}]. Both passes
 * go through the public API, so they validate identically; the dry pass frees what it made. */
#include <stdio.h>
#include <string.h>

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
