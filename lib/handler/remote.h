/* Handlers "rtcp" and "rudp": the forward-remote handler of a tunnel client (wire-spec §7.3,
 * §7.4). Each stream from the tunnel is routed by host to a forwarder node and piped. */
#ifndef GOST_HANDLER_REMOTE_H
#define GOST_HANDLER_REMOTE_H

#include "model/service.h"

/* Forwarder node for host ("name" or "name:port", NULL/"" = unknown): round-robin among
 * nodes whose filter.host matches (exact or ".suffix", case-insensitive, never the
 * "badexample.com" quirk), else among filter-less nodes, else backup nodes. Nodes in their
 * fail period are skipped unless nothing else is left. NULL when none is eligible. */
struct gost_node *gost__remote_select(gost_service_t *svc, const char *host);
/* Marks a node failed for the fail period (10 s) after a dial error. */
void gost__remote_node_failed(gost_service_t *svc, struct gost_node *node);

extern const struct gost_handler_ops gost__handler_rtcp;
extern const struct gost_handler_ops gost__handler_rudp;

#endif
