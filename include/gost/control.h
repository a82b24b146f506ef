/* Run-time control: events, thread-safe calls onto the loop, config diff-and-apply, connector
 * inspection and the built-in web API / Prometheus servers (docs/operations.md, docs/api.md). */
#ifndef GOST_CONTROL_H
#define GOST_CONTROL_H

#include <gost/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  GOST_EVENT_CONNECTOR_UP = 1,   /* a tunnel client registered (BIND) */
  GOST_EVENT_CONNECTOR_DOWN = 2, /* its session ended; detail = reason */
  GOST_EVENT_STREAM_OPEN = 3,    /* a stream was opened through a tunnel */
  GOST_EVENT_STREAM_CLOSE = 4,   /* that relay ended; bytes_in/out = totals */
  GOST_EVENT_CONFIG_APPLIED = 5, /* a reload or API change was applied; detail = summary */
  GOST_EVENT_CONFIG_FAILED = 6   /* a reload was refused; detail = the error */
} gost_event_type_t;

/* Fields that do not apply to an event type are NULL / 0. Strings live during the call only. */
typedef struct gost_event {
  int type;
  const char *service;      /* service name */
  const char *tunnel_id;    /* canonical UUID */
  const char *connector_id; /* canonical UUID */
  const char *client;       /* "ip:port" of the tunnel client or public client */
  const char *network;      /* "tcp" or "udp" */
  int weight;
  uint64_t bytes_in, bytes_out;
  const char *detail;
} gost_event_t;

/* Called on the loop thread for every event. cb NULL disables it. */
typedef void (*gost_event_cb)(gost_ctx_t *ctx, const gost_event_t *ev, void *user);
GOST_EXTERN void gost_ctx_set_event_cb(gost_ctx_t *ctx, gost_event_cb cb, void *user);
/* "connector_up", ... ; NULL for an unknown type. */
GOST_EXTERN const char *gost_event_type_name(int type);

/* Runs fn(ctx, user) on the loop thread soon, like uv_async_send. Safe from any thread (not
 * from a signal handler). Calls run in submission order. GOST_ENOMEM if it cannot be queued. */
typedef void (*gost_call_fn)(gost_ctx_t *ctx, void *user);
GOST_EXTERN int gost_ctx_call(gost_ctx_t *ctx, gost_call_fn fn, void *user);

/* Diff and apply a whole config document (JSON or YAML text) to a running context, as a
 * reload: all of it is validated first (nothing changes on error); then added services start,
 * removed ones stop, changed ones restart, unchanged ones are not touched, ingress rules and
 * authers change in place. The services and chain of gost_ctx_load_urls (-L/-F) are merged in
 * again unless the document names an object the same (as stock's reload); a service `status`
 * (GET /config) is ignored. Loop thread only. */
GOST_EXTERN int gost_ctx_apply_config(gost_ctx_t *ctx, const char *text, size_t len);
/* Re-reads the file given to gost_ctx_load_file and applies it, with the -L/-F services merged
 * in as above (GOST_ESTATE without a file). */
GOST_EXTERN int gost_ctx_reload(gost_ctx_t *ctx);
/* The effective config as JSON (names filled in) into buf, snprintf semantics on *len. */
GOST_EXTERN int gost_ctx_config_json(gost_ctx_t *ctx, char *buf, size_t *len);

/* Connectors of a tunnel server: gost_service_connectors (service.h; its info carries the
 * client address and uptime). Ends the session of a connector (its streams end); GOST_ENOTFOUND if it is not there. */
GOST_EXTERN int gost_service_disconnect(gost_service_t *svc, const char *connector_id);

/* Totals of one tunnel of a tunnel server, over all its connectors past and present: they
 * survive a connector leaving and rejoining. A tunnel with no connector is still reported for
 * tunnel.statsTTL (default 15 min; at most 1024 such tunnels per server), then forgotten.
 * Fields may be appended: size is sizeof(gost_tunnel_stats_t) as the library was built. */
typedef struct gost_tunnel_stats {
  size_t size;
  const char *tunnel_id;  /* canonical UUID */
  int connectors;         /* live now */
  uint64_t connections;   /* connectors registered so far (live and ended) */
  uint64_t streams;       /* streams opened */
  uint64_t bytes_in;      /* from the tunnel clients */
  uint64_t bytes_out;     /* to the tunnel clients */
  double idle_s;          /* seconds since its last connector left; 0 while it has one */
} gost_tunnel_stats_t;
typedef void (*gost_tunnel_stats_cb)(gost_service_t *svc, const gost_tunnel_stats_t *st, void *user);
/* cb per known tunnel of a running tunnel/relay server (loop thread). Returns the count, or
 * GOST_ESTATE when svc is not a running tunnel server. */
GOST_EXTERN int gost_service_tunnel_stats(gost_service_t *svc, gost_tunnel_stats_cb cb, void *user);

/* Starts the web API (addr "127.0.0.1:18080"; user NULL = no auth; prefix NULL = "") or the
 * Prometheus endpoint (path NULL = "/metrics") on the context's loop; the bound port is
 * returned by gost_ctx_api_port / gost_ctx_metrics_port. A config's `api:` / `metrics:`
 * sections do the same at gost_ctx_start. */
GOST_EXTERN int gost_ctx_serve_api(gost_ctx_t *ctx, const char *addr, const char *user,
                                   const char *pass, const char *prefix);
GOST_EXTERN int gost_ctx_serve_metrics(gost_ctx_t *ctx, const char *addr, const char *path);
GOST_EXTERN uint16_t gost_ctx_api_port(const gost_ctx_t *ctx);
GOST_EXTERN uint16_t gost_ctx_metrics_port(const gost_ctx_t *ctx);
/* Reopens the log file (SIGUSR1 in the gost binary: logrotate). No-op for stderr/stdout. */
GOST_EXTERN int gost_ctx_reopen_log(gost_ctx_t *ctx);

#ifdef __cplusplus
}
#endif
#endif /* GOST_CONTROL_H */
