/* gost_chain_t: hops of nodes; each node = dialer + connector + address + metadata. */
#ifndef GOST_CHAIN_H
#define GOST_CHAIN_H

#include <gost/common.h>

#ifdef __cplusplus
extern "C" {
#endif

GOST_EXTERN int gost_chain_new(gost_chain_t **out, gost_ctx_t *ctx, const char *name);
/* Appends a hop; returns its index (>= 0) or an error. */
GOST_EXTERN int gost_chain_add_hop(gost_chain_t *chain, const char *name);
/* Adds a node to hop `hop`: connector type ("tunnel", "relay", "http", "socks5", "forward"),
 * dialer type ("tcp", "tls", "ws", "wss"), address "host:port". */
GOST_EXTERN int gost_chain_add_node(gost_chain_t *chain, int hop, const char *name,
                                    const char *addr, const char *connector, const char *dialer);
/* Node metadata, scope "connector", "dialer" or "node" (NULL: all). */
GOST_EXTERN int gost_chain_set_node_meta(gost_chain_t *chain, const char *node, const char *scope,
                                         const char *key, const char *value);
GOST_EXTERN int gost_chain_set_node_auth(gost_chain_t *chain, const char *node, const char *user,
                                         const char *pass);
/* Node by position (node names may repeat across hops): hop index and the index that
 * gost_chain_add_node returned. Metadata value is JSON text; scope as above. */
GOST_EXTERN int gost_chain_set_node_meta_json_at(gost_chain_t *chain, int hop, int idx,
                                                 const char *scope, const char *key, const char *json);
GOST_EXTERN int gost_chain_set_node_auth_at(gost_chain_t *chain, int hop, int idx, const char *user,
                                            const char *pass);
/* Drops the caller's reference; services using the chain keep theirs. NULL-safe. */
/* Adds a bypass to hop `hop` (idx < 0) or to node idx of that hop (docs/bypass.md). A node
 * whose bypass holds the target back is not chosen; when no node of a hop may carry it (or
 * the hop's bypass holds it back) the route ends before that hop, as stock GOST: the previous
 * hop (or this host, for hop 0) connects to the target itself. */
GOST_EXTERN int gost_chain_add_bypass(gost_chain_t *chain, int hop, int idx, int whitelist,
                                      const char *const *matchers, size_t n);
GOST_EXTERN void gost_chain_free(gost_chain_t *chain);
GOST_EXTERN const char *gost_chain_name(const gost_chain_t *chain);
/* The caller's pointer, carried by the handle. NULL-safe. */
GOST_EXTERN void gost_chain_set_data(gost_chain_t *chain, void *data);
GOST_EXTERN void *gost_chain_get_data(const gost_chain_t *chain);

#ifdef __cplusplus
}
#endif
#endif /* GOST_CHAIN_H */
