/* "udp" listener: one flow (datagram stream) per source address, handed to the handler. */
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"

#include "core/error.h"
#include "core/meta.h"
#include "io/udpflow.h"
#include "transport/transport_ops.h"
#include "io/bindaddr.h"

static void on_flow(struct gost_udpflow_listener *l, gost_stream *flow, void *user) {
  (void)l;
  static const struct gost_conn_info udp = {.udp = 1};
  gost__service_accept(user, flow, &udp);
}

static uint64_t meta_ms(const gost_service_t *svc, const char *k1, const char *k2, uint64_t def) {
  const char *v = gost__service_meta(svc, k1, NULL);
  if (!v && k2) v = gost__service_meta(svc, k2, NULL);
  int64_t ms = v ? gost__duration_ms(v) : -1;
  return ms > 0 ? (uint64_t)ms : def;
}

static size_t meta_size(const gost_service_t *svc, const char *k1, const char *k2, size_t def,
                        size_t max) {
  const char *v = gost__service_meta(svc, k1, NULL);
  if (!v && k2) v = gost__service_meta(svc, k2, NULL);
  long long n = v ? strtoll(v, NULL, 10) : 0;
  return n > 0 && (size_t)n <= max ? (size_t)n : def;
}

static int udp_start(gost_service_t *svc) {
  struct gost_udpflow_opts o;
  memset(&o, 0, sizeof o);
  o.keepalive = gost__str_bool(gost__service_meta(svc, "keepalive", NULL), 0);
  o.ttl_ms = meta_ms(svc, "ttl", "keepalive.ttl", GOST_UDPFLOW_TTL_MS);
  /* Stock reads 4096 bytes; forwarding must not truncate DNS over EDNS0 or QUIC, so 65535
   * unless readBufferSize says otherwise. */
  o.read_buffer_size = meta_size(svc, "readBufferSize", "udp.bufferSize", 65535, 65535);
  o.queue_len = meta_size(svc, "readQueueSize", NULL, GOST_UDPFLOW_QUEUE, 4096);
  o.max_flows = meta_size(svc, "udp.maxFlows", NULL, GOST_UDPFLOW_MAX_FLOWS, 1000000);
  struct sockaddr_storage cand[2];
  int n = gost__bind_addrs(svc->addr ? svc->addr : ":0", cand);
  if (n < 0) return n;
  struct gost_udpflow_listener *l = NULL;
  int rc = GOST_EIO;
  for (int i = 0; i < n && !l; i++)
    rc = gost__udpflow_listen(&l, svc->ctx, (struct sockaddr *)&cand[i], &o, on_flow, svc);
  if (!l) return rc;
  const struct sockaddr_storage *local = gost__udpflow_local(l);
  svc->port = gost__sockaddr_port((const struct sockaddr *)local);
  svc->listener_state = l;
  svc->flows = (struct gost_budget_gauge){gost__udpflow_nflows(l), o.max_flows};
  return GOST_OK;
}

static void udp_stop(gost_service_t *svc) {
  svc->flows = (struct gost_budget_gauge){NULL, 0};
  gost__udpflow_close(svc->listener_state);
  svc->listener_state = NULL;
}

const struct gost_listener_ops gost__listener_udp = {"udp", udp_start, udp_stop, NULL};
