/* Cluster mode of a tunnel server (docs/cluster.md): sd registration of local connectors and,
 * when no local connector exists, forwarding to the node that has one. */
#ifndef GOST_TUNNEL_CLUSTER_H
#define GOST_TUNNEL_CLUSTER_H

#include "cluster/sd.h"
#include "codec/relay.h"
#include "tunnel/server.h"

struct gost_tunnel_cluster {
  struct gost_tunnel_server *srv;
  struct gost_sd *sd;
  char node_id[GOST_SD_NODE_MAX];
  char node_addr[GOST_SD_ADDR_MAX];
  char secret[128];
  json_t *tls_meta; /* node.tls: TLS options of outgoing node links (certFile, keyFile, caFile, serverName, secure) */
  struct gost_list links;    /* node links to peers (nodelink.c) */
  struct gost_list accepted; /* node links from peers (nodelink_serve.c) */
};

/* What a forwarded request asks for: tunnel, network, relay source and destination. */
struct gost_tunnel_target {
  uint8_t tid[16];
  int udp;
  char src[GOST__RELAY_ADDR_STR_MAX], dst[GOST__RELAY_ADDR_STR_MAX];
};
/* Fills t; NULL src/dst become "". */
void gost__tunnel_target_set(struct gost_tunnel_target *t, const uint8_t tid[16], int udp, const char *src,
                             const char *dst);

/* Reads handler metadata sd, node.addr, node.id, node.secret; no-op without `sd`. Needs the
 * service's listener bound (node.addr defaults to its address when that is not a wildcard). */
int gost__tunnel_cluster_start(struct gost_tunnel_server *srv);
/* After the registry is freed (its connectors deregister through the observer). NULL-safe. */
void gost__tunnel_cluster_stop(struct gost_tunnel_server *srv);

#endif
