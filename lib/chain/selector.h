/* Node selection for forwarders and chain hops: host filter, fail filter, backup filter,
 * round robin (GOST's default selector). */
#ifndef GOST_CHAIN_SELECTOR_H
#define GOST_CHAIN_SELECTOR_H

#include "model/service.h"

#define GOST_NODE_FAIL_TIMEOUT 10.0 /* seconds a node is skipped after a failed dial */

/* filter.host matching, ASCII case-insensitive, port of host ignored: "example.com" is
 * exact; ".example.com" and "*.example.com" match example.com and any name ending in
 * ".example.com". NULL or empty filter matches nothing (see gost__node_host_eligible). */
int gost__host_filter_match(const char *filter, const char *host);
/* A node without filter.host is a fallback and always eligible; a node with one is eligible
 * only when host (may be NULL) matches it. */
int gost__node_host_eligible(const struct gost_node *node, const char *host);
/* Round robin over the eligible nodes: nodes failed within GOST_NODE_FAIL_TIMEOUT are skipped
 * unless all are, nodes with meta backup=true only serve when no other node is left.
 * *rr is the caller's cursor. NULL when no node is eligible. */
struct gost_node *gost__node_select(gost_ctx_t *ctx, struct gost_node *const *nodes, size_t n,
                                    size_t *rr, const char *host);
void gost__node_mark_failed(gost_ctx_t *ctx, struct gost_node *node);
void gost__node_mark_ok(struct gost_node *node);

#endif
