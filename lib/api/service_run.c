/* Starting and stopping services: resolve ops from the registries, then listener and handler. */
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "core/error.h"
#include "core/log.h"

/* Every hop's dialer and connector must be known before anything binds. */
static int check_chain(const gost_chain_t *chain) {
  for (size_t i = 0; chain && i < chain->nhops; i++)
    for (size_t j = 0; j < chain->hops[i]->nnodes; j++) {
      const struct gost_node *n = chain->hops[i]->nodes[j];
      if (!gost__connector_find(n->connector))
        return gost__error(GOST_EUNSUPPORTED, "chain \"%s\": connector \"%s\" not available",
                           chain->name, n->connector);
      if (!gost__dialer_find(n->dialer))
        return gost__error(GOST_EUNSUPPORTED, "chain \"%s\": dialer \"%s\" not available",
                           chain->name, n->dialer);
    }
  return GOST_OK;
}

/* Start-up errors name where the service came from and which key failed (issue 11):
 * "<origin>.addr: listen ...", "<origin>.handler.metadata.entrypoint: ...", else
 * "<origin>.listener: ..." / "<origin>.handler: ...". */
static int start_fail(const gost_service_t *svc, int rc, const char *part) {
  char msg[512];
  const char *origin = svc->origin ? svc->origin : svc->name;
  snprintf(msg, sizeof msg, "%s", gost_last_error());
  if (!strncmp(msg, "handler.", 8) || !strncmp(msg, "listener.", 9))
    return gost__error(rc, "%s.%s", origin, msg);
  if (!strncmp(msg, "listen ", 7) || !strncmp(msg, "cannot resolve listen address", 29))
    return gost__error(rc, "%s.addr: %s", origin, msg);
  return gost__error(rc, "%s.%s: %s", origin, part, msg);
}

int gost_service_set_origin(gost_service_t *svc, const char *origin) {
  if (!svc) return gost__error(GOST_EINVAL, "service is NULL");
  char *o = origin ? gost__strdup(svc->ctx, origin) : NULL;
  if (origin && !o) return gost__error(GOST_ENOMEM, "out of memory");
  gost__free(svc->ctx, svc->origin);
  svc->origin = o;
  return GOST_OK;
}

/* One lifecycle event for stock's status.events (GET /config), oldest dropped first. */
static void record(gost_service_t *svc, int state, const char *fmt, const char *arg) {
  struct gost_svc_event *e = &svc->events[svc->nevents++ % GOST_SVC_EVENTS];
  e->time = ev_time();
  snprintf(e->msg, sizeof e->msg, fmt, arg);
  svc->state = state;
}

int gost_service_start(gost_service_t *svc) {
  if (!svc) return gost__error(GOST_EINVAL, "service is NULL");
  if (svc->running) return gost__error(GOST_ESTATE, "service \"%s\" already running", svc->name);
  if (!svc->addr) return gost__error(GOST_ECONFIG, "service \"%s\": no address", svc->name);
  const struct gost_listener_ops *l = gost__listener_find(svc->listener_type);
  if (!l) return gost__error(GOST_EUNSUPPORTED, "service \"%s\": listener \"%s\" not available",
                             svc->name, svc->listener_type);
  const struct gost_handler_ops *h = gost__handler_find(svc->handler_type);
  if (!h) return gost__error(GOST_EUNSUPPORTED, "service \"%s\": handler \"%s\" not available",
                             svc->name, svc->handler_type);
  int rc = check_chain(svc->chain);
  if (rc) return rc;
  svc->listener = l;
  svc->handler = h;
  for (int i = 0; i < 4; i++) svc->stats[i] = 0;
  svc->errors = 0;
  if (l->start && (rc = l->start(svc)) != GOST_OK) {
    rc = start_fail(svc, rc, "listener");
    goto fail;
  }
  if (h->start && (rc = h->start(svc)) != GOST_OK) {
    rc = start_fail(svc, rc, "handler");
    if (l->stop) l->stop(svc); /* roll back the bind */
    goto fail;
  }
  svc->running = 1;
  record(svc, GOST_SVC_RUNNING, "service listening on %s", svc->addr);
  /* The bound port too, so that a ":0" listener can be found from its log (tests, scripts). */
  if (svc->port)
    GOST_LOGF(svc->ctx, GOST_LOG_INFO, NULL, "service %s listening on %s (%s/%s), bound port %u",
              svc->name, svc->addr, svc->handler_type, svc->listener_type, (unsigned)svc->port);
  else
    GOST_LOGF(svc->ctx, GOST_LOG_INFO, NULL, "service %s listening on %s (%s/%s)", svc->name,
              svc->addr, svc->handler_type, svc->listener_type);
  return GOST_OK;
fail:
  svc->listener = NULL;
  svc->handler = NULL;
  svc->port = svc->entrypoint_port = 0;
  record(svc, GOST_SVC_FAILED, "start failed: %s", gost_last_error());
  return rc;
}

int gost_service_stop(gost_service_t *svc) {
  if (!svc) return gost__error(GOST_EINVAL, "service is NULL");
  if (!svc->running) return GOST_OK;
  /* Listener first: no new connections reach a stopping handler. */
  if (svc->listener && svc->listener->stop) svc->listener->stop(svc);
  if (svc->handler && svc->handler->stop) svc->handler->stop(svc);
  svc->running = 0;
  svc->port = svc->entrypoint_port = 0;
  svc->listener = NULL;
  svc->handler = NULL;
  record(svc, GOST_SVC_CLOSED, "service %s stopped", svc->name);
  return GOST_OK;
}

/* gost_ctx_start is defined by the top layer (lib/admin), which adds its own servers through
 * `also` inside the same all-or-nothing step. */
int gost__ctx_start_services(gost_ctx_t *ctx, int (*also)(gost_ctx_t *ctx)) {
  if (!ctx) return gost__error(GOST_EINVAL, "ctx is NULL");
  size_t n = gost_ctx_service_count(ctx), k = 0;
  gost_service_t **started = gost__calloc(ctx, n ? n : 1, sizeof *started);
  if (!started) return gost__error(GOST_ENOMEM, "out of memory");
  int rc = GOST_OK;
  struct gost_list *pos;
  gost_list_foreach(pos, &ctx->services) {
    gost_service_t *s = gost_container_of(pos, gost_service_t, link);
    if (s->running) continue;
    if ((rc = gost_service_start(s)) != GOST_OK) break;
    started[k++] = s;
  }
  if (rc == GOST_OK && also) rc = also(ctx);
  if (rc != GOST_OK) { /* all or nothing: undo this call's starts, keep the first error */
    char msg[512];
    snprintf(msg, sizeof msg, "%s", gost_last_error());
    while (k) gost_service_stop(started[--k]);
    gost__error(rc, "%s", msg);
  }
  gost__free(ctx, started);
  return rc;
}
