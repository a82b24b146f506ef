/* Listener -> handler glue shared by every service type. */
#include <string.h>

#include "core/error.h"
#include "core/meta.h"
#include "limit/limiter.h"
#include "model/service.h"
#include "model/stats.h"

void gost__service_accept(gost_service_t *svc, gost_stream *s, const struct gost_conn_info *info) {
  static const struct gost_conn_info none = {.host = NULL};
  /* a tunnel's public listener: the service's climiter and rlimiter; its traffic is shaped on
   * the tunnel clients' sessions already (mux/session.c), so not twice */
  const gost_service_t *ls = svc->limits_of ? svc->limits_of : svc;
  struct gost_limiter *traffic = svc->limits_of ? NULL : ls->limiter;
  if (traffic || ls->climiter || ls->rlimiter) {
    /* the client a tunnel visitor reports, as stock keys its limiters, else the peer */
    const gost_sockaddr *client = info && gost__sa_family(&info->client) ? &info->client : &s->peer;
    struct gost_stream_limit *lim;
    if (gost__limits_admit(traffic, ls->climiter, ls->rlimiter, &client->sa, svc->name, &lim) != GOST_OK) {
      gost_stream_close(s); /* refused cheaply: logged once per episode by the limiter */
      return;
    }
    if (lim) {
      if (s->limit) s->limit->release(s->limit); /* admitted twice (a stream passed on): the last wins */
      s->limit = lim;
    }
  }
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

void gost__service_auth(gost_service_t *svc, struct gost_auth_query *q, const char *user,
                        const char *pass, gost_auth_done_cb done, void *data) {
  /* Default: the memory source over the service's pairs as configured now (the API may have
   * changed them since the last check; the memory check answers before returning). */
  if (!svc->auther.ops || svc->auther.ops == &gost__auther_memory_ops) {
    svc->auth_list = (struct gost_auth_list){svc->auths, svc->nauths};
    svc->auther = (struct gost_auther){&gost__auther_memory_ops, &svc->auth_list};
  }
  gost__auth_check(&svc->auther, svc->ctx, q, user, pass, done, data);
}

const char *gost__service_meta(const gost_service_t *svc, const char *key, const char *def) {
  const json_t *scopes[3] = {svc->handler_meta, svc->listener_meta, svc->service_meta};
  for (int i = 0; i < 3; i++) {
    const char *v = gost__meta_str(scopes[i], key, NULL);
    if (v) return v;
  }
  return def;
}
