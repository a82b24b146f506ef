/* Listen addresses of services: ":8080" (all interfaces), "127.0.0.1:0", "[::1]:80". */
#ifndef GOST_IO_BINDADDR_H
#define GOST_IO_BINDADDR_H

#include <sys/socket.h>

/* Up to 2 candidates in preference order ("" host: [::] dual-stack, then 0.0.0.0).
 * Returns the count or a GOST_E* code. */
int gost__bind_addrs(const char *addr, struct sockaddr_storage out[2]);

/* A nonblocking listening TCP socket (type SOCK_STREAM) or bound UDP socket (SOCK_DGRAM) on
 * addr, trying each candidate of gost__bind_addrs; local gets the bound address. Returns the
 * fd, or a GOST_E* code with the last error set (naming addr and the cause). */
int gost__listen_fd(const char *addr, int type, struct sockaddr_storage *local);

#endif
