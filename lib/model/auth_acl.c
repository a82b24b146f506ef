/* Per-user tunnel ownership: which tunnel IDs an authenticated user may bind or visit. */
#include <string.h>

#include "model/service.h"

/* Without either list a user may use any tunnel (stock). With one, the other missing means
 * none: a visitor-only user must not bind (and steal traffic), a client-only user must not
 * visit other tenants' private tunnels. */
static int listed(const struct gost_auth *a, int visit, const uint8_t id[16]) {
  if (!a->bind && !a->visit) return 1;
  const struct gost_auth_ids *ids = visit ? a->visit : a->bind;
  for (size_t i = 0; ids && i < ids->n; i++)
    if (!memcmp(ids->id[i], id, 16)) return 1;
  return 0;
}

int gost__service_tunnel_allowed(const gost_service_t *svc, const char *user, int visit,
                                 const uint8_t id[16]) {
  if (!svc->nauths) return 1;
  /* Lists belong to the username: the password was checked by the auther already. */
  for (size_t i = 0; user && i < svc->nauths; i++) {
    const struct gost_auth *a = &svc->auths[i];
    if (a->user && !strcmp(a->user, user) && listed(a, visit, id)) return 1;
  }
  return 0;
}
