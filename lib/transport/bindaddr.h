/* Listen addresses of services: ":8080" (all interfaces), "127.0.0.1:0", "[::1]:80". */
#ifndef GOST_TRANSPORT_BINDADDR_H
#define GOST_TRANSPORT_BINDADDR_H

#include <sys/socket.h>

/* Up to 2 candidates in preference order ("" host: [::] dual-stack, then 0.0.0.0).
 * Returns the count or a GOST_E* code. */
int gost__bind_addrs(const char *addr, struct sockaddr_storage out[2]);

#endif
