/* Metadata: string-keyed options as in GOST configs. Keys are stored lower-cased, so lookups
 * are case-insensitive (tunnelID == tunnelid). Values are JSON scalars (kept as strings) or,
 * for a few keys such as `entrypoints`, JSON arrays/objects. */
#ifndef GOST_CORE_META_H
#define GOST_CORE_META_H

#include <jansson.h>
#include <stdint.h>

/* Sets key (lower-cased) to a string value. Returns 0 or GOST_ENOMEM. */
int gost__meta_set(json_t *meta, const char *key, const char *value);
/* Sets key to any JSON value (reference stolen). */
int gost__meta_set_json(json_t *meta, const char *key, json_t *value);
/* Raw value or NULL. */
json_t *gost__meta_get(const json_t *meta, const char *key);
/* First present key of a NULL-terminated alias list, as a string (numbers/bools are rendered
 * into a per-meta cache, so the pointer lives as long as meta). def when absent. */
const char *gost__meta_str(const json_t *meta, const char *key, const char *def);
int gost__meta_bool(const json_t *meta, const char *key, int def);
long long gost__meta_int(const json_t *meta, const char *key, long long def);
/* Durations: "10s", "500ms", "1m", "1h", "1.5s"; a bare number means seconds. -1 if unparsable. */
int64_t gost__duration_ms(const char *s);
int64_t gost__meta_duration_ms(const json_t *meta, const char *key, int64_t def);
/* Truthy strings: true/1/yes/on (case-insensitive). */
int gost__str_bool(const char *s, int def);

#endif
