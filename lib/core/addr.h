/* Address strings ("host:port", ":8080", "[::1]:80", "host", "h:8000-8010") and sockaddr
 * formatting. Pure: no sockets, no resolver. */
#ifndef GOST_CORE_ADDR_H
#define GOST_CORE_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/mem.h"

#define GOST_ADDR_HOST_MAX 256 /* host buffer size, NUL included */
#define GOST_ADDR_STR_MAX 270  /* "[host]:65535" */

/* Splits s into host (brackets removed; "" for ":8080") and port. A missing port gives 0.
 * GOST_EINVAL on syntax errors, a port above 65535, a range, or a host too long for cap. */
int gost__addr_split(const char *s, char *host, size_t cap, uint16_t *port);
/* Same, but the port may be a range "lo-hi" (lo <= hi); a single port gives lo == hi. */
int gost__addr_split_range(const char *s, char *host, size_t cap, uint16_t *lo, uint16_t *hi);
/* Expands a port range into "host:port" strings allocated from mem (array and strings);
 * free with gost__addr_list_free. At most max entries (GOST_EINVAL beyond). */
int gost__addr_expand(const struct gost_mem *mem, const char *s, size_t max, char ***out,
                      size_t *n);
void gost__addr_list_free(const struct gost_mem *mem, char **list, size_t n);
/* Writes "host:port", bracketing hosts that contain ':'. Returns the length, or GOST_EINVAL
 * when cap is too small. */
int gost__addr_join(char *out, size_t cap, const char *host, uint16_t port);
/* AF_INET / AF_INET6 when host is a numeric address (brackets not allowed), else 0. */
int gost__addr_is_ip(const char *host);
/* Numeric host + port to a sockaddr. GOST_EINVAL if host is not numeric. */
int gost__addr_to_sockaddr(const char *host, uint16_t port, struct sockaddr_storage *ss,
                           socklen_t *len);
/* "1.2.3.4:80" or "[::1]:80"; "" for an unknown family. Returns the length or GOST_EINVAL. */
int gost__sockaddr_fmt(const struct sockaddr *sa, char *out, size_t cap);
uint16_t gost__sockaddr_port(const struct sockaddr *sa);
socklen_t gost__sockaddr_len(const struct sockaddr *sa);

#endif
