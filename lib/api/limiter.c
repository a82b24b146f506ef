/* Services' references on limiters (gost/limiter.h); the limiters themselves are lib/limit. */
#include "api/api_int.h"
#include "core/error.h"
#include "limit/limiter.h"

static int swap(gost_service_t *svc, struct gost_limiter **slot, gost_limiter_t *lim) {
  if (lim && lim->ctx != svc->ctx) return gost__error(GOST_EINVAL, "limiter of another context");
  if (lim) gost__limiter_ref(lim);
  gost__limiter_unref(*slot);
  *slot = lim; /* connections admitted before keep the limiter they were admitted under */
  return GOST_OK;
}

int gost_service_set_limiter(gost_service_t *svc, gost_limiter_kind_t kind, gost_limiter_t *lim) {
  if (!svc) return gost__error(GOST_EINVAL, "service is NULL");
  if (lim && lim->kind != kind) return gost__error(GOST_EINVAL, "limiter %s is of another kind", lim->name ? lim->name : "");
  switch (kind) {
  case GOST_LIMITER_TRAFFIC: return swap(svc, &svc->limiter, lim);
  case GOST_LIMITER_CONN: return swap(svc, &svc->climiter, lim);
  case GOST_LIMITER_RATE: return swap(svc, &svc->rlimiter, lim);
  }
  return gost__error(GOST_EINVAL, "unknown limiter kind %d", (int)kind);
}

int gost_service_set_handler_limiter(gost_service_t *svc, gost_limiter_t *lim) {
  if (!svc) return gost__error(GOST_EINVAL, "service is NULL");
  if (lim && lim->kind != GOST_LIMITER_TRAFFIC)
    return gost__error(GOST_EINVAL, "a handler limiter is a traffic limiter (limiters:)");
  return swap(svc, &svc->handler_limiter, lim);
}

void gost__service_limiters_clear(gost_service_t *svc) {
  struct gost_limiter **slots[] = {&svc->limiter, &svc->climiter, &svc->rlimiter, &svc->handler_limiter};
  for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++) {
    gost__limiter_unref(*slots[i]);
    *slots[i] = NULL;
  }
}
