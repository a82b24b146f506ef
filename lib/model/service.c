/* Listener -> handler glue shared by every service type. */
#include <string.h>

#include "core/meta.h"
#include "model/service.h"
#include "model/stats.h"

void gost__service_accept(gost_service_t *svc, gost_stream *s, const struct gost_conn_info *info) {
  static const struct gost_conn_info none = {.host = NULL};
  svc->stats[GOST_STAT_CONNECTIONS]++;
  svc->stats[GOST_STAT_ACTIVE]++;
  if (!svc->handler) {
    gost_stream_close(s);
    gost__service_conn_done(svc, 0, 0);
    return;
  }
  svc->handler->handle(svc, s, info ? info : &none);
}

void gost__service_conn_done(gost_service_t *svc, uint64_t in, uint64_t out) {
  if (svc->stats[GOST_STAT_ACTIVE]) svc->stats[GOST_STAT_ACTIVE]--;
  svc->stats[GOST_STAT_BYTES_IN] += in;
  svc->stats[GOST_STAT_BYTES_OUT] += out;
}

int gost__service_auth_ok(const gost_service_t *svc, const char *user, const char *pass) {
  if (svc->nauths == 0) return 1;
  if (!user) return 0;
  for (size_t i = 0; i < svc->nauths; i++) {
    const struct gost_auth *a = &svc->auths[i];
    if (a->user && !strcmp(a->user, user) && !strcmp(a->pass ? a->pass : "", pass ? pass : ""))
      return 1;
  }
  return 0;
}

const char *gost__service_meta(const gost_service_t *svc, const char *key, const char *def) {
  const json_t *scopes[3] = {svc->handler_meta, svc->listener_meta, svc->service_meta};
  for (int i = 0; i < 3; i++) {
    const char *v = gost__meta_str(scopes[i], key, NULL);
    if (v) return v;
  }
  return def;
}
