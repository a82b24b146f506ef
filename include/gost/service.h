/* gost_service_t: a listener plus a handler, with forwarder nodes and metadata. */
#ifndef GOST_SERVICE_H
#define GOST_SERVICE_H

#include <gost/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Creates a stopped service. Names are unique per context (GOST_EEXIST). */
GOST_EXTERN int gost_service_new(gost_service_t **out, gost_ctx_t *ctx, const char *name);
/* Listener type ("tcp", "udp", "rtcp", "rudp", "tls", "ws", "wss", ...) and its address
 * (":8080", "127.0.0.1:0", "[::1]:80"). */
GOST_EXTERN int gost_service_set_listener(gost_service_t *svc, const char *type, const char *addr);
/* Handler type ("tcp", "udp", "rtcp", "rudp", "tunnel", "relay", "http", "socks5", "auto"). */
GOST_EXTERN int gost_service_set_handler(gost_service_t *svc, const char *type);
/* Metadata key/value. scope is "handler", "listener" or "service" (NULL: all three, as an
 * unprefixed URL query key). Keys are case-insensitive. */
GOST_EXTERN int gost_service_set_meta(gost_service_t *svc, const char *scope, const char *key,
                                      const char *value);
/* Credentials the handler requires (NULL user clears). */
GOST_EXTERN int gost_service_set_auth(gost_service_t *svc, const char *user, const char *pass);
/* Named auther of the same context providing several user/password pairs. */
GOST_EXTERN int gost_service_add_auth(gost_service_t *svc, const char *user, const char *pass);
/* Like gost_service_add_auth, and limits the tunnels this user may use on a tunnel server
 * (per-user ownership, docs/security.md): bind = tunnel IDs it may register as a tunnel client,
 * visit = tunnel IDs it may CONNECT to as a visitor. Each is a comma-separated list of UUIDs
 * ("" = none). Both NULL: any tunnel (stock behaviour); one NULL: none of that kind, so a
 * visitor-only user cannot bind. Refusals answer the relay status Unauthorized. */
GOST_EXTERN int gost_service_add_auth_tunnels(gost_service_t *svc, const char *user,
                                              const char *pass, const char *bind,
                                              const char *visit);
/* The chain that dials onward: the handler's for most services, the listener's for rtcp/rudp.
 * Takes an internal reference. */
/* Adds a bypass (stock `bypasses` entry, docs/bypass.md) to the service's group: targets it
 * holds back are refused by the proxy and relay handlers (HTTP 403, SOCKS5 0x02, relay
 * Forbidden). whitelist: hold back everything the matchers do not list. Matchers: CIDR, IP
 * range "a-b", glob "*.example.com[:port]", address "[.]example.com[:port|:lo-hi]". A bad
 * matcher is GOST_EINVAL and adds nothing. Takes effect for the next connection. */
GOST_EXTERN int gost_service_add_bypass(gost_service_t *svc, int whitelist, const char *const *matchers,
                                        size_t n);
/* Removes every bypass of the service (before re-adding a changed list). */
GOST_EXTERN void gost_service_clear_bypass(gost_service_t *svc);
GOST_EXTERN int gost_service_set_chain(gost_service_t *svc, gost_chain_t *chain);
/* Ingress used by a tunnel handler. Takes an internal reference. */
GOST_EXTERN int gost_service_set_ingress(gost_service_t *svc, gost_ingress_t *ingress);
/* Forwarder node: name (may be NULL), target address, optional host filter (exact,
 * ".example.com", "*.example.com"). */
GOST_EXTERN int gost_service_add_node(gost_service_t *svc, const char *name, const char *addr,
                                      const char *filter_host);
/* Node metadata such as "backup"="true". Node looked up by name. Scope "node" (superseded by
 * gost_service_set_node_meta_ex, which takes the scope as the chain version does). */
GOST_EXTERN int gost_service_set_node_meta(gost_service_t *svc, const char *node,
                                           const char *key, const char *value);
/* Node metadata with a scope: "node", "connector", "dialer" (NULL: all three), as
 * gost_chain_set_node_meta. */
