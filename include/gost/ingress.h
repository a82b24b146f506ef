/* gost_ingress_t: host rules -> tunnel endpoints, changeable at run time. */
#ifndef GOST_INGRESS_H
#define GOST_INGRESS_H

#include <gost/common.h>

#ifdef __cplusplus
extern "C" {
#endif

GOST_EXTERN int gost_ingress_new(gost_ingress_t **out, gost_ctx_t *ctx, const char *name);
/* Adds or replaces the rule for hostname ("example.org", ".example.com", "*.example.com").
 * endpoint is a tunnel UUID, with a leading '$' for a private rule. */
GOST_EXTERN int gost_ingress_set_rule(gost_ingress_t *ing, const char *hostname, const char *endpoint);
GOST_EXTERN int gost_ingress_remove_rule(gost_ingress_t *ing, const char *hostname);
/* Looks up host (a port is ignored) as the entrypoint does. On success writes the canonical
 * tunnel ID (37 bytes with NUL) to tunnel_id and whether the rule is private. GOST_ENOTFOUND
 * if no rule matches. */
GOST_EXTERN int gost_ingress_lookup(const gost_ingress_t *ing, const char *host, char *tunnel_id,
                                    size_t tunnel_id_len, int *is_private);
/* A rule hostname as stored: trimmed, one leading '*' stripped, lower-cased, into out (256
 * bytes suffice). Returns its length, or GOST_EINVAL when empty or over 255 bytes. */
GOST_EXTERN int gost_ingress_normalize_host(const char *hostname, char *out, size_t cap);
GOST_EXTERN size_t gost_ingress_rule_count(const gost_ingress_t *ing);
GOST_EXTERN void gost_ingress_free(gost_ingress_t *ing);
/* The caller's pointer, carried by the handle. NULL-safe. */
GOST_EXTERN void gost_ingress_set_data(gost_ingress_t *ing, void *data);
GOST_EXTERN void *gost_ingress_get_data(const gost_ingress_t *ing);

#ifdef __cplusplus
}
#endif
#endif /* GOST_INGRESS_H */
