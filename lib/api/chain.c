/* Public gost_chain_t API: hops of nodes, refcounted (caller + each service using it). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/api_int.h"
#include "core/error.h"

/* At ctx teardown every service is gone, so references no longer matter. */
static void chain_destroy(struct gost_ctx_child *c) {
  gost__chain_destroy(gost_container_of(c, gost_chain_t, child));
}

int gost_chain_new(gost_chain_t **out, gost_ctx_t *ctx, const char *name) {
  char auto_name[32];
  if (!out) return gost__error(GOST_EINVAL, "out is NULL");
  *out = NULL;
  if (!ctx) return gost__error(GOST_EINVAL, "ctx is NULL");
  if (!name) { /* GOST's naming: chain-<n>, first free n */
    for (size_t i = 0;; i++) {
      snprintf(auto_name, sizeof auto_name, "chain-%zu", i);
      if (!gost_ctx_chain(ctx, auto_name)) break;
    }
    name = auto_name;
  }
  if (!gost__name_valid(name)) return gost__error(GOST_EINVAL, "invalid chain name");
  if (gost_ctx_chain(ctx, name)) return gost__error(GOST_EEXIST, "chain \"%s\" already exists", name);
  gost_chain_t *c = gost__calloc(ctx, 1, sizeof *c);
  if (!c || !(c->name = gost__strdup(ctx, name))) {
    gost__free(ctx, c);
    return gost__error(GOST_ENOMEM, "out of memory");
  }
  c->ctx = ctx;
  c->refs = 1;
  gost_list_insert_tail(&ctx->chains, &c->link);
  gost__ctx_child_init(&c->child, chain_destroy, NULL);
  gost__ctx_adopt(ctx, &c->child, GOST__RANK_CHAIN);
  *out = c;
  return GOST_OK;
}

int gost_chain_add_hop(gost_chain_t *chain, const char *name) {
  char auto_name[32];
  if (!chain) return gost__error(GOST_EINVAL, "chain is NULL");
  gost_ctx_t *ctx = chain->ctx;
  if (!name) {
    snprintf(auto_name, sizeof auto_name, "hop-%zu", chain->nhops);
    name = auto_name;
  }
  if (!gost__name_valid(name)) return gost__error(GOST_EINVAL, "invalid hop name");
  struct gost_hop **hops = gost__realloc(ctx, chain->hops, (chain->nhops + 1) * sizeof *hops);
  if (!hops) return gost__error(GOST_ENOMEM, "out of memory");
  chain->hops = hops;
  struct gost_hop *h = gost__calloc(ctx, 1, sizeof *h);
  if (!h || !(h->name = gost__strdup(ctx, name))) {
    gost__free(ctx, h);
    return gost__error(GOST_ENOMEM, "out of memory");
  }
  hops[chain->nhops] = h;
  return (int)chain->nhops++;
}

