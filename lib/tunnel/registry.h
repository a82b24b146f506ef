/* Per-service tunnel pool (wire-spec §4.4): tunnel ID -> connectors, each one client
 * connection carrying an smux session. Selection, stream opening, liveness. */
#ifndef GOST_TUNNEL_REGISTRY_H
#define GOST_TUNNEL_REGISTRY_H

#include <stdint.h>

#include "gost/service.h"
#include "gost/tunnel.h"
#include "io/stream.h"
#include "mux/session.h"

struct gost_tunnel_registry;
struct gost_tunnel_connector;

struct gost_tunnel_registry *gost__tunnel_registry_new(gost_ctx_t *ctx);
/* Closes every session (their streams end with an error) and frees. NULL-safe. */
void gost__tunnel_registry_free(struct gost_tunnel_registry *reg);

/* Registers a client connection: runs an smux session over carrier (ownership moves, also on
 * failure) with cfg; initial/len are bytes already read past the BIND request. The connector
 * is removed as soon as its session ends. */
int gost__tunnel_registry_bind(struct gost_tunnel_registry *reg, const uint8_t tunnel_id[16],
                               const uint8_t connector_id[16], int udp, uint8_t weight,
                               gost_stream *carrier, const struct gost_smux_config *cfg,
                               const void *initial, size_t len,
                               struct gost_tunnel_connector **out);

/* Opens a stream to tunnel_id: weighted random choice, up to 3 attempts. GOST_ENOTFOUND when
 * the tunnel has no live connector. The caller writes the stream header. */
int gost__tunnel_registry_open(struct gost_tunnel_registry *reg, const uint8_t tunnel_id[16],
                               int udp, gost_stream **out);

/* The highest weight (0 counted as 1) among the live connectors the next open would choose
 * from, -1 when there is none. Cluster mode weighs it against other nodes. */
int gost__tunnel_registry_max_weight(struct gost_tunnel_registry *reg, const uint8_t tunnel_id[16], int udp);
/* Live connectors of a tunnel (0 if unknown): the public service's "is this name alive". */
size_t gost__tunnel_registry_count(const struct gost_tunnel_registry *reg, const uint8_t tunnel_id[16]);

/* cb(svc, info, user) per live connector, as gost_service_connectors. Returns the count. */
int gost__tunnel_registry_foreach(const struct gost_tunnel_registry *reg, gost_service_t *svc,
                                  gost_connector_info_cb cb, void *user);

/* Observer of connectors joining and leaving (the sd registration of cluster mode). bound
 * returns an opaque tag handed back to unbound. */
struct gost_tunnel_observer {
  void *(*bound)(void *user, const uint8_t tunnel_id[16], const uint8_t connector_id[16], int udp,
                 uint8_t weight);
  void (*unbound)(void *user, void *tag);
};
void gost__tunnel_registry_observe(struct gost_tunnel_registry *reg, const struct gost_tunnel_observer *obs,
                                   void *user);

/* The registry's load-balancing PRNG (also draws among remote nodes). */
uint32_t gost__tunnel_registry_rand(struct gost_tunnel_registry *reg);
/* Control plane (gost/control.h): richer per-connector info, totals and disconnect. */
struct gost_tunnel_totals {
  uint64_t connections, streams, bytes_in, bytes_out; /* in: from the tunnel clients */
};
#include "gost/control.h"
void gost__tunnel_registry_set_owner(struct gost_tunnel_registry *reg, const char *service);
/* Live connectors plus those that ended since the registry was created. */
void gost__tunnel_registry_totals(const struct gost_tunnel_registry *reg, struct gost_tunnel_totals *out);
/* Per-tunnel totals (gost_service_tunnel_stats): a tunnel whose last connector left keeps its
 * totals for stats_ttl seconds (handler metadata tunnel.statsTTL), at most GOST_TUNNEL_IDLE_MAX
 * such tunnels per server (the oldest go first); a connector rejoining in time carries on. */
#define GOST_TUNNEL_STATS_TTL_DEFAULT 900.0
#define GOST_TUNNEL_IDLE_MAX 1024
void gost__tunnel_registry_set_stats_ttl(struct gost_tunnel_registry *reg, double seconds);
int gost__tunnel_registry_foreach_tunnel(struct gost_tunnel_registry *reg, gost_service_t *svc,
                                         gost_tunnel_stats_cb cb, void *user);
/* Live streams over all sessions, and the most any one session holds (mux.maxStreams). */
void gost__tunnel_registry_streams_live(const struct gost_tunnel_registry *reg, uint64_t *total, uint64_t *busiest);
/* Closes the connector's session (GOST_ENOTFOUND if it is not live). */
int gost__tunnel_registry_kick(struct gost_tunnel_registry *reg, const uint8_t connector_id[16]);

#endif
