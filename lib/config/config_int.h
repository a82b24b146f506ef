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
