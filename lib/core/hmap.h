/* An intrusive hash table: objects embed a gost_hnode; the table never owns them. Keys are
 * hashed with SipHash-2-4 under a per-table random key, so hostile keys (Host headers, tunnel
 * IDs from the network) cannot force collisions. Lookup walks one chain and the caller compares
 * its own key:
 *   for (n = gost__hmap_chain(m, h); n; n = n->next)
 *     if (n->hash == h && !strcmp(container_of(n)->host, host)) return ...;          */
#ifndef GOST_CORE_HMAP_H
#define GOST_CORE_HMAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"

struct gost_hnode {
  struct gost_hnode *next;
  uint64_t hash;
};

struct gost_hmap {
  const struct gost_mem *mem;
  struct gost_hnode **slots;
  size_t nslots; /* a power of two, or 0 before the first insert */
  size_t count;
  uint64_t k0, k1; /* SipHash key */
};

/* An empty table (no allocation until the first insert). */
void gost__hmap_init(struct gost_hmap *m, const struct gost_mem *mem);
/* Frees the slot array; the nodes are the caller's. */
void gost__hmap_cleanup(struct gost_hmap *m);
uint64_t gost__hmap_hash(const struct gost_hmap *m, const void *key, size_t len);
/* Links n under hash (grows the table at load 1). GOST_ENOMEM only when the first slot array
 * cannot be allocated; a failed growth keeps the current table. */
int gost__hmap_insert(struct gost_hmap *m, struct gost_hnode *n, uint64_t hash);
void gost__hmap_remove(struct gost_hmap *m, struct gost_hnode *n);
/* First node of the chain hash falls in (NULL if none): compare n->hash and the key. */
struct gost_hnode *gost__hmap_chain(const struct gost_hmap *m, uint64_t hash);

/* SipHash-2-4 of data under the 128-bit key (k0, k1). */
uint64_t gost__siphash24(uint64_t k0, uint64_t k1, const void *data, size_t len);

#endif
