/* Remote port forwarding without a tunnel server: ask a relay or SOCKS5 server started with
 * bind=true (stock `gost -L relay://:8443?bind=true` works too) to listen on BIND for us, and
 * forward every connection it accepts to TARGET.
 *   example_remote_forward SERVER_URL BIND TARGET
 *   e.g. example_remote_forward relay://server:8443 :2222 127.0.0.1:22
 *        example_remote_forward socks5://user:pass@server:1080 :8080 127.0.0.1:80 */
#include <gost/gost.h>
#include <stdio.h>

static void on_state(gost_tunnel_t *t, int state, const char *detail, void *user) {
  (void)t;
  (void)user;
  static const char *const names[] = {"connecting", "listening", "lost", "retrying", "stopped"};
  printf("remote port %s %s\n", state >= 0 && state <= 4 ? names[state] : "?", detail ? detail : "");
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s SERVER_URL BIND TARGET\n", argv[0]);
    return 2;
  }
  gost_ctx_t *ctx;
  gost_tunnel_t *t;
  /* no tunnel ID: a relay:// or socks5:// server URL means a plain BIND */
  if (gost_ctx_new(&ctx) || gost_tunnel_new(&t, ctx, argv[1], NULL, argv[2]) ||
      gost_tunnel_add_target(t, argv[3], NULL) || gost_tunnel_set_state_cb(t, on_state, NULL) ||
      gost_tunnel_start(t)) {
    fprintf(stderr, "example_remote_forward: %s\n", gost_last_error());
    return 1;
  }
  gost_ctx_run(ctx, GOST_RUN_DEFAULT); /* until killed */
  gost_ctx_free(ctx);
  return 0;
}
