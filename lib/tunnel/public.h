/* The public tunnel service (GOST.PLUS style, built in): with tunnel.public.domain set, every
 * client that registers gets `<endpoint>.<domain>` routed to its tunnel with no ingress rule,
 * and (tunnel.public.names) a custom name `hello` gets `hello.<domain>` when free. A name is
 * held by its tunnel ID and released `expire` after the tunnel's last connector left; names
 * survive restarts in a small JSON state file; new names are rate-limited per client IP. */
#ifndef GOST_TUNNEL_PUBLIC_H
#define GOST_TUNNEL_PUBLIC_H

#include <stdint.h>
#include <sys/socket.h>

#include "core/sockaddr.h"

struct gost_tunnel_server;
struct gost_tunnel_public;

/* Reads the tunnel.public.* options; srv->pub stays NULL when no domain is set. GOST_ECONFIG
 * on a bad value, or a state file that cannot be read. */
int gost__public_init(struct gost_tunnel_server *srv);
/* Saves the state and frees. NULL-safe. */
void gost__public_free(struct gost_tunnel_public *p);

/* BIND of tunnel tid: the public host name it gets, into out ("<label>.<domain>"). want is the
 * custom label asked for ("" for none), ep the endpoint name. GOST_ESTATE (out unset) when the
 * client exceeded its rate of new names. */
int gost__public_bind(struct gost_tunnel_public *p, const uint8_t tid[16], const char *want, const char *ep,
                      const gost_sockaddr *client, char *out, size_t cap);
/* Host -> tunnel ID for names under the domain; GOST_ENOTFOUND otherwise. */
int gost__public_route(struct gost_tunnel_public *p, const char *host, uint8_t tid[16]);
/* The service object whose listener metadata holds the wildcard certificate
 * (tunnel.public.certFile/keyFile), for the "tls" listener's wrap; NULL without one. */
struct gost_service;
struct gost_service *gost__public_tls(struct gost_tunnel_public *p);
/* 1 when host (no port) is <one label>.<domain>. */
int gost__public_covers(const struct gost_tunnel_public *p, const char *host);

#endif
