#include "model/private.h"

#include <string.h>

#include "core/error.h"

int gost__private_listen(struct gost_service *l, gost_ctx_t *ctx, const char *name, const char *addr,
                         const struct gost_handler_ops *h, void *state) {
  const struct gost_listener_ops *tcp = gost__listener_find("tcp");
  memset(l, 0, sizeof *l);
  if (!tcp) return gost__error(GOST_EUNSUPPORTED, "tcp listener not available");
  l->ctx = ctx;
  l->name = (char *)name;
  l->listener_type = (char *)"tcp";
  l->handler_type = (char *)h->name;
  l->addr = gost__strdup(ctx, addr);
  l->handler_meta = json_object();
  l->listener_meta = json_object();
  l->service_meta = json_object();
  l->listener = tcp;
  l->handler = h;
  l->handler_state = state;
  gost_list_init(&l->link);
  int rc = l->addr && l->handler_meta && l->listener_meta && l->service_meta
               ? tcp->start(l)
               : gost__error(GOST_ENOMEM, "out of memory");
  if (rc != GOST_OK) {
    l->listener = NULL;
    gost__private_close(l);
    return rc;
  }
  l->running = 1;
  return GOST_OK;
}

void gost__private_close(struct gost_service *l) {
  if (l->running && l->listener && l->listener->stop) l->listener->stop(l);
  l->running = 0;
  json_decref(l->handler_meta);
  json_decref(l->listener_meta);
  json_decref(l->service_meta);
  l->handler_meta = l->listener_meta = l->service_meta = NULL;
  if (l->addr) gost__free(l->ctx, l->addr);
  l->addr = NULL;
}
