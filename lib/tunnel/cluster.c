/* Cluster mode: options, and the registry observer that mirrors local connectors into the sd. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "codec/uuid.h"
#include "core/error.h"
#include "core/log.h"
#include "core/meta.h"
#include "tunnel/cluster.h"
#include "tunnel/nodelink.h"

void gost__tunnel_target_set(struct gost_tunnel_target *t, const uint8_t tid[16], int udp, const char *src,
                             const char *dst) {
  memcpy(t->tid, tid, 16);
  t->udp = udp;
  snprintf(t->src, sizeof t->src, "%s", src ? src : "");
  snprintf(t->dst, sizeof t->dst, "%s", dst ? dst : "");
}

static void *on_bound(void *user, const uint8_t tid[16], const uint8_t cid[16], int udp, uint8_t weight) {
  struct gost_tunnel_cluster *cl = user;
  return gost__sd_register(cl->sd, tid, cid, udp, weight, cl->node_id, cl->node_addr);
}

static void on_unbound(void *user, void *tag) { gost__sd_deregister(tag); }

static const struct gost_tunnel_observer observer = {on_bound, on_unbound};

/* node.addr default: the node-link port's (node.listen, else the tunnel port's) own address
 * when it names one interface. */
static int default_node_addr(const char *addr, uint16_t port, char *out, size_t cap) {
  const char *h, *p;
  size_t hl, pl;
  char host[64];
  struct in6_addr a6;
  struct in_addr a4;
  if (!addr || gost__hostport_split(addr, strlen(addr), &h, &hl, &p, &pl) != GOST_OK || !hl || hl >= sizeof host)
    return GOST_ENOTFOUND;
  memcpy(host, h, hl);
  host[hl] = '\0';
  if (inet_pton(AF_INET, host, &a4) == 1 && a4.s_addr != htonl(INADDR_ANY)) {
    snprintf(out, cap, "%s:%u", host, (unsigned)port);
    return GOST_OK;
  }
  if (inet_pton(AF_INET6, host, &a6) == 1 && !IN6_IS_ADDR_UNSPECIFIED(&a6)) {
    snprintf(out, cap, "[%s]:%u", host, (unsigned)port);
    return GOST_OK;
  }
  return GOST_ENOTFOUND;
}

/* node.tls.{caFile,certFile,keyFile,serverName,secure} -> the TLS dialer's metadata. */
static int tls_options(struct gost_tunnel_cluster *cl, const gost_service_t *svc) {
  static const char *const keys[] = {"caFile", "certFile", "keyFile", "serverName", "secure"};
  if (!(cl->tls_meta = json_object())) return gost__error(GOST_ENOMEM, "node.tls");
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
    char k[32];
    snprintf(k, sizeof k, "node.tls.%s", keys[i]);
    const char *v = gost__service_meta(svc, k, NULL);
    if (v && gost__meta_set(cl->tls_meta, keys[i], v) != GOST_OK) return gost__error(GOST_ENOMEM, "node.tls");
  }
  return GOST_OK;
}

int gost__tunnel_cluster_start(struct gost_tunnel_server *srv) {
  gost_service_t *svc = srv->svc;
  const char *name = gost__service_meta(svc, "sd", NULL);
  if (!name || !*name) return GOST_OK;
  struct gost_sd *sd = gost_ctx_sd(srv->ctx, name);
  if (!sd) return gost__error(GOST_ECONFIG, "service \"%s\": sd \"%s\" not found", svc->name, name);
  struct gost_tunnel_cluster *cl = gost__calloc(srv->ctx, 1, sizeof *cl);
  if (!cl) return gost__error(GOST_ENOMEM, "cluster");
  cl->srv = srv;
  cl->sd = sd;
  gost_list_init(&cl->links);
  gost_list_init(&cl->accepted);
  const char *v = gost__service_meta(svc, "node.addr", NULL);
  const char *listen = gost__service_meta(svc, "node.listen", NULL);
  uint16_t lport = svc->port;
  int rc;
  if (v && (strlen(v) >= sizeof cl->node_addr || strchr(v, ' '))) {
    gost__free(srv->ctx, cl);
    return gost__error(GOST_ECONFIG, "service \"%s\": bad node.addr", svc->name);
  }
  if (listen && (rc = gost__tunnel_node_listen(srv, listen, &lport)) != GOST_OK) {
    gost__free(srv->ctx, cl);
    return rc;
  }
  if (v) snprintf(cl->node_addr, sizeof cl->node_addr, "%s", v);
  else if (default_node_addr(listen ? listen : svc->addr, lport, cl->node_addr, sizeof cl->node_addr) != GOST_OK) {
    gost__free(srv->ctx, cl);
    return gost__error(GOST_ECONFIG, "service \"%s\": sd needs node.addr (the node-link port listens on a wildcard address)", svc->name);
  }
  v = gost__service_meta(svc, "node.id", NULL);
  if (v && (!*v || strlen(v) >= sizeof cl->node_id || strchr(v, ' '))) {
    gost__free(srv->ctx, cl);
    return gost__error(GOST_ECONFIG, "service \"%s\": bad node.id", svc->name);
  }
  /* One node ID for the sd and for the Gost-Forwarded-Node header of forwarded requests */
  snprintf(cl->node_id, sizeof cl->node_id, "%s", v ? v : srv->node_id);
  if (v && strlen(v) < sizeof srv->node_id) snprintf(srv->node_id, sizeof srv->node_id, "%s", v);
  v = gost__service_meta(svc, "node.secret", NULL);
  if (v) snprintf(cl->secret, sizeof cl->secret, "%s", v);
  if (gost__str_bool(gost__service_meta(svc, "node.tls", NULL), 0) && (rc = tls_options(cl, svc)) != GOST_OK) {
    json_decref(cl->tls_meta);
    gost__free(srv->ctx, cl);
    return rc;
  }
  rc = gost__sd_use(sd);
  if (rc != GOST_OK) {
    json_decref(cl->tls_meta);
    gost__free(srv->ctx, cl);
    return rc;
  }
  srv->cluster = cl;
  gost__tunnel_registry_observe(srv->reg, &observer, cl);
  GOST_INFO(srv->ctx, "service %s: cluster node %s at %s, sd %s", svc->name, cl->node_id, cl->node_addr, sd->name);
  return GOST_OK;
}

void gost__tunnel_cluster_stop(struct gost_tunnel_server *srv) {
  struct gost_tunnel_cluster *cl = srv->cluster;
  if (!cl) return;
  srv->cluster = NULL;
  gost__nodelinks_close(cl);
  gost__nodelinks_close_accepted(cl);
  gost__sd_unuse(cl->sd);
  json_decref(cl->tls_meta);
  gost__free(srv->ctx, cl);
}
