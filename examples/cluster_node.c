/* One node of a scale-out tunnel service built with the C API (docs/cluster.md): a tunnel
 * server that registers its clients in a Redis sd and forwards to the other nodes.
 *   example_cluster_node REDIS_ADDR TUNNEL_ADDR ENTRYPOINT_ADDR HOST TUNNEL_ID
 *   e.g. example_cluster_node 127.0.0.1:6379 127.0.0.1:8443 127.0.0.1:8080 .example.com 4d21094e-b74c-4916-86c1-d9fa36ea677b
 * Run several with different TUNNEL_ADDR/ENTRYPOINT_ADDR; a client on any node is reachable
 * through the entrypoint of every node. */
#include <gost/gost.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s REDIS_ADDR TUNNEL_ADDR ENTRYPOINT_ADDR HOST TUNNEL_ID\n", argv[0]);
    return 2;
  }
  gost_ctx_t *ctx;
  gost_sd_t *sd;
  gost_ingress_t *ing;
  gost_service_t *svc;
  if (gost_ctx_new(&ctx) || gost_sd_new(&sd, ctx, "sd-0", argv[1]) || gost_sd_set(sd, "ttl", "5s") ||
      gost_ingress_new(&ing, ctx, "ingress-0") || gost_ingress_set_rule(ing, argv[4], argv[5]) ||
      gost_service_new(&svc, ctx, "tunnel-node") || gost_service_set_listener(svc, "tcp", argv[2]) ||
      gost_service_set_handler(svc, "tunnel") || gost_service_set_meta(svc, "handler", "entrypoint", argv[3]) ||
      gost_service_set_meta(svc, "handler", "sd", "sd-0") || gost_service_set_ingress(svc, ing) ||
      gost_service_start(svc)) {
    fprintf(stderr, "example_cluster_node: %s\n", gost_last_error());
    return 1;
  }
  printf("tunnel port %u, entrypoint port %u\n", gost_service_port(svc), gost_service_entrypoint_port(svc));
  fflush(stdout);
  gost_ctx_run(ctx, GOST_RUN_DEFAULT);
  gost_ctx_free(ctx);
  return 0;
}
