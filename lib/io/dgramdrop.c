/* Drop episodes (see dgramdrop.h). */
#include "io/dgramdrop.h"

#include "core/addr.h"
#include "core/budget.h"
#include "core/log.h"

static void name_of(const struct sockaddr *who, char *out, size_t cap) {
  out[0] = '\0';
  if (who && who->sa_family) gost__sockaddr_fmt(who, out, cap);
}

void gost__dgram_drop(gost_ctx_t *ctx, struct gost_dgram_drops *d, const char *why,
                      const struct sockaddr *who, uint64_t count) {
  if (!count) return;
  ctx->budget.udp_dgrams_dropped += count;
  ctx->ctr.budget_hits += count;
  if (d->n == 0) {
    char a[GOST_ADDR_STR_MAX];
    name_of(who, a, sizeof a);
    GOST_WARN(ctx, "udp %s: %s: dropping datagrams", a, why);
    d->why = why;
  }
  d->n += count;
}

void gost__dgram_drops_end(gost_ctx_t *ctx, struct gost_dgram_drops *d, const struct sockaddr *who) {
  char a[GOST_ADDR_STR_MAX];
  name_of(who, a, sizeof a);
  GOST_INFO(ctx, "udp %s: %llu datagrams dropped (%s)", a, (unsigned long long)d->n, d->why);
  d->n = 0;
}
