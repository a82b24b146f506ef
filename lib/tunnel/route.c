/* Host -> tunnel ID routing for the tunnel server: one path for the four places that route
 * (entrypoint HTTP and TLS, visitor CONNECT, BIND's custom name). The ingress asked is the
 * entrypoint's own, else the service's, else the inline `tunnel=host:uuid,...` rules held in a
 * private memory source. */
#include <stdio.h>
#include <string.h>

#include "codec/hostmatch.h"
#include "core/error.h"
#include "tunnel/public.h"
#include "tunnel/server.h"

int gost__tunnel_rules_parse(struct gost_tunnel_server *srv, const char *spec) {
  void *mem = gost__ingress_memory_new(srv->ctx);
  if (!mem) return gost__error(GOST_ENOMEM, "tunnel rules");
  srv->inline_rules = (struct gost_ingress){.ctx = srv->ctx, .ops = &gost__ingress_memory_ops, .backend = mem};
  for (const char *p = spec; *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    const char *colon = memchr(p, ':', len);
    char host[GOST__HOSTMATCH_MAX + 1];
    uint8_t id[16];
    int priv;
    if (colon && gost__hostmatch_rule_normalize(p, (size_t)(colon - p), host, sizeof host) > 0 &&
        gost__hostmatch_endpoint_parse(colon + 1, len - (size_t)(colon - p) - 1, id, &priv) == GOST_OK &&
        gost__ingress_memory_ops.set_rule(mem, host, id, priv) != GOST_OK)
      return gost__error(GOST_ENOMEM, "tunnel rules"); /* invalid rules are dropped, as stock does */
    p += len;
    if (*p == ',') p++;
  }
  return GOST_OK;
}

void gost__tunnel_rules_free(struct gost_tunnel_server *srv) {
  if (srv->inline_rules.backend) srv->inline_rules.ops->free(srv->inline_rules.backend);
  srv->inline_rules.backend = NULL;
}

int gost__tunnel_has_rules(const struct gost_tunnel_server *srv) {
  return srv->svc->ingress || (srv->inline_rules.backend && gost__ingress_memory_ops.count(srv->inline_rules.backend));
}

void gost__tunnel_route(struct gost_tunnel_server *srv, const struct gost_ingress *ing, const char *host,
                        struct gost_ingress_query *q, gost_ingress_done_cb done, void *user) {
  if (srv->pub && host && gost__public_route(srv->pub, host, q->tunnel_id) == GOST_OK) {
    /* <name>.<public domain>: answered at once, as a memory source would */
    snprintf(q->host, sizeof q->host, "%s", host);
    q->done = done;
    q->user = user;
    q->pending = NULL;
    q->is_private = 0;
    done(q, GOST_OK);
    return;
  }
  if (!ing) ing = srv->svc->ingress;
  if (!ing && srv->inline_rules.backend) ing = &srv->inline_rules;
  gost__ingress_lookup(ing, q, host, done, user);
}
