/* Events: one emit point fans out to the application's callback and the admin tap (SSE). */
#include "core/event.h"

#include "core/ctx_int.h"

static const char *const type_names[] = {NULL,           "connector_up",   "connector_down",
                                          "stream_open",  "stream_close",   "config_applied",
                                          "config_failed"};

const char *gost_event_type_name(int type) {
  if (type <= 0 || type >= (int)(sizeof type_names / sizeof type_names[0])) return NULL;
  return type_names[type];
}

static const char *const refusal_names[GOST_REFUSE__COUNT] = {
    "auth", "bad_request", "tunnel", "no_connector", "timeout", "other"};

const char *gost__refusal_name(int reason) {
  return reason >= 0 && reason < GOST_REFUSE__COUNT ? refusal_names[reason] : "other";
}

void gost_ctx_set_event_cb(gost_ctx_t *ctx, gost_event_cb cb, void *user) {
  if (!ctx) return;
  ctx->event_cb = cb;
  ctx->event_user = user;
}

void gost__event_emit(gost_ctx_t *ctx, const gost_event_t *ev) {
  if (ctx->event_cb) ctx->event_cb(ctx, ev, ctx->event_user);
  if (ctx->event_tap) ctx->event_tap(ctx, ev);
}
