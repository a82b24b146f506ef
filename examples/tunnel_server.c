/* A tunnel server built with the C API, with an ingress rule added at run time; every 10 s it
 * lists the connected tunnel clients (gost_service_connectors; the service carries its label as
 * user data).
 *   example_tunnel_server TUNNEL_ADDR ENTRYPOINT_ADDR HOST TUNNEL_ID
 *   e.g. example_tunnel_server 127.0.0.1:8443 127.0.0.1:8080 .example.com 4d21094e-b74c-4916-86c1-d9fa36ea677b */
#include <ev.h>
#include <gost/gost.h>
#include <stdio.h>

static void print_connector(gost_service_t *svc, const gost_connector_info_t *c, void *user) {
  (void)user;
  printf("%s: tunnel %s connector %s weight %d streams %llu\n", (const char *)gost_service_get_data(svc),
         c->tunnel_id, c->connector_id, c->weight, (unsigned long long)c->streams);
}

static void every_10s(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop, (void)revents;
  gost_service_connectors(w->data, print_connector, NULL);
  fflush(stdout);
}

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
  gost_service_set_data(svc, "tunnel-server");
  ev_timer tick;
  ev_timer_init(&tick, every_10s, 10., 10.);
  tick.data = svc;
  ev_timer_start(gost_ctx_loop(ctx), &tick);
  ev_unref(gost_ctx_loop(ctx)); /* the listing alone does not keep the loop alive */
  gost_ctx_run(ctx, GOST_RUN_DEFAULT);
  gost_ctx_free(ctx);
  return 0;
}
