/* Internal layout of services, nodes and chains, and the registries of listener, handler,
 * dialer and connector types. The api layer fills these; the modules read them. */
#ifndef GOST_MODEL_SERVICE_H
#define GOST_MODEL_SERVICE_H

#include <jansson.h>
#include <stdint.h>

#include "core/ctx_int.h"
#include "core/list.h"
#include "gost/chain.h"
#include "gost/service.h"
#include "io/stream.h"
#include "model/auth.h"
#include "model/bypass.h"

/* A forwarder node (service target) or a chain node (next hop). */
struct gost_node {
  char *name;
  char *addr;
  char *filter_host;     /* forwarder: host filter as configured ("" = fallback) */
  char *filter_protocol; /* forwarder: "http", "tls", "ssh" or NULL */
  char *filter_path;     /* forwarder: path prefix or NULL */
  json_t *meta;          /* node metadata (backup, ...) */
  /* chain nodes only */
  char *connector, *dialer;
  json_t *connector_meta, *dialer_meta;
  char *user, *pass; /* credentials for the connector, NULL if none */
  /* selection state */
  double fail_until; /* loop time until which the fail filter skips the node */
  /* connector state kept across connections (the tunnel connector's visitor sessions),
   * freed with the node */
  void *conn_state;
  void (*conn_state_free)(void *state);
  struct gost_bypass *bypass; /* targets this node does not carry (model/bypass.h) */
};

struct gost_hop {
  char *name;
  struct gost_node **nodes;
  size_t nnodes;
  size_t rr; /* round-robin cursor */
  struct gost_bypass *bypass; /* targets for which the route ends before this hop */
};

struct gost_chain {
  void *data;                   /* the caller's (gost_chain_set_data) */
  struct gost_list link;        /* ctx->chains: lookup by name */
  struct gost_ctx_child child;  /* teardown by the ctx */
  gost_ctx_t *ctx;
  char *name;
  int refs; /* the caller's reference plus one per service using it */
  struct gost_hop **hops;
  size_t nhops;
  uint64_t errors; /* dials through it that failed (gost_chain_errors_total) */
};


struct gost_listener_ops;
struct gost_handler_ops;

#define GOST_SVC_EVENTS 10

/* A budget in use (GET /api/status, docs/limits.md): `open` points at the live count kept by
 * whoever enforces the limit, `max` is the configured limit; open NULL = not applicable. */
struct gost_budget_gauge {
  const size_t *open;
  size_t max;
};
enum { GOST_SVC_READY, GOST_SVC_RUNNING, GOST_SVC_FAILED, GOST_SVC_CLOSED };

struct gost_service {
  void *data;                   /* the caller's (gost_service_set_data) */
  struct gost_list link;        /* ctx->services: lookup by name */
  struct gost_ctx_child child;  /* teardown and stop by the ctx */
  gost_ctx_t *ctx;
  char *name;
  char *origin; /* where it was defined ("services[0]"), for start-up errors; NULL: the name */
  char *listener_type, *handler_type;
  char *addr;
  json_t *handler_meta, *listener_meta, *service_meta;
  struct gost_auth *auths;  /* the memory auther's pairs (handler auth/auther/authers) */
  size_t nauths;
  struct gost_auth_list auth_list; /* backend of `auther` when it is the memory source */
  struct gost_auther auther;       /* who may use the service (memory: auths above) */
  gost_chain_t *chain;         /* handler chain, or listener chain for rtcp/rudp */
  struct gost_ingress *ingress; /* tunnel handler only */
  /* stock limiters (lib/limit, docs/limiters.md), referenced: service `limiter`, `climiter`,
   * `rlimiter`, and the handler's `limiter` (per tunnel on a tunnel server). NULL: none. */
  struct gost_limiter *limiter, *climiter, *rlimiter, *handler_limiter;
  gost_service_t *limits_of; /* a tunnel's public listener: the service whose climiter/rlimiter apply */
  struct gost_node **nodes;    /* forwarder nodes */
  size_t nnodes;
  size_t rr;

  const struct gost_listener_ops *listener;
  const struct gost_handler_ops *handler;
  void *listener_state, *handler_state;
  int running;
  uint16_t port;            /* bound port once started */
  uint16_t entrypoint_port; /* tunnel handler entrypoint, once started */
  uint64_t stats[4];        /* GOST_STAT_* */
  uint64_t errors;          /* requests the handler failed or refused (metrics) */
  /* stock's read-only `status` of GET /config (lib/api/service_run.c records it) */
  double created_at;        /* wall clock at gost_service_new, seconds */
  int state;                /* GOST_SVC_READY / RUNNING / FAILED / CLOSED */
  struct gost_svc_event {
    double time;
    char msg[200];
  } events[GOST_SVC_EVENTS]; /* ring of the last lifecycle events */
  unsigned nevents;          /* events ever recorded: the next slot is nevents % N */
  /* set by the listener / handler while started: conns.max, udp.maxFlows, handshake.max */
  struct gost_budget_gauge conns, flows, handshakes;
  struct gost_bypass *bypass; /* targets the handler refuses (model/bypass.h) */
};

