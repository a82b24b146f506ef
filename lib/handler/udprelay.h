/* Addressed datagrams to and from many targets (the server side of SOCKS5 UDP ASSOCIATE and
 * UDP-over-TCP): each target gets its own datagram stream, dialled through the service
 * chain ("udp") on its first datagram and closed after ttl without traffic. Answers come
 * back labelled with the target they came from. */
#ifndef GOST_HANDLER_UDPRELAY_H
#define GOST_HANDLER_UDPRELAY_H

#include "codec/relay.h"
#include "model/service.h"

#define GOST__UDPRELAY_MAX_TARGETS 256
#define GOST__UDPRELAY_TTL_MS 60000

struct gost_udprelay;

/* An answer from target `from` (the address as it was asked for). */
typedef void (*gost_udprelay_answer_fn)(void *user, const struct gost_relay_addr *from,
                                        const uint8_t *p, size_t n);

struct gost_udprelay *gost__udprelay_new(gost_service_t *svc, uint64_t ttl_ms, gost_udprelay_answer_fn fn,
                                         void *user);
/* One datagram to target; dropped (with a debug log) when it cannot be sent. */
void gost__udprelay_send(struct gost_udprelay *r, const struct gost_relay_addr *target, const uint8_t *p,
                         size_t n);
/* Ends every target's stream; no callback afterwards. NULL-safe. */
void gost__udprelay_free(struct gost_udprelay *r);

#endif