GOST_EXTERN int gost_service_set_node_meta_ex(gost_service_t *svc, const char *node,
                                              const char *scope, const char *key, const char *value);

/* Metadata whose value is JSON text (a list such as `entrypoints`, or "\"text\""); scope as
 * gost_service_set_meta. GOST_EINVAL on text that is not JSON. */
GOST_EXTERN int gost_service_set_meta_json(gost_service_t *svc, const char *scope, const char *key,
                                           const char *json);
/* Forwarder node idx (the index gost_service_add_node returned): protocol filter ("http",
 * "tls", "ssh") and path prefix filter; NULL leaves a filter unchanged. */
GOST_EXTERN int gost_service_set_node_filter(gost_service_t *svc, int idx, const char *protocol,
                                             const char *path);
/* Forwarder node idx metadata with a JSON-text value; scope "node" (or NULL). */
GOST_EXTERN int gost_service_set_node_meta_json_at(gost_service_t *svc, int idx, const char *scope,
                                                   const char *key, const char *json);
/* Where the service was defined, e.g. "services[0]" of a config file; start-up errors begin
 * with it ("services[0].handler.metadata.entrypoint: listen 80: ..."). Default: its name. */
GOST_EXTERN int gost_service_set_origin(gost_service_t *svc, const char *origin);

/* Binds and starts now; later failures are logged (and reported through tunnel callbacks). */
GOST_EXTERN int gost_service_start(gost_service_t *svc);
GOST_EXTERN int gost_service_stop(gost_service_t *svc);
/* Stops the service and removes it from its context. NULL-safe. */
GOST_EXTERN void gost_service_free(gost_service_t *svc);

GOST_EXTERN const char *gost_service_name(const gost_service_t *svc);
/* The caller's pointer, carried by the handle (libgost never reads it). NULL-safe. */
GOST_EXTERN void gost_service_set_data(gost_service_t *svc, void *data);
GOST_EXTERN void *gost_service_get_data(const gost_service_t *svc);

/* One live connector of a running tunnel server. Fields may be appended in later versions:
 * size is sizeof(gost_connector_info_t) as the library was built. */
typedef struct gost_connector_info {
  size_t size;
  const char *tunnel_id;    /* canonical UUID */
  const char *connector_id; /* canonical UUID */
  int udp;
  int weight;
  uint64_t streams;   /* streams opened so far */
  uint64_t bytes_in;  /* from the client */
  uint64_t bytes_out; /* to the client */
  /* appended (control plane) */
  const char *client; /* "ip:port" of the tunnel client */
  double uptime_s;    /* seconds since it registered */
} gost_connector_info_t;
typedef void (*gost_connector_info_cb)(gost_service_t *svc, const gost_connector_info_t *info,
                                       void *user);
/* Runs cb once per live connector of a running tunnel/relay service. Returns the count, or
 * GOST_ESTATE when svc is not a running tunnel server. Supersedes
 * gost_service_foreach_connector (tunnel.h). */
GOST_EXTERN int gost_service_connectors(gost_service_t *svc, gost_connector_info_cb cb, void *user);
/* Port actually bound by a started service (0 if none), useful with ":0". */
GOST_EXTERN uint16_t gost_service_port(const gost_service_t *svc);
/* Port of the tunnel entrypoint of a started tunnel service (0 if none). */
GOST_EXTERN uint16_t gost_service_entrypoint_port(const gost_service_t *svc);
/* Counters since start: accepted connections or flows, bytes in and out. */
GOST_EXTERN uint64_t gost_service_stat(const gost_service_t *svc, int which);
#define GOST_STAT_CONNECTIONS 0
#define GOST_STAT_ACTIVE 1
#define GOST_STAT_BYTES_IN 2
#define GOST_STAT_BYTES_OUT 3
/* Tunnel servers: multiplexed visitor sessions open now (tunnel.mux, docs/tunnel.md §10). */
#define GOST_STAT_VISITOR_SESSIONS 4

#ifdef __cplusplus
}
#endif
#endif /* GOST_SERVICE_H */
