/* Local TCP port forwarding on the caller's own libev loop (the borrowed-loop path).
 *   example_forward LISTEN_ADDR TARGET        e.g.  example_forward 127.0.0.1:8080 127.0.0.1:80 */
#include <ev.h>
#include <gost/gost.h>
#include <stdio.h>

static void on_sigint(struct ev_loop *loop, ev_signal *w, int revents) {
  (void)w;
  (void)revents;
  ev_break(loop, EVBREAK_ALL);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s LISTEN_ADDR TARGET\n", argv[0]);
    return 2;
  }
  struct ev_loop *loop = ev_default_loop(0);
  gost_ctx_t *ctx;
  gost_service_t *svc;
  if (gost_ctx_new_with_loop(&ctx, loop) || gost_service_new(&svc, ctx, "forward") ||
      gost_service_set_listener(svc, "tcp", argv[1]) || gost_service_set_handler(svc, "tcp") ||
      gost_service_add_node(svc, "target", argv[2], NULL) || gost_service_start(svc)) {
    fprintf(stderr, "example_forward: %s\n", gost_last_error());
    return 1;
  }
  printf("forwarding 127.0.0.1:%u -> %s\n", gost_service_port(svc), argv[2]);
  fflush(stdout);
  ev_signal sig;
  ev_signal_init(&sig, on_sigint, SIGINT);
  ev_signal_start(loop, &sig);
  ev_run(loop, 0);
  gost_ctx_free(ctx);
  return 0;
}
