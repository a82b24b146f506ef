/* "tls" and "mtls" listeners (tcp accept + server handshake) and the "tls" dialer. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "transport/tls.h"
#include "core/addr.h"
#include "transport/transport_ops.h"
#include "transport/transport_ops.h"


int gost__transport_tcp_start(gost_service_t *svc) {
  return gost__listener_tcp.start(svc); /* same accept loop; it calls our wrap per connection */
}

void gost__transport_tcp_stop(gost_service_t *svc) {
  gost__listener_tcp.stop(svc);
}

static int listener_start(gost_service_t *svc, int mtls) {
  struct gost_tls_opts o;
  gost__tls_opts_from_meta(&o, svc->listener_meta, svc->service_meta, 1, mtls);
  SSL_CTX *s = gost__tls_ctx_get(svc->ctx, &o); /* fails early on bad files; warms the cache */
  if (!s) return GOST_ECONFIG; /* the caller reports gost_last_error(), once */
  SSL_CTX_free(s);
  return gost__transport_tcp_start(svc);
}

static int tls_start(gost_service_t *svc) { return listener_start(svc, 0); }
static int mtls_start(gost_service_t *svc) { return listener_start(svc, 1); }

static int listener_wrap(gost_service_t *svc, gost_stream *raw, int mtls, gost_stream_ready_cb cb,
                         void *user) {
  struct gost_tls_opts o;
  gost__tls_opts_from_meta(&o, svc->listener_meta, svc->service_meta, 1, mtls);
  SSL_CTX *s = gost__tls_ctx_get(svc->ctx, &o);
  if (!s) return GOST_ECONFIG;
  int rc = gost__tls_wrap(svc->ctx, raw, s, &o, cb, user);
  SSL_CTX_free(s);
  return rc;
}

static int tls_wrap(gost_service_t *svc, gost_stream *raw, gost_stream_ready_cb cb, void *user) {
  return listener_wrap(svc, raw, 0, cb, user);
}
static int mtls_wrap(gost_service_t *svc, gost_stream *raw, gost_stream_ready_cb cb, void *user) {
  return listener_wrap(svc, raw, 1, cb, user);
}

const struct gost_listener_ops gost__listener_tls = {"tls", tls_start, gost__transport_tcp_stop, tls_wrap};
const struct gost_listener_ops gost__listener_mtls = {"mtls", mtls_start, gost__transport_tcp_stop, mtls_wrap};

static int dialer_wrap(struct gost_node *node, gost_ctx_t *ctx, gost_stream *raw,
                       gost_stream_ready_cb cb, void *user) {
  struct gost_tls_opts o;
  char host[256];
  gost__tls_opts_from_meta(&o, node->dialer_meta, node->meta, 0, 0);
  if (!o.server_name || !*o.server_name) {
    uint16_t port_unused;
    if (gost__addr_split(node->addr, host, sizeof host, &port_unused)) host[0] = '\0';
    o.server_name = host;
  }
  SSL_CTX *s = gost__tls_ctx_get(ctx, &o);
  if (!s) return GOST_ECONFIG;
  int rc = gost__tls_wrap(ctx, raw, s, &o, cb, user);
  SSL_CTX_free(s);
  return rc;
}

const struct gost_dialer_ops gost__dialer_tls = {"tls", dialer_wrap};
