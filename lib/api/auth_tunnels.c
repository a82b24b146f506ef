/* gost_service_add_auth_tunnels: credentials plus the tunnel IDs that user may bind / visit. */
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "codec/uuid.h"
#include "core/error.h"

/* "id,id,..." -> a list; NULL stays NULL (any tunnel), "" gives an empty list (none). */
static int parse_ids(gost_ctx_t *ctx, const char *what, const char *spec, struct gost_auth_ids **out) {
  *out = NULL;
  if (!spec) return GOST_OK;
  size_t n = *spec ? 1 : 0;
  for (const char *p = spec; *p; p++) n += *p == ',';
  struct gost_auth_ids *ids = gost__calloc(ctx, 1, sizeof *ids + n * sizeof ids->id[0]);
  if (!ids) return gost__error(GOST_ENOMEM, "out of memory");
  for (const char *p = spec; *p;) {
    size_t len = strcspn(p, ",");
    while (len && (*p == ' ')) p++, len--; /* "a, b" as written in YAML flow lists */
    if (gost__uuid_parse(p, len, ids->id[ids->n]) != GOST_OK || gost__uuid_is_zero(ids->id[ids->n])) {
      gost__free(ctx, ids);
      return gost__error(GOST_EINVAL, "%s: \"%.*s\" is not a tunnel ID", what, (int)(len > 64 ? 64 : len), p);
    }
    ids->n++;
    p += len;
    if (*p == ',') p++;
  }
  *out = ids;
  return GOST_OK;
}

int gost_service_add_auth_tunnels(gost_service_t *svc, const char *user, const char *pass,
                                  const char *bind, const char *visit) {
  if (!svc || !user) return gost__error(GOST_EINVAL, "service or user is NULL");
  struct gost_auth_ids *b, *v;
  int rc = parse_ids(svc->ctx, "bind", bind, &b);
  if (rc) return rc;
  if ((rc = parse_ids(svc->ctx, "visit", visit, &v))) {
    gost__free(svc->ctx, b);
    return rc;
  }
  if ((rc = gost__auths_add(svc->ctx, &svc->auths, &svc->nauths, user, pass))) {
    gost__free(svc->ctx, b);
    gost__free(svc->ctx, v);
    return rc;
  }
  svc->auths[svc->nauths - 1].bind = b;
  svc->auths[svc->nauths - 1].visit = v;
  return GOST_OK;
}