int gost_chain_add_node(gost_chain_t *chain, int hop, const char *name, const char *addr,
                        const char *connector, const char *dialer) {
  char auto_name[32];
  if (!chain || !addr || !*addr) return gost__error(GOST_EINVAL, "chain or addr missing");
  if (hop < 0 || (size_t)hop >= chain->nhops) return gost__error(GOST_EINVAL, "no hop %d", hop);
  gost_ctx_t *ctx = chain->ctx;
  struct gost_hop *h = chain->hops[hop];
  if (!name) {
    snprintf(auto_name, sizeof auto_name, "node-%zu", h->nnodes);
    name = auto_name;
  }
  if (!gost__name_valid(name)) return gost__error(GOST_EINVAL, "invalid node name");
  struct gost_node **nodes = gost__realloc(ctx, h->nodes, (h->nnodes + 1) * sizeof *nodes);
  if (!nodes) return gost__error(GOST_ENOMEM, "out of memory");
  h->nodes = nodes;
  struct gost_node *n = gost__node_new(ctx, name, addr);
  if (!n) return gost__error(GOST_ENOMEM, "out of memory");
  /* GOST's defaults when a node names no connector or dialer. */
  n->connector = gost__strdup(ctx, connector && *connector ? connector : "http");
  n->dialer = gost__strdup(ctx, dialer && *dialer ? dialer : "tcp");
  if (!n->connector || !n->dialer) {
    gost__node_free(ctx, n);
    return gost__error(GOST_ENOMEM, "out of memory");
  }
  for (char *p = n->connector; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
  for (char *p = n->dialer; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
  nodes[h->nnodes] = n;
  return (int)h->nnodes++;
}

static struct gost_node *node_by_name(gost_chain_t *chain, const char *name) {
  for (size_t i = 0; name && i < chain->nhops; i++)
    for (size_t j = 0; j < chain->hops[i]->nnodes; j++)
      if (!strcmp(chain->hops[i]->nodes[j]->name, name)) return chain->hops[i]->nodes[j];
  return NULL;
}

static struct gost_node *node_at(gost_chain_t *chain, int hop, int idx) {
  if (!chain || hop < 0 || (size_t)hop >= chain->nhops) return NULL;
  struct gost_hop *h = chain->hops[hop];
  return idx >= 0 && (size_t)idx < h->nnodes ? h->nodes[idx] : NULL;
}

int gost_chain_set_node_meta(gost_chain_t *chain, const char *node, const char *scope,
                             const char *key, const char *value) {
  if (!chain || !key) return gost__error(GOST_EINVAL, "chain or key is NULL");
  struct gost_node *n = node_by_name(chain, node);
  if (!n) return gost__error(GOST_ENOTFOUND, "no node \"%s\" in chain", node ? node : "");
  return gost__node_set_meta(n, scope, key, json_string(value ? value : ""));
}

int gost_chain_set_node_auth(gost_chain_t *chain, const char *node, const char *user,
                             const char *pass) {
  if (!chain) return gost__error(GOST_EINVAL, "chain is NULL");
  struct gost_node *n = node_by_name(chain, node);
  if (!n) return gost__error(GOST_ENOTFOUND, "no node \"%s\" in chain", node ? node : "");
  return gost__node_set_auth(chain->ctx, n, user, pass);
}

int gost_chain_set_node_meta_json_at(gost_chain_t *chain, int hop, int idx, const char *scope,
                                     const char *key, const char *json) {
  struct gost_node *n = node_at(chain, hop, idx);
  if (!n || !key) return gost__error(GOST_EINVAL, "no node %d in hop %d, or key is NULL", idx, hop);
  json_t *v = gost__meta_json_parse(json);
  return v ? gost__node_set_meta(n, scope, key, v) : GOST_EINVAL;
}

int gost_chain_set_node_auth_at(gost_chain_t *chain, int hop, int idx, const char *user,
                                const char *pass) {
  struct gost_node *n = node_at(chain, hop, idx);
  if (!n) return gost__error(GOST_EINVAL, "no node %d in hop %d", idx, hop);
  return gost__node_set_auth(chain->ctx, n, user, pass);
}

int gost_chain_add_bypass(gost_chain_t *chain, int hop, int idx, int whitelist, const char *const *matchers,
                          size_t n) {
  if (!chain || hop < 0 || (size_t)hop >= chain->nhops || (n && !matchers))
    return gost__error(GOST_EINVAL, "no hop %d, or matchers is NULL", hop);
  struct gost_node *node = idx < 0 ? NULL : node_at(chain, hop, idx);
  if (idx >= 0 && !node) return gost__error(GOST_EINVAL, "no node %d in hop %d", idx, hop);
  struct gost_bypass **group = node ? &node->bypass : &chain->hops[hop]->bypass;
  return gost__bypass_add(&chain->ctx->mem, group, whitelist, matchers, n);
}

void gost__chain_ref(gost_chain_t *chain) { chain->refs++; }

void gost__chain_destroy(gost_chain_t *chain) {
  gost_ctx_t *ctx = chain->ctx;
  gost_list_remove(&chain->link);
  gost__ctx_disown(&chain->child);
  for (size_t i = 0; i < chain->nhops; i++) {
    struct gost_hop *h = chain->hops[i];
    for (size_t j = 0; j < h->nnodes; j++) gost__node_free(ctx, h->nodes[j]);
    gost__free(ctx, h->nodes);
    gost__free(ctx, h->name);
    gost__bypass_free_all(&ctx->mem, &h->bypass);
    gost__free(ctx, h);
  }
  gost__free(ctx, chain->hops);
  gost__free(ctx, chain->name);
  gost__free(ctx, chain);
}

void gost__chain_unref(gost_chain_t *chain) {
  if (chain && --chain->refs <= 0) gost__chain_destroy(chain);
}

void gost_chain_free(gost_chain_t *chain) { gost__chain_unref(chain); }

const char *gost_chain_name(const gost_chain_t *chain) { return chain ? chain->name : NULL; }

void gost_chain_set_data(gost_chain_t *chain, void *data) {
  if (chain) chain->data = data;
}
void *gost_chain_get_data(const gost_chain_t *chain) { return chain ? chain->data : NULL; }
