/* Host-based forwarder node selection for the tunnel client (wire-spec §7.3). Stock v3.2.6
 * ignores the host for plain TCP and UDP; we use it (the documented behaviour, go-gost/gost#898)
 * and make the catch-all node a real fallback instead of a round-robin peer (which is why this
 * is not chain/selector.c's gost__node_select: that one keeps stock's equal eligibility). */
#include <string.h>

#include "chain/selector.h"
#include "codec/hostmatch.h"
#include "core/ctx_int.h"
#include "core/meta.h"
#include "handler/remote.h"

enum { TIER_MATCH = 0, TIER_FALLBACK = 1, TIER_BACKUP = 2, TIER_NONE = 3 };

static int tier_of(const struct gost_node *n, const char *host) {
  int has_filter = n->filter_host && n->filter_host[0];
  int backup = gost__meta_bool(n->meta, "backup", 0);
  if (has_filter) {
    if (!host || !*host || !gost__hostmatch_filter(n->filter_host, strlen(n->filter_host), host, strlen(host)))
      return TIER_NONE;
    return backup ? TIER_BACKUP : TIER_MATCH;
  }
  return backup ? TIER_BACKUP : TIER_FALLBACK;
}

/* Round-robin from the service cursor over nodes of one tier; alive_only skips failed ones. */
static struct gost_node *pick(gost_service_t *svc, const char *host, int tier, int alive_only) {
  double now = gost__now(svc->ctx);
  for (size_t i = 0; i < svc->nnodes; i++) {
    size_t k = (svc->rr + i) % svc->nnodes;
    struct gost_node *n = svc->nodes[k];
    if (tier_of(n, host) != tier) continue;
    if (alive_only && n->fail_until > now) continue;
    svc->rr = k + 1;
    return n;
  }
  return NULL;
}

struct gost_node *gost__remote_select(gost_service_t *svc, const char *host) {
  if (!svc->nnodes) return NULL;
  for (int alive = 1; alive >= 0; alive--)
    for (int tier = TIER_MATCH; tier < TIER_NONE; tier++) {
      struct gost_node *n = pick(svc, host, tier, alive);
      if (n) return n;
    }
  return NULL;
}

void gost__remote_node_failed(gost_service_t *svc, struct gost_node *node) {
  gost__node_mark_failed(svc->ctx, node); /* the same fail clock as every other selector */
}