/* Per accepted connection facts handed from the listener to the handler. */
struct gost_conn_info {
  const char *host; /* destination host[:port] known from the transport (tunnel header), or NULL */
  int udp;          /* the stream carries datagrams: each read/write is one datagram */
  gost_sockaddr client; /* the connection's own client (family 0 = unknown): the source
                         * address a tunnel visitor reports, as stock does */
};

struct gost_listener_ops {
  const char *name;
  /* Binds/starts; sets svc->port. Delivers connections with gost__service_accept(). */
  int (*start)(gost_service_t *svc);
  void (*stop)(gost_service_t *svc);
  /* Wraps a freshly accepted TCP stream (TLS/WS server side). NULL for plain tcp. */
  int (*wrap)(gost_service_t *svc, gost_stream *raw, gost_stream_ready_cb cb, void *user);
};

struct gost_handler_ops {
  const char *name;
  /* Validates metadata and prepares handler_state; runs at service start. */
  int (*start)(gost_service_t *svc);
  /* Takes ownership of s. */
  void (*handle)(gost_service_t *svc, gost_stream *s, const struct gost_conn_info *info);
  void (*stop)(gost_service_t *svc);
};

/* Transport of one hop: wraps a connected stream (client side). tcp is the identity. */
struct gost_dialer_ops {
  const char *name;
  int (*wrap)(struct gost_node *node, gost_ctx_t *ctx, gost_stream *raw, gost_stream_ready_cb cb,
              void *user);
};

/* Protocol of one hop: over a stream to the node, asks it to reach `addr` ("host:port") over
 * network "tcp" or "udp". On success cb gets the stream that now carries the target's bytes. */
struct gost_connector_ops {
  const char *name;
  int (*connect)(struct gost_node *node, gost_ctx_t *ctx, gost_stream *s, const char *network,
                 const char *addr, const struct gost_conn_info *info, gost_stream_ready_cb cb,
                 void *user);
  /* Optional: reach addr through node on a carrier shared with other connections (the tunnel
   * connector's multiplexed visitor session), for a chain whose only hop is node. GOST_OK:
   * *op is set and cb fires later, exactly once, unless open_cancel(op) ran first. Status
   * GOST_EUNSUPPORTED, returned or given to cb: no shared carrier, dial the node as usual.
   * info stays valid until cb or open_cancel. */
  int (*open)(struct gost_node *node, gost_ctx_t *ctx, const char *network, const char *addr,
              const struct gost_conn_info *info, gost_stream_ready_cb cb, void *user, void **op);
  void (*open_cancel)(void *op);
};

/* Registries (static const tables in lib/service/registry.c). NULL if unknown. */
const struct gost_listener_ops *gost__listener_find(const char *name);
const struct gost_handler_ops *gost__handler_find(const char *name);
const struct gost_dialer_ops *gost__dialer_find(const char *name);
const struct gost_connector_ops *gost__connector_find(const char *name);

/* Listener -> handler hand-off: admits the connection through the service's limiters (a refused
 * one is closed here), counts it and calls handler->handle. */
void gost__service_accept(gost_service_t *svc, gost_stream *s, const struct gost_conn_info *info);
/* Starts the check of user/pass (NULL user: none offered) against the service's auther; done
 * fires at once for the memory source, or later for others. */
void gost__service_auth(gost_service_t *svc, struct gost_auth_query *q, const char *user,
                        const char *pass, gost_auth_done_cb done, void *data);
/* Tunnel ownership: 1 if the (already authenticated) user may BIND (visit == 0) or CONNECT to
 * (visit == 1) tunnel id. Always 1 without credentials or for users without a list. */
int gost__service_tunnel_allowed(const gost_service_t *svc, const char *user, int visit,
                                 const uint8_t id[16]);
/* 1 when the service's bypass holds target ("host:port") back; logs it (info)
 * and counts a handler error. model/bypass.c. */
int gost__service_bypassed(gost_service_t *svc, const char *target);
/* Metadata lookup: handler, then listener, then service scope. */
const char *gost__service_meta(const gost_service_t *svc, const char *key, const char *def);

#endif
