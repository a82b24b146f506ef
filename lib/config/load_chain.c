/* chains[].hops[].nodes[] -> gost_chain_t. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/load_int.h"
#include "core/error.h"

static int node_meta_set(void *target, const char *scope, const char *key, const char *json) {
  const struct gost_cfg_node_ref *r = target;
  return gost_chain_set_node_meta_json_at(r->chain, r->hop, r->idx, scope, key, json);
}

static int auth_pair(const json_t *obj, const char *path, const char **u, const char **p) {
  json_t *auth;
  char ap[200];
  int rc = gost__cfg_obj(obj, path, "auth", &auth);
  *u = *p = NULL;
  if (rc || !auth) return rc;
  snprintf(ap, sizeof ap, "%s.auth", path);
  if ((rc = gost__cfg_str(auth, ap, "username", u)) || (rc = gost__cfg_str(auth, ap, "password", p)))
    return rc;
  return GOST_OK;
}

static int load_node(struct cfg *c, gost_chain_t *chain, int hop, const json_t *node,
                     const char *path) {
  json_t *conn, *dial;
  const char *name, *addr, *ctype, *dtype, *user, *pass;
  char cpath[200], dpath[200];
  int rc;
  if (!json_is_object(node)) return gost__cfg_fail(path, "expected an object");
  snprintf(cpath, sizeof cpath, "%s.connector", path);
  snprintf(dpath, sizeof dpath, "%s.dialer", path);
  if ((rc = gost__cfg_str(node, path, "name", &name)) || (rc = gost__cfg_str(node, path, "addr", &addr)) ||
      (rc = gost__cfg_obj(node, path, "connector", &conn)) ||
      (rc = gost__cfg_obj(node, path, "dialer", &dial)) ||
      (rc = gost__cfg_typed(conn, path, GOST_KIND_CONNECTOR, "http", &ctype)) ||
      (rc = gost__cfg_typed(dial, path, GOST_KIND_DIALER, "tcp", &dtype)) ||
      (rc = auth_pair(conn, cpath, &user, &pass)))
    return rc;
  if (!addr || !*addr) {
    char p[220];
    snprintf(p, sizeof p, "%s.addr", path);
    return gost__cfg_fail(p, "missing");
  }
  struct gost_cfg_node_ref n = {.chain = chain, .hop = hop};
  if (!c->dry) {
    n.idx = gost_chain_add_node(chain, hop, name && *name ? name : NULL, addr, ctype, dtype);
    if (n.idx < 0) return gost__cfg_fail_api(path, n.idx);
    if (user && (rc = gost_chain_set_node_auth_at(chain, hop, n.idx, user, pass)))
      return gost__cfg_fail_api(cpath, rc);
  }
  if ((rc = gost__cfg_meta(c, conn, cpath, &n, "connector", node_meta_set)) ||
      (rc = gost__cfg_meta(c, dial, dpath, &n, "dialer", node_meta_set)) ||
      (rc = gost__cfg_meta(c, node, path, &n, "node", node_meta_set)))
    return rc;
  const struct gost_cfg_bypass_to bt = {.chain = chain, .hop = hop, .idx = n.idx};
  return gost__cfg_bypass_members(c, node, path, json_object_get(node, "metadata"), &bt);
}

static int load_chain(struct cfg *c, const json_t *item, size_t i) {
  char path[64], nbuf[64], hpath[128], npath[160];
  json_t *hops, *hop, *nodes, *node;
  size_t j, k;
  int rc;
  snprintf(path, sizeof path, "chains[%zu]", i);
  if (!json_is_object(item)) return gost__cfg_fail(path, "expected an object");
  const char *name = gost__cfg_name(item, "chain", i, nbuf, sizeof nbuf);
  if (gost__cfg_find(c, "chains", "chain", name) != item) /* an earlier one has this name */
    return gost__cfg_fail(path, "duplicate chain name \"%s\"", name);
  if (c->dry && gost_ctx_chain(c->ctx, name))
    return gost__cfg_fail(path, "chain \"%s\" already exists", name);
  if ((rc = gost__cfg_arr(item, path, "hops", &hops))) return rc;
  gost_chain_t *chain = NULL;
  if (!c->dry && (rc = gost_chain_new(&chain, c->ctx, name))) return gost__cfg_fail_api(path, rc);
  /* The context keeps the creator's reference: config chains live until gost_ctx_free. */
  json_array_foreach(hops, j, hop) {
    const char *hname;
    snprintf(hpath, sizeof hpath, "%s.hops[%zu]", path, j);
    if (!json_is_object(hop)) return gost__cfg_fail(hpath, "expected an object");
    if ((rc = gost__cfg_str(hop, hpath, "name", &hname)) ||
        (rc = gost__cfg_arr(hop, hpath, "nodes", &nodes)))
      return rc;
    int h = 0;
    if (!c->dry && (h = gost_chain_add_hop(chain, hname && *hname ? hname : NULL)) < 0)
      return gost__cfg_fail_api(hpath, h);
    json_array_foreach(nodes, k, node) {
      snprintf(npath, sizeof npath, "%s.nodes[%zu]", hpath, k);
      if ((rc = load_node(c, chain, h, node, npath))) return rc;
    }
    const struct gost_cfg_bypass_to bt = {.chain = chain, .hop = h, .idx = -1};
    if ((rc = gost__cfg_bypass_members(c, hop, hpath, NULL, &bt))) return rc;
  }
  return GOST_OK;
}

int gost__cfg_chains(struct cfg *c) {
  json_t *arr, *item;
  size_t i;
  int rc = gost__cfg_arr(c->root, NULL, "chains", &arr);
  if (rc || !arr) return rc;
  json_array_foreach(arr, i, item) {
    if ((rc = load_chain(c, item, i))) return rc;
  }
  return GOST_OK;
}
