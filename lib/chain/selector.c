#include "codec/hostmatch.h"
#include "chain/selector.h"

#include <string.h>
#include <strings.h>

#include "core/meta.h"

/* Length of host without ":port" (brackets of "[v6]:port" are kept out too). */
static const char *host_part(const char *host, size_t *len) {
  if (*host == '[') {
    const char *e = strchr(host, ']');
    *len = e ? (size_t)(e - host - 1) : strlen(host + 1);
    return host + 1;
  }
  const char *c = strchr(host, ':');
  *len = c && !strchr(c + 1, ':') ? (size_t)(c - host) : strlen(host);
  return host;
}

int gost__host_filter_match(const char *filter, const char *host) {
  if (!filter || !*filter || !host) return 0;
  size_t hl;
  const char *h = host_part(host, &hl);
  return gost__hostmatch_filter(filter, strlen(filter), h, hl); /* one matcher: codec/hostmatch */
}

int gost__node_host_eligible(const struct gost_node *node, const char *host) {
  if (!node->filter_host || !*node->filter_host) return 1;
  return gost__host_filter_match(node->filter_host, host);
}

enum { LIVE = 1, PRIMARY = 2 };

static int node_class(gost_ctx_t *ctx, const struct gost_node *n) {
  int c = 0;
  if (n->fail_until <= gost__now(ctx)) c |= LIVE;
  if (!gost__meta_bool(n->meta, "backup", 0)) c |= PRIMARY;
  return c;
}

struct gost_node *gost__node_select(gost_ctx_t *ctx, struct gost_node *const *nodes, size_t n,
                                    size_t *rr, const char *host) {
  /* Preference: live primary, live backup, then (all failed recently) any primary, any
   * backup: better a retry on a node that failed than refusing outright. */
  static const int want[4][2] = {{LIVE | PRIMARY, LIVE | PRIMARY}, {LIVE | PRIMARY, LIVE},
                                 {PRIMARY, PRIMARY}, {PRIMARY, 0}};
  for (int level = 0; level < 4; level++) {
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
      if (gost__node_host_eligible(nodes[i], host) &&
          (node_class(ctx, nodes[i]) & want[level][0]) == want[level][1])
        count++;
    if (!count) continue;
    size_t k = (*rr)++ % count;
    for (size_t i = 0; i < n; i++)
      if (gost__node_host_eligible(nodes[i], host) &&
          (node_class(ctx, nodes[i]) & want[level][0]) == want[level][1] && k-- == 0)
        return nodes[i];
  }
  return NULL;
}

void gost__node_mark_failed(gost_ctx_t *ctx, struct gost_node *node) {
  node->fail_until = gost__now(ctx) + GOST_NODE_FAIL_TIMEOUT;
}

void gost__node_mark_ok(struct gost_node *node) { node->fail_until = 0; }
