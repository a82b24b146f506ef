/* Test support: loopback helpers and a watchdog for integration tests. */
#ifndef GOST_TEST_HARNESS_H
#define GOST_TEST_HARNESS_H

#include <check.h>
#include <ev.h>
#include <stddef.h>
#include <stdint.h>

#include "model/service.h"

/* Runs every test of s and frees it; the exit status for main. */
int gost_test_run(Suite *s);

/* Hex string ("01 02 0a" or "01020a", spaces ignored) to bytes; returns length. */
size_t gost_test_hex(const char *hex, uint8_t *out, size_t cap);

/* Nonblocking sockets bound to 127.0.0.1:0; the port is read back with getsockname. */
int gost_test_listen_tcp(uint16_t *port);
int gost_test_bind_udp(uint16_t *port);

/* Echo servers on a loop. TCP: echoes as it reads, or (defer) everything after the client's
 * EOF; then closes. UDP: every datagram goes back to its sender. */
struct gost_test_echo;
struct gost_test_echo *gost_test_echo_start(struct ev_loop *loop, int udp, int defer, uint16_t *port);
void gost_test_echo_stop(struct gost_test_echo *e);

/* Aborts the test (with msg) if it fires: stop it once the scenario is done. */
void gost_test_watchdog_start(struct ev_loop *loop, ev_timer *t, double secs, const char *msg);
void gost_test_watchdog_stop(struct ev_loop *loop, ev_timer *t);

/* A started service built by hand (the api layer lives elsewhere): listener and handler by
 * registry name, nodes as targets. meta_kv: NULL-terminated key, value pairs (service scope). */
gost_service_t *gost_test_service(gost_ctx_t *ctx, const char *listener, const char *handler,
                                  const char *addr, const char *const *nodes,
                                  const char *const *meta_kv);
void gost_test_service_free(gost_service_t *svc);

#endif
