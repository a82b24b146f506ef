/* Credential lists: what handler `auth`/`auther`/`authers` configure, and the check. */
#include <string.h>

#include "api/api_int.h"
#include "core/error.h"

int gost__auths_add(gost_ctx_t *ctx, struct gost_auth **auths, size_t *n, const char *user,
                    const char *pass) {
  struct gost_auth *a = gost__realloc(ctx, *auths, (*n + 1) * sizeof **auths);
  if (!a) return gost__error(GOST_ENOMEM, "out of memory");
  *auths = a;
  a[*n].user = gost__strdup(ctx, user ? user : "");
  a[*n].pass = gost__strdup(ctx, pass ? pass : "");
  a[*n].bind = a[*n].visit = NULL;
  if (!a[*n].user || !a[*n].pass) {
    gost__free(ctx, a[*n].user);
    gost__free(ctx, a[*n].pass);
    return gost__error(GOST_ENOMEM, "out of memory");
  }
  (*n)++;
  return GOST_OK;
}

void gost__auths_clear(gost_ctx_t *ctx, struct gost_auth **auths, size_t *n) {
  for (size_t i = 0; i < *n; i++) {
    gost__free(ctx, (*auths)[i].user);
    gost__free(ctx, (*auths)[i].pass);
    gost__free(ctx, (*auths)[i].bind);
    gost__free(ctx, (*auths)[i].visit);
  }
  gost__free(ctx, *auths);
  *auths = NULL;
  *n = 0;
}
