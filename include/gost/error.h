/* libgost error model: 0 or a negative GOST_E* code; detail in gost_last_error(). */
#ifndef GOST_ERROR_H
#define GOST_ERROR_H

#include <gost/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* XX(name, value, message). Values are never changed, only appended. */
#define GOST_ERRNO_MAP(XX)                                                   \
  XX(EINVAL, -1, "invalid argument")                                         \
  XX(ENOMEM, -2, "out of memory")                                            \
  XX(ESTATE, -3, "operation not valid in the current state")                 \
  XX(ENOTFOUND, -4, "not found")                                             \
  XX(EEXIST, -5, "already exists")                                           \
  XX(EUNSUPPORTED, -6, "not supported")                                      \
  XX(ECONFIG, -7, "invalid configuration")                                   \
  XX(EIO, -8, "input/output error")                                          \
  XX(ECONNREFUSED, -9, "connection refused")                                 \
  XX(ETIMEDOUT, -10, "timed out")                                            \
  XX(ETLS, -11, "TLS error")                                                 \
  XX(EPROTO, -12, "protocol error")                                          \
  XX(EAUTH, -13, "authentication failed")                                    \
  XX(ECLOSED, -14, "closed")                                                 \
  XX(EAGAIN, -15, "need more data")                                          \
  XX(EUSER, -16, "callback requested abort")                                 \
  XX(EADDRINUSE, -17, "address in use")                                      \
  XX(EUNREACH, -18, "unreachable")                                           \
  XX(EDENIED, -19, "denied by policy")                                       \
  XX(EFATAL, -900, "internal invariant broken")

typedef enum {
  GOST_OK = 0,
#define GOST__ERR_ENUM(name, value, msg) GOST_##name = value,
  GOST_ERRNO_MAP(GOST__ERR_ENUM)
#undef GOST__ERR_ENUM
  GOST__ERR_LAST_UNUSED = -1000
} gost_error_t;

/* Static description, never NULL. Thread-safe. */
GOST_EXTERN const char *gost_strerror(int code);
/* Symbolic name such as "GOST_EINVAL", never NULL. Thread-safe. */
GOST_EXTERN const char *gost_error_name(int code);
/* Message of the last failure on this thread; never NULL, maybe stale. */
GOST_EXTERN const char *gost_last_error(void);
/* errno or OpenSSL reason saved with the last failure on this thread, or 0. */
GOST_EXTERN int gost_last_error_sys(void);
/* Non-zero when code is in the fatal band: the object only accepts _free. */
GOST_EXTERN int gost_error_is_fatal(int code);

#ifdef __cplusplus
}
#endif
#endif /* GOST_ERROR_H */
