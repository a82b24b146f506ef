/* Publish a local web server through a tunnel server with gost_tunnel_t, printing state changes.
 *   example_tunnel_client SERVER_URL TUNNEL_ID TARGET
 *   e.g. example_tunnel_client tunnel://127.0.0.1:8443 4d21094e-b74c-4916-86c1-d9fa36ea677b 127.0.0.1:8000 */
#include <gost/gost.h>
#include <stdio.h>

static const char *state_name(int s) {
  static const char *const names[] = {"connecting", "registered", "lost", "retrying", "stopped"};
  return s >= 0 && s <= 4 ? names[s] : "?";
}

static void on_state(gost_tunnel_t *t, int state, const char *detail, void *user) {
  (void)t;
  (void)user;
  printf("tunnel %s %s\n", state_name(state), detail ? detail : "");
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s SERVER_URL TUNNEL_ID TARGET\n", argv[0]);
    return 2;
  }
  gost_ctx_t *ctx;
  gost_tunnel_t *t;
  if (gost_ctx_new(&ctx) || gost_tunnel_new(&t, ctx, argv[1], argv[2], ":0") ||
      gost_tunnel_add_target(t, argv[3], NULL) || gost_tunnel_set_state_cb(t, on_state, NULL) ||
      gost_tunnel_start(t)) {
    fprintf(stderr, "example_tunnel_client: %s\n", gost_last_error());
    return 1;
  }
  gost_ctx_run(ctx, GOST_RUN_DEFAULT); /* until killed */
  gost_ctx_free(ctx);
  return 0;
}
