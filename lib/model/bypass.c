#include "model/bypass.h"

#include <string.h>

#include "codec/bypassmatch.h"
#include "core/error.h"
#include "core/log.h"
#include "model/service.h"

int gost__bypass_add(const struct gost_mem *mem, struct gost_bypass **group, int whitelist,
                     const char *const *patterns, size_t n) {
  struct gost_bypass *b = gost__mem_calloc(mem, 1, sizeof *b);
  if (!b || (n && !(b->pats = gost__mem_calloc(mem, n, sizeof *b->pats)))) {
    gost__mem_free(mem, b);
    return gost__error(GOST_ENOMEM, "bypass");
  }
  for (size_t i = 0; i < n; i++) {
    if (!patterns[i] || !gost__bypass_pat_parse(&b->pats[i], patterns[i])) {
      gost__mem_free(mem, b->pats);
      gost__mem_free(mem, b);
      return gost__error(GOST_EINVAL, "bypass: invalid pattern \"%s\"", patterns[i] ? patterns[i] : "(null)");
    }
  }
  b->npats = n;
  b->whitelist = whitelist != 0;
  while (*group) group = &(*group)->next;
  *group = b;
  return GOST_OK;
}

void gost__bypass_free_all(const struct gost_mem *mem, struct gost_bypass **group) {
  while (*group) {
    struct gost_bypass *b = *group;
    *group = b->next;
    gost__mem_free(mem, b->pats);
    gost__mem_free(mem, b);
  }
}

static int matched(const struct gost_bypass *b, const struct gost_bypass_target *t) {
  for (size_t i = 0; i < b->npats; i++)
    if (gost__bypass_pat_match(&b->pats[i], t)) return 1;
  return 0;
}

int gost__bypass_contains(const struct gost_bypass *group, const char *addr) {
  struct gost_bypass_target t;
  if (!group || !addr || gost__bypass_target_parse(&t, addr) != GOST_OK) return 0;
  int have_white = 0, all_white = 1, any_black = 0;
  for (const struct gost_bypass *b = group; b; b = b->next) {
    int m = matched(b, &t);
    if (b->whitelist) {
      have_white = 1;
      all_white &= !m; /* a whitelist holds back what it does not list */
    } else {
      any_black |= m;
    }
  }
  return (have_white && all_white) || any_black;
}

int gost__service_bypassed(gost_service_t *svc, const char *target) {
  if (!svc->bypass || !gost__bypass_contains(svc->bypass, target)) return 0;
  svc->errors++;
  GOST_INFO(svc->ctx, "%s: %s refused by the service's bypass", svc->name ? svc->name : "", target);
  return 1;
}
