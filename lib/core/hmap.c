/* Intrusive chained hash table with keyed SipHash-2-4 (see hmap.h). */
#include <string.h>
#include <sys/random.h>

#include "core/hmap.h"
#include "gost/error.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4]) {
  v[0] += v[1], v[1] = ROTL(v[1], 13), v[1] ^= v[0], v[0] = ROTL(v[0], 32);
  v[2] += v[3], v[3] = ROTL(v[3], 16), v[3] ^= v[2];
  v[0] += v[3], v[3] = ROTL(v[3], 21), v[3] ^= v[0];
  v[2] += v[1], v[1] = ROTL(v[1], 17), v[1] ^= v[2], v[2] = ROTL(v[2], 32);
}

static uint64_t load_le64(const uint8_t *p, size_t n) {
  uint64_t w = 0;
  for (size_t i = 0; i < n; i++) w |= (uint64_t)p[i] << (8 * i);
  return w;
}

uint64_t gost__siphash24(uint64_t k0, uint64_t k1, const void *data, size_t len) {
  const uint8_t *p = data;
  uint64_t v[4] = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
                   k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL};
  size_t full = len & ~(size_t)7;
  for (size_t i = 0; i < full; i += 8) {
    uint64_t m = load_le64(p + i, 8);
    v[3] ^= m;
    sip_round(v), sip_round(v);
    v[0] ^= m;
  }
  uint64_t last = load_le64(p + full, len - full) | ((uint64_t)(len & 0xff) << 56);
  v[3] ^= last;
  sip_round(v), sip_round(v);
  v[0] ^= last;
  v[2] ^= 0xff;
  for (int i = 0; i < 4; i++) sip_round(v);
  return v[0] ^ v[1] ^ v[2] ^ v[3];
}

void gost__hmap_init(struct gost_hmap *m, const struct gost_mem *mem) {
  memset(m, 0, sizeof *m);
  m->mem = mem;
  uint64_t k[2];
  if (getrandom(k, sizeof k, GRND_NONBLOCK) != (ssize_t)sizeof k) { /* early boot: still varied */
    k[0] = (uint64_t)(uintptr_t)m * 0x9e3779b97f4a7c15ULL;
    k[1] = (uint64_t)(uintptr_t)&k ^ 0xc2b2ae3d27d4eb4fULL;
  }
  m->k0 = k[0];
  m->k1 = k[1];
}

void gost__hmap_cleanup(struct gost_hmap *m) {
  gost__mem_free(m->mem, m->slots);
  m->slots = NULL;
  m->nslots = m->count = 0;
}

uint64_t gost__hmap_hash(const struct gost_hmap *m, const void *key, size_t len) {
  return gost__siphash24(m->k0, m->k1, key, len);
}

static void rehash(struct gost_hmap *m, struct gost_hnode **slots, size_t n) {
  for (size_t i = 0; i < m->nslots; i++)
    for (struct gost_hnode *e = m->slots[i], *next; e; e = next) {
      next = e->next;
      e->next = slots[e->hash & (n - 1)];
      slots[e->hash & (n - 1)] = e;
    }
  gost__mem_free(m->mem, m->slots);
  m->slots = slots;
  m->nslots = n;
}

int gost__hmap_insert(struct gost_hmap *m, struct gost_hnode *n, uint64_t hash) {
  if (m->count >= m->nslots) {
    size_t want = m->nslots ? m->nslots * 2 : 16;
    struct gost_hnode **slots = gost__mem_calloc(m->mem, want, sizeof *slots);
    if (slots) rehash(m, slots, want);
    else if (!m->nslots) return GOST_ENOMEM;
  }
  n->hash = hash;
  n->next = m->slots[hash & (m->nslots - 1)];
  m->slots[hash & (m->nslots - 1)] = n;
  m->count++;
  return GOST_OK;
}

void gost__hmap_remove(struct gost_hmap *m, struct gost_hnode *n) {
  struct gost_hnode **pp = &m->slots[n->hash & (m->nslots - 1)];
  while (*pp && *pp != n) pp = &(*pp)->next;
  if (*pp) {
    *pp = n->next;
    m->count--;
  }
  n->next = NULL;
}

struct gost_hnode *gost__hmap_chain(const struct gost_hmap *m, uint64_t hash) {
  return m->nslots ? m->slots[hash & (m->nslots - 1)] : NULL;
}
