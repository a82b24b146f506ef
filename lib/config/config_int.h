/* Config layer internals: known type names, the json_t loader, YAML and URL front ends. */
#ifndef GOST_CONFIG_CONFIG_INT_H
#define GOST_CONFIG_CONFIG_INT_H

#include <jansson.h>

#include "gost/ctx.h"

enum gost_kind { GOST_KIND_HANDLER, GOST_KIND_LISTENER, GOST_KIND_CONNECTOR, GOST_KIND_DIALER };

/* 1 if name (case-insensitive) is a GOST type of that kind this library accepts in configs. */
int gost__name_known(enum gost_kind kind, const char *name);
const char *gost__kind_name(enum gost_kind kind); /* "handler", ... */

/* Loads a parsed config tree: validates all of it, then builds; nothing remains on failure.
 * Errors are GOST_ECONFIG with "path: cause" in gost_last_error(). Does not steal root. */
int gost__config_load(gost_ctx_t *ctx, json_t *root);

/* The effective tree (tree.c). Sections whose items are named objects, with the prefix of
 * their default names; ends with {NULL, NULL}. */
struct gost_cfg_section {
  const char *key, *prefix;
};
extern const struct gost_cfg_section gost__cfg_sections[];
/* Deep copy with every named item's default name written in. NULL on ENOMEM. */
json_t *gost__config_normalize(const json_t *root);
/* Adds a successfully loaded document to ctx->config_tree. */
void gost__config_remember(gost_ctx_t *ctx, const json_t *root);
/* root (normalised) into *into, as a second load: lists append, other sections kept if set. */
void gost__config_merge_into(json_t **into, const json_t *root);
/* Reload as stock: the -L/-F services and chain (gost_ctx_load_urls) are added to a reloaded
 * document, except items the document names itself (the document wins). */
void gost__config_add_cmdline(gost_ctx_t *ctx, json_t *doc);
/* Text -> tree: JSON, or YAML/JSON by content when yaml != 0. *out owned by the caller. */
int gost__config_parse(const char *text, size_t len, int yaml, json_t **out);
int gost__config_read_file(const char *path, json_t **out);

/* Replaces the credentials of a running service with those item (its entry in root) names:
 * handler.auth, handler.auther, handler.authers (authers swap in place on reload). */
int gost__config_service_auths(gost_ctx_t *ctx, gost_service_t *svc, json_t *root, json_t *item);

/* Replaces the limits of the running limiter item names in section ("limiters", "climiters",
 * "rlimiters") with item's (reload: limiters change in place, their services carry on). */
int gost__config_limiter_update(gost_ctx_t *ctx, const char *section, const json_t *item);

/* Case-insensitive object member lookup (GOST's config keys ignore case). */
json_t *gost__cfg_get(const json_t *obj, const char *key);

#ifdef GOST_WITH_YAML
/* YAML text -> JSON tree with typed scalars. NULL and the last error set on failure. */
json_t *gost__yaml_to_json(const char *text, size_t len);
#endif

/* Command-line URLs -> the config tree a file would hold (-L services, -F one hop each). */
int gost__urls_to_tree(const char *const *services, size_t nl, const char *const *nodes,
                       size_t nf, json_t **out);

/* URL helpers (urlutil.c). */
/* Percent-decodes in place; '+' becomes a space when plus != 0. GOST_EINVAL on a bad escape. */
int gost__pct_decode(char *s, int plus);
/* Splits "host:lo-hi" into host and range; a plain port gives lo == hi. 0 or GOST_EINVAL. */
int gost__port_range(const char *addr, char *host, size_t cap, unsigned *lo, unsigned *hi);

#endif
