/* A tunnel server built with the C API, with an ingress rule added at run time.
 *   example_tunnel_server TUNNEL_ADDR ENTRYPOINT_ADDR HOST TUNNEL_ID
 *   e.g. example_tunnel_server 127.0.0.1:8443 127.0.0.1:8080 .example.com 4d21094e-b74c-4916-86c1-d9fa36ea677b */
#include <gost/gost.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s TUNNEL_ADDR ENTRYPOINT_ADDR HOST TUNNEL_ID\n", argv[0]);
    return 2;
  }
  gost_ctx_t *ctx;
  gost_ingress_t *ing;
  gost_service_t *svc;
  if (gost_ctx_new(&ctx) || gost_ingress_new(&ing, ctx, "ingress-0") ||
      gost_ingress_set_rule(ing, argv[3], argv[4]) || gost_service_new(&svc, ctx, "tunnel-server") ||
      gost_service_set_listener(svc, "tcp", argv[1]) || gost_service_set_handler(svc, "tunnel") ||
      gost_service_set_meta(svc, "handler", "entrypoint", argv[2]) ||
      gost_service_set_ingress(svc, ing) || gost_service_start(svc)) {
    fprintf(stderr, "example_tunnel_server: %s\n", gost_last_error());
    return 1;
  }
  printf("tunnel port %u, entrypoint port %u\n", gost_service_port(svc), gost_service_entrypoint_port(svc));
  fflush(stdout);
  gost_ctx_run(ctx, GOST_RUN_DEFAULT);
  gost_ctx_free(ctx);
  return 0;
}
