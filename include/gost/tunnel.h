/* gost_tunnel_t: publish local targets through a tunnel server; inspect a server's tunnels. */
#ifndef GOST_TUNNEL_H
#define GOST_TUNNEL_H

#include <gost/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  GOST_TUNNEL_CONNECTING = 0,
  GOST_TUNNEL_REGISTERED = 1, /* detail = endpoint host returned by the server */
  GOST_TUNNEL_LOST = 2,       /* detail = reason */
  GOST_TUNNEL_RETRYING = 3,   /* detail = delay in ms, as text */
  GOST_TUNNEL_STOPPED = 4
} gost_tunnel_state_t;

typedef void (*gost_tunnel_state_cb)(gost_tunnel_t *t, int state, const char *detail, void *user);

/* Client: publish under tunnel_id (UUID) through server_url, e.g. "tunnel://127.0.0.1:8443"
 * or "tunnel+wss://user:pass@host:443". bind is the requested endpoint (":0" or "hello"). */
GOST_EXTERN int gost_tunnel_new(gost_tunnel_t **out, gost_ctx_t *ctx, const char *server_url,
                                const char *tunnel_id, const char *bind);
GOST_EXTERN int gost_tunnel_set_weight(gost_tunnel_t *t, int weight);
GOST_EXTERN int gost_tunnel_set_udp(gost_tunnel_t *t, int udp);
/* Target chosen for streams whose host matches filter_host (NULL = fallback). */
GOST_EXTERN int gost_tunnel_add_target(gost_tunnel_t *t, const char *addr, const char *filter_host);
GOST_EXTERN int gost_tunnel_set_state_cb(gost_tunnel_t *t, gost_tunnel_state_cb cb, void *user);
GOST_EXTERN int gost_tunnel_start(gost_tunnel_t *t);
GOST_EXTERN int gost_tunnel_state(const gost_tunnel_t *t);
/* Endpoint host returned by the server at the last registration ("" before). */
GOST_EXTERN const char *gost_tunnel_endpoint(const gost_tunnel_t *t);
GOST_EXTERN void gost_tunnel_free(gost_tunnel_t *t);
/* The caller's pointer, carried by the handle. NULL-safe. */
GOST_EXTERN void gost_tunnel_set_data(gost_tunnel_t *t, void *data);
GOST_EXTERN void *gost_tunnel_get_data(const gost_tunnel_t *t);

/* Server inspection of a running tunnel service: cb runs once per live connector with its
 * tunnel ID and connector ID (canonical UUIDs), UDP flag, weight, streams opened so far and bytes
 * from/to the client. Returns the count or an error. Superseded by gost_service_connectors
 * (service.h: handle first, an extensible info struct); kept for ABI compatibility. */
typedef void (*gost_connector_cb)(const char *tunnel_id, const char *connector_id, int udp,
                                  int weight, uint64_t streams, uint64_t bytes_in,
                                  uint64_t bytes_out, void *user);
GOST_EXTERN int gost_service_foreach_connector(gost_service_t *svc, gost_connector_cb cb, void *user);
/* Public endpoint name of a tunnel ID (16 hex chars + NUL into out, out_len >= 17). */
GOST_EXTERN int gost_tunnel_endpoint_name(const char *tunnel_id, char *out, size_t out_len);

#ifdef __cplusplus
}
#endif
#endif /* GOST_TUNNEL_H */
