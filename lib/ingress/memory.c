/* The memory rule source: rules in an array (for counting and teardown) indexed by a keyed
 * hash of the normalised host, so each of the §5.4 candidates costs one hash probe instead of
 * a scan of every rule. Lookups answer at once. */
#include <string.h>

#include "core/hmap.h"
#include "gost/error.h"
#include "ingress/ingress.h"

struct mem_rule {
  struct gost_hnode node; /* first: the hmap node is the rule */
  struct gost_ingress_rule r;
};

struct mem_source {
  gost_ctx_t *ctx;
  struct gost_hmap index;
  struct mem_rule **rules;
  size_t n, cap;
};

static struct mem_rule *find(const struct mem_source *m, const char *host, size_t len) {
  uint64_t h = gost__hmap_hash(&m->index, host, len);
  for (struct gost_hnode *n = gost__hmap_chain(&m->index, h); n; n = n->next) {
    struct mem_rule *e = (struct mem_rule *)n;
    if (n->hash == h && !strcmp(e->r.host, host)) return e;
  }
  return NULL;
}

/* host is lower-case without port: exact, "." + host (covers the apex), then dot suffixes. */
const struct gost_ingress_rule *gost__ingress_memory_match(const void *backend, const char *host) {
  const struct mem_source *m = backend;
  char buf[GOST__INGRESS_HOST_MAX + 2];
  size_t len = strlen(host);
  if (!len || len > GOST__INGRESS_HOST_MAX) return NULL;
  buf[0] = '.';
  memcpy(buf + 1, host, len + 1);
  const struct mem_rule *e = find(m, buf + 1, len);
  if (!e) e = find(m, buf, len + 1);
  for (size_t i = 2; !e && i <= len; i++)
    if (buf[i] == '.') e = find(m, buf + i, len + 1 - i);
  return e ? &e->r : NULL;
}

static void mem_lookup(void *backend, struct gost_ingress_query *q) {
  const struct gost_ingress_rule *r = gost__ingress_memory_match(backend, q->host);
  if (r) {
    memcpy(q->tunnel_id, r->id, sizeof q->tunnel_id);
    q->is_private = r->priv;
  }
  gost__ingress_done(q, r ? GOST_OK : GOST_ENOTFOUND);
}

static int mem_set(void *backend, const char *host, const uint8_t id[GOST__INGRESS_ID_LEN], int priv) {
  struct mem_source *m = backend;
  size_t len = strlen(host);
  struct mem_rule *e = find(m, host, len);
  if (!e) {
    if (m->n == m->cap) {
      size_t cap = m->cap ? m->cap * 2 : 8;
      void *p = gost__realloc(m->ctx, m->rules, cap * sizeof *m->rules);
      if (!p) return GOST_ENOMEM;
      m->rules = p;
      m->cap = cap;
    }
    if (!(e = gost__calloc(m->ctx, 1, sizeof *e)) || !(e->r.host = gost__strdup(m->ctx, host))) {
      gost__free(m->ctx, e);
      return GOST_ENOMEM;
    }
    if (gost__hmap_insert(&m->index, &e->node, gost__hmap_hash(&m->index, host, len)) != GOST_OK) {
      gost__free(m->ctx, e->r.host);
      gost__free(m->ctx, e);
      return GOST_ENOMEM;
    }
    m->rules[m->n++] = e;
  }
  memcpy(e->r.id, id, sizeof e->r.id);
  e->r.priv = priv;
  return GOST_OK;
}

static void rule_free(struct mem_source *m, struct mem_rule *e) {
  gost__free(m->ctx, e->r.host);
  gost__free(m->ctx, e);
}

static int mem_remove(void *backend, const char *host) {
  struct mem_source *m = backend;
  struct mem_rule *e = find(m, host, strlen(host));
  if (!e) return GOST_ENOTFOUND;
  gost__hmap_remove(&m->index, &e->node);
  for (size_t i = 0; i < m->n; i++)
    if (m->rules[i] == e) {
      memmove(&m->rules[i], &m->rules[i + 1], (m->n - i - 1) * sizeof *m->rules);
      break;
    }
  m->n--;
  rule_free(m, e);
  return GOST_OK;
}

static size_t mem_count(const void *backend) { return ((const struct mem_source *)backend)->n; }

static void mem_free(void *backend) {
  struct mem_source *m = backend;
  for (size_t i = 0; i < m->n; i++) rule_free(m, m->rules[i]);
  gost__free(m->ctx, m->rules);
  gost__hmap_cleanup(&m->index);
  gost__free(m->ctx, m);
}

const struct gost_ingress_ops gost__ingress_memory_ops = {
    .name = "memory",
    .lookup = mem_lookup,
    .cancel = NULL, /* answers at once */
    .set_rule = mem_set,
    .remove_rule = mem_remove,
    .count = mem_count,
    .free = mem_free,
};

const struct gost_ingress_rule *gost__ingress_rule_at(const struct gost_ingress *ing, size_t i) {
  if (!ing || ing->ops != &gost__ingress_memory_ops) return NULL;
  const struct mem_source *m = ing->backend;
  return i < m->n ? &m->rules[i]->r : NULL;
}

void *gost__ingress_memory_new(gost_ctx_t *ctx) {
  struct mem_source *m = gost__calloc(ctx, 1, sizeof *m);
  if (!m) return NULL;
  m->ctx = ctx;
  gost__hmap_init(&m->index, &ctx->mem);
  return m;
}
