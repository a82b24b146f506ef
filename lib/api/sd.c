/* Public gost_sd_t API over lib/cluster/sd. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "cluster/sd.h"
#include "core/error.h"
#include "core/meta.h"

static void sd_destroy(struct gost_ctx_child *c) { gost__sd_destroy(gost_container_of(c, struct gost_sd, child)); }

int gost_sd_new(gost_sd_t **out, gost_ctx_t *ctx, const char *name, const char *redis_addr) {
  if (!out) return gost__error(GOST_EINVAL, "out is NULL");
  *out = NULL;
  if (!ctx) return gost__error(GOST_EINVAL, "ctx is NULL");
  if (!name || !gost__name_valid(name)) return gost__error(GOST_EINVAL, "invalid sd name");
  if (gost_ctx_sd(ctx, name)) return gost__error(GOST_EEXIST, "sd \"%s\" already exists", name);
  struct gost_redis_conf conf;
  memset(&conf, 0, sizeof conf);
  int rc = gost__redis_conf_addr(&conf, redis_addr);
  if (rc != GOST_OK) return rc;
  struct gost_sd *sd = gost__calloc(ctx, 1, sizeof *sd);
  if (!sd || !(sd->name = gost__strdup(ctx, name))) {
    gost__free(ctx, sd);
    return gost__error(GOST_ENOMEM, "out of memory");
  }
  sd->ctx = ctx;
  sd->redis = conf;
  snprintf(sd->key, sizeof sd->key, "gost:sd");
  sd->ttl_ms = 10000;
  gost_list_init(&sd->regs);
  gost_list_init(&sd->refreshes);
  gost__ctx_child_init(&sd->child, sd_destroy, NULL);
  gost__ctx_adopt(ctx, &sd->child, GOST__RANK_SD);
  *out = sd;
  return GOST_OK;
}

int gost_sd_set(gost_sd_t *sd, const char *option, const char *value) {
  if (!sd || !option || !value) return gost__error(GOST_EINVAL, "sd, option or value is NULL");
  if (sd->users) return gost__error(GOST_ESTATE, "sd \"%s\" is in use", sd->name);
  if (!strcmp(option, "db")) {
    char *end;
    long db = strtol(value, &end, 10);
    if (!*value || *end || db < 0 || db > 65535) return gost__error(GOST_EINVAL, "sd: bad db \"%s\"", value);
    sd->redis.db = (int)db;
  } else if (!strcmp(option, "password")) {
    if (strlen(value) >= sizeof sd->redis.password) return gost__error(GOST_EINVAL, "sd: password too long");
    snprintf(sd->redis.password, sizeof sd->redis.password, "%s", value);
  } else if (!strcmp(option, "key")) {
    if (!*value || strlen(value) >= 100 || strchr(value, ' ')) return gost__error(GOST_EINVAL, "sd: bad key \"%s\"", value);
    snprintf(sd->key, sizeof sd->key, "%s", value);
  } else if (!strcmp(option, "ttl")) {
    int64_t ms = gost__duration_ms(value);
    if (ms < 1000) return gost__error(GOST_EINVAL, "sd: ttl \"%s\" must be a duration of at least 1s", value);
    sd->ttl_ms = ms;
  } else if (!strcmp(option, "addr")) {
    return gost__redis_conf_addr(&sd->redis, value);
  } else {
    return gost__error(GOST_EINVAL, "sd: unknown option \"%s\"", option);
  }
  return GOST_OK;
}

gost_sd_t *gost_ctx_sd(gost_ctx_t *ctx, const char *name) {
  struct gost_list *pos;
  if (!ctx || !name) return NULL;
  gost_list_foreach(pos, &ctx->children[GOST__RANK_SD]) {
    struct gost_sd *sd = gost_container_of(pos, struct gost_sd, child.link);
    if (!strcmp(sd->name, name)) return sd;
  }
  return NULL;
}

int gost_sd_is_connected(const gost_sd_t *sd) { return sd && gost__redis_is_up(sd->client); }

int gost_sd_free(gost_sd_t *sd) {
  if (!sd) return GOST_OK;
  if (sd->users) return gost__error(GOST_ESTATE, "sd \"%s\" is in use", sd->name);
  gost__sd_destroy(sd);
  return GOST_OK;
}
