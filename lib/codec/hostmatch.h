/* Host-name matching: server ingress rules (wire-spec §5.4) and the client's filter.host
 * (§7.3, without the stock suffix quirk). Pure. Comparisons are ASCII case-insensitive. */
#ifndef GOST_CODEC_HOSTMATCH_H
#define GOST_CODEC_HOSTMATCH_H

#include <stddef.h>
#include <stdint.h>

#define GOST__HOSTMATCH_MAX 255

/* Rule hostname as stored: one leading '*' stripped ("*.a.com" -> ".a.com",
 * "*a.com" -> "a.com"), lower-cased. Returns the length written (plus NUL), or GOST_EINVAL
 * when the result is empty (stock drops such rules), too long or cap too small. */
int gost__hostmatch_rule_normalize(const char *rule, size_t len, char *out, size_t cap);

/* Lookup candidates for a host, in order: exact, "." + host, then every suffix starting at
 * a dot ("a.b.c" -> "a.b.c", ".a.b.c", ".b.c", ".c"). The port is stripped and the host
 * lower-cased first, so rules must be normalised with the function above. */
struct gost_hostmatch_iter {
  char buf[GOST__HOSTMATCH_MAX + 2]; /* "." + host + NUL */
  size_t len;                        /* strlen(buf) */
  size_t pos;                        /* where the dot-suffix scan resumes */
  int stage;                         /* 0 exact, 1 "."+host, 2 suffixes */
};

/* GOST_EINVAL for an empty or over-long host. */
int gost__hostmatch_iter_init(struct gost_hostmatch_iter *it, const char *host, size_t len);
/* Next NUL-terminated candidate (points into it), or NULL when exhausted. */
const char *gost__hostmatch_iter_next(struct gost_hostmatch_iter *it, size_t *len);

/* Client filter.host: 1 if host (port stripped) matches, else 0. "example.com" matches
 * exactly; ".example.com", "*.example.com" and "*example.com" match example.com and any
 * name ending in ".example.com" but not "badexample.com". An empty filter matches nothing;
 * "no filter" nodes are the caller's business. */
int gost__hostmatch_filter(const char *filter, size_t flen, const char *host, size_t hlen);

/* Ingress endpoint "uuid" or "$uuid" ($ = private for this rule). GOST_EINVAL if the UUID is
 * invalid or zero (both mean "no route"). */
int gost__hostmatch_endpoint_parse(const char *s, size_t len, uint8_t id[16], int *is_private);

#endif
