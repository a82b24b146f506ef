/* gost: the reference binary. GOST's command line on libgost's public API only. */
#include <ev.h>
#include <gost/gost.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

#define MAX_URLS 64

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents) {
  (void)w;
  (void)revents;
  ev_break(loop, EVBREAK_ALL); /* the binary owns the default loop */
}

/* SIGHUP: re-read the -C file and apply the difference; the old config stays on error. */
static void on_hup(struct ev_loop *loop, ev_signal *w, int revents) {
  gost_ctx_t *ctx = w->data;
  if (gost_ctx_reload(ctx) != 0) fprintf(stderr, "gost: reload: %s\n", gost_last_error());
}

static void on_usr1(struct ev_loop *loop, ev_signal *w, int revents) {
  gost_ctx_t *ctx = w->data;
  if (gost_ctx_reopen_log(ctx) != 0) fprintf(stderr, "gost: reopen log: %s\n", gost_last_error());
}

/* -api [user:pass@]addr as stock: credentials before the last '@'. */
static int serve_api(gost_ctx_t *ctx, const char *spec) {
  char buf[512], *user = NULL, *pass = NULL;
  snprintf(buf, sizeof buf, "%s", spec);
  char *at = strrchr(buf, '@'), *addr = buf;
  if (at) {
    *at = '\0';
    user = buf;
    addr = at + 1;
    char *colon = strchr(user, ':');
    if (colon) {
      *colon = '\0';
      pass = colon + 1;
    }
  }
  return gost_ctx_serve_api(ctx, addr, user, pass, NULL);
}

static int fail(const char *what, int rc) {
  fprintf(stderr, "gost: %s: %s\n", what, rc ? gost_last_error() : "");
  return 1;
}

int main(int argc, char **argv) {
  const char *services[MAX_URLS], *nodes[MAX_URLS], *config = NULL, *api = NULL, *metrics = NULL;
  size_t nl = 0, nf = 0;
  int debug = 0;

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
      printf("gost %s (libgost)\n", gost_version_string());
      return 0;
    } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      gost_cli_usage(stdout);
      return 0;
    } else if (!strcmp(a, "-D")) {
      debug = 1;
    } else if (!strcmp(a, "-api") || !strcmp(a, "-metrics")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "gost: %s needs a value\n", a);
        return 2;
      }
      *(a[1] == 'a' ? &api : &metrics) = argv[++i];
    } else if (!strcmp(a, "-L") || !strcmp(a, "-F") || !strcmp(a, "-C")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "gost: %s needs a value\n", a);
        return 2;
      }
      const char *v = argv[++i];
      if (a[1] == 'C') config = v;
      else if ((a[1] == 'L' ? nl : nf) >= MAX_URLS) {
        fprintf(stderr, "gost: too many %s options (max %d)\n", a, MAX_URLS);
        return 2;
      } else if (a[1] == 'L') services[nl++] = v;
      else nodes[nf++] = v;
    } else {
      fprintf(stderr, "gost: unknown option \"%s\" (see gost --help)\n", a);
      return 2;
    }
  }
  if (!config && nl == 0 && !api) {
    gost_cli_usage(stderr);
    return 2;
  }

  struct ev_loop *loop = ev_default_loop(0);
  gost_ctx_t *ctx = NULL;
  int rc = gost_ctx_new_with_loop(&ctx, loop);
  if (rc) return fail("init", rc);
  if (debug) gost_ctx_set_log_level(ctx, GOST_LOG_DEBUG);

  if (config && (rc = gost_ctx_load_file(ctx, config)) != 0) {
    fprintf(stderr, "gost: %s\n", gost_last_error()); /* the message names the file */
    gost_ctx_free(ctx);
    return 1;
  }
  if (nl && (rc = gost_ctx_load_urls(ctx, services, nl, nodes, nf)) != 0) {
    fprintf(stderr, "gost: %s\n", gost_last_error());
    gost_ctx_free(ctx);
    return 1;
  }
  if (debug) gost_ctx_set_log_level(ctx, GOST_LOG_DEBUG); /* a config's log level yields to -D */
  if ((rc = gost_ctx_start(ctx)) != 0) {
    fprintf(stderr, "gost: %s\n", gost_last_error()); /* names service, key and address */
    gost_ctx_free(ctx);
    return 1;
  }
  /* -api/-metrics are not part of the config tree, so a reload keeps them */
  if ((api && serve_api(ctx, api) != 0) || (metrics && gost_ctx_serve_metrics(ctx, metrics, NULL) != 0)) {
    fprintf(stderr, "gost: %s\n", gost_last_error());
    gost_ctx_free(ctx);
    return 1;
  }

  ev_signal sigint, sigterm, sighup, sigusr1;
  ev_signal_init(&sigint, on_signal, SIGINT);
  ev_signal_init(&sigterm, on_signal, SIGTERM);
  ev_signal_init(&sighup, on_hup, SIGHUP);
  ev_signal_init(&sigusr1, on_usr1, SIGUSR1);
  sighup.data = sigusr1.data = ctx;
  ev_signal_start(loop, &sigint);
  ev_signal_start(loop, &sigterm);
  ev_signal_start(loop, &sighup);
  ev_signal_start(loop, &sigusr1);
  ev_run(loop, 0);
  ev_signal_stop(loop, &sigint);
  ev_signal_stop(loop, &sigterm);
  ev_signal_stop(loop, &sighup);
  ev_signal_stop(loop, &sigusr1);
  gost_ctx_free(ctx); /* stops every service, closing listeners and connections */
  return 0;
}
