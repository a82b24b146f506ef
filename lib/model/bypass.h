/* Bypass lists (stock GOST's `bypasses`, docs/bypass.md): which target addresses a service
 * refuses and which a chain hop or node does not carry. A bypass is a list of patterns plus a
 * whitelist flag; a service, hop or node holds a group of them. Patterns, as stock:
 *   CIDR "10.0.0.0/8"; IP range "192.168.1.10-192.168.1.20";
 *   glob "*.example.com" / "ex?mple.com", optionally ":port" or ":lo-hi";
 *   address "example.com" (exact), ".example.com" (it and every subdomain), "1.2.3.4",
 *   each optionally ":port" or ":lo-hi" (no port: every port). Case-insensitive. */
#ifndef GOST_MODEL_BYPASS_H
#define GOST_MODEL_BYPASS_H

#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"

struct gost_bypass_pat;

struct gost_bypass {
  struct gost_bypass *next; /* the group: a service's, hop's or node's list */
  int whitelist;            /* contains = not matched */
  struct gost_bypass_pat *pats;
  size_t npats;
};

/* Appends a bypass built from patterns to *group. GOST_EINVAL (last error names the pattern)
 * for an empty or unparsable pattern; nothing is added then. */
int gost__bypass_add(const struct gost_mem *mem, struct gost_bypass **group, int whitelist,
                     const char *const *patterns, size_t n);
void gost__bypass_free_all(const struct gost_mem *mem, struct gost_bypass **group);
/* Does the group hold addr ("host:port", "[v6]:port" or a bare host) back? Stock's group
 * rule: with whitelists, held when every whitelist holds it; else when any blacklist matches.
 * An empty group or addr holds nothing back. */
int gost__bypass_contains(const struct gost_bypass *group, const char *addr);

#endif
