/* Host -> tunnel ID routing for the tunnel server: the ingress object when one is set, else
 * the inline `tunnel=host:uuid,...` rules (same matching order, §5.4). */
#include <string.h>

#include "codec/hostmatch.h"
#include "core/error.h"
#include "ingress/ingress.h"
#include "tunnel/public.h"
#include "tunnel/server.h"

int gost__tunnel_rules_parse(struct gost_tunnel_server *srv, const char *spec) {
  size_t n = 1;
  for (const char *p = spec; *p; p++) n += *p == ',';
  srv->rules = gost__calloc(srv->ctx, n, sizeof *srv->rules);
  if (!srv->rules) return gost__error(GOST_ENOMEM, "tunnel rules");
  for (const char *p = spec; *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    const char *colon = memchr(p, ':', len);
    struct gost_inline_rule *r = &srv->rules[srv->nrules];
    if (colon && gost__hostmatch_rule_normalize(p, (size_t)(colon - p), r->host, sizeof r->host) > 0 &&
        gost__hostmatch_endpoint_parse(colon + 1, len - (size_t)(colon - p) - 1, r->id, &r->priv) == GOST_OK)
      srv->nrules++; /* invalid rules are dropped, as stock does */
    p += len;
    if (*p == ',') p++;
  }
  return GOST_OK;
}

int gost__tunnel_route(const struct gost_tunnel_server *srv, const struct gost_ingress *ing,
                       const char *host, uint8_t id[16], int *is_private) {
  if (!host || !*host) return GOST_ENOTFOUND;
  if (srv->pub && gost__public_route(srv->pub, host, id) == GOST_OK) { /* <name>.<public domain> */
    *is_private = 0;
    return GOST_OK;
  }
  if (!ing) ing = srv->svc->ingress;
  if (ing) {
    const struct gost_ingress_rule *r = gost__ingress_match(ing, host);
    if (!r) return GOST_ENOTFOUND;
    memcpy(id, r->id, 16);
    *is_private = r->priv;
    return GOST_OK;
  }
  struct gost_hostmatch_iter it;
  if (!srv->nrules || gost__hostmatch_iter_init(&it, host, strlen(host)) != GOST_OK) return GOST_ENOTFOUND;
  const char *cand;
  size_t clen;
  while ((cand = gost__hostmatch_iter_next(&it, &clen))) {
    for (size_t i = 0; i < srv->nrules; i++) {
      if (strcmp(srv->rules[i].host, cand)) continue;
      memcpy(id, srv->rules[i].id, 16);
      *is_private = srv->rules[i].priv;
      return GOST_OK;
    }
  }
  return GOST_ENOTFOUND;
}
