/* "auto" handler: SOCKS5 when the first byte is 0x05, HTTP proxy otherwise. The byte is only
 * peeked: the chosen protocol reads it again. */
#include "core/error.h"
#include "handler/proxy.h"
#include "handler/handlers.h"

static int parse_first(const uint8_t *b, size_t n, void *out, size_t *used) {
  *used = 0;
  if (n == 0) return GOST_EAGAIN;
  ((struct gost_proxy_conn *)out)->first = b[0];
  return GOST_OK;
}

static void on_first(gost_stream *s, int status, void *user) {
  struct gost_proxy_conn *pc = user;
  pc->mr = NULL;
  pc->client = s;
  if (status < 0) { /* EOF or silence: a proxy client always speaks first */
    gost__proxy_conn_end(pc);
    return;
  }
  if (pc->first == GOST__SOCKS5_VERSION) gost__socks5_begin(pc);
  else gost__http_proxy_begin(pc);
}

static void auto_handle(gost_service_t *svc, gost_stream *s, const struct gost_conn_info *info) {
  (void)info;
  struct gost_proxy_conn *pc = gost__proxy_conn_new(svc, s);
  if (!pc) return;
  struct gost_proxy_state *st = svc->handler_state;
  pc->mr = gost__msg_peek(svc->ctx, s, 1, st->read_ms, parse_first, pc, on_first, pc);
  if (!pc->mr) gost__proxy_conn_end(pc);
}

const struct gost_handler_ops gost__handler_auto = {"auto", gost__proxy_start, auto_handle,
                                                    gost__proxy_stop};
