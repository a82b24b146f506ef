/* Run-time control from C: a server from a config file (its api:/metrics: sections start the
 * web API and metrics), events printed as they happen, SIGHUP reloads the file, and commands
 * read on stdin by a second thread are run on the loop thread with gost_ctx_call:
 *   example_control CONFIG
 *   stdin:  rule INGRESS HOSTNAME TUNNEL_ID | unrule INGRESS HOSTNAME | stats SERVICE | reload | quit
 * ("stats" prints each tunnel's totals over all its connectors, past and present). 
 */
#include <ev.h>
#include <gost/gost.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gost_ctx_t *ctx;

static void on_event(gost_ctx_t *c, const gost_event_t *ev, void *user) {
  printf("event %s service=%s tunnel=%s client=%s detail=%s\n", gost_event_type_name(ev->type),
         ev->service ? ev->service : "-", ev->tunnel_id ? ev->tunnel_id : "-", ev->client ? ev->client : "-",
         ev->detail ? ev->detail : "-");
  fflush(stdout);
}

static void print_tunnel(gost_service_t *svc, const gost_tunnel_stats_t *st, void *user) {
  printf("tunnel %s connectors=%d connections=%llu streams=%llu in=%llu out=%llu idle=%.1fs\n", st->tunnel_id,
         st->connectors, (unsigned long long)st->connections, (unsigned long long)st->streams,
         (unsigned long long)st->bytes_in, (unsigned long long)st->bytes_out, st->idle_s);
}

/* A command line handed from the stdin thread to the loop thread. */
struct cmd {
  char verb[16], a[256], b[256], c[64];
};

static void run_cmd(gost_ctx_t *c, void *user) { /* on the loop thread */
  struct cmd *k = user;
  int rc = 0;
  if (!strcmp(k->verb, "quit")) gost_ctx_stop(c);
  else if (!strcmp(k->verb, "reload")) rc = gost_ctx_reload(c);
  else if (!strcmp(k->verb, "stats")) rc = gost_service_tunnel_stats(gost_ctx_service(c, k->a), print_tunnel, NULL) < 0;
  else {
    gost_ingress_t *ing = gost_ctx_ingress(c, k->a);
    if (!ing) rc = -1;
    else if (!strcmp(k->verb, "rule")) rc = gost_ingress_set_rule(ing, k->b, k->c);
    else if (!strcmp(k->verb, "unrule")) rc = gost_ingress_remove_rule(ing, k->b);
  }
  printf("%s: %s\n", k->verb, rc ? (rc == -1 ? "no such ingress" : gost_last_error()) : "ok");
  fflush(stdout);
  free(k);
}

static void *read_stdin(void *arg) {
  char line[700];
  while (fgets(line, sizeof line, stdin)) {
    struct cmd *k = calloc(1, sizeof *k);
    if (!k || sscanf(line, "%15s %255s %255s %63s", k->verb, k->a, k->b, k->c) < 1 ||
        gost_ctx_call(ctx, run_cmd, k) != 0)
      free(k);
  }
  return NULL;
}

static void on_hup(struct ev_loop *loop, ev_signal *w, int revents) {
  if (gost_ctx_reload(ctx)) fprintf(stderr, "reload: %s\n", gost_last_error());
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s CONFIG\n", argv[0]);
    return 2;
  }
  struct ev_loop *loop = ev_default_loop(0);
  if (gost_ctx_new_with_loop(&ctx, loop) || gost_ctx_load_file(ctx, argv[1])) {
    fprintf(stderr, "example_control: %s\n", gost_last_error());
    return 1;
  }
  gost_ctx_set_event_cb(ctx, on_event, NULL);
  if (gost_ctx_start(ctx)) {
    fprintf(stderr, "example_control: %s\n", gost_last_error());
    gost_ctx_free(ctx);
    return 1;
  }
  printf("api port %u, metrics port %u\n", gost_ctx_api_port(ctx), gost_ctx_metrics_port(ctx));
  fflush(stdout);
  ev_signal hup;
  ev_signal_init(&hup, on_hup, SIGHUP);
  ev_signal_start(loop, &hup);
  ev_unref(loop); /* the services keep the loop running, not the signal watcher */
  pthread_t t;
  pthread_create(&t, NULL, read_stdin, NULL);
  pthread_detach(t);
  ev_run(loop, 0); /* until "quit": gost_ctx_stop stops the services, so ev_run returns */
  ev_ref(loop);
  ev_signal_stop(loop, &hup);
  gost_ctx_free(ctx);
  return 0;
}
