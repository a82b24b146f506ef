#include "core/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_msg[512] = "no error";
static _Thread_local int last_sys;

const char *gost_strerror(int code) {
  switch (code) {
    case GOST_OK: return "success";
#define GOST__ERR_MSG(name, value, msg) case GOST_##name: return msg;
    GOST_ERRNO_MAP(GOST__ERR_MSG)
#undef GOST__ERR_MSG
    default: return "unknown error";
  }
}

const char *gost_error_name(int code) {
  switch (code) {
    case GOST_OK: return "GOST_OK";
#define GOST__ERR_NAME(name, value, msg) case GOST_##name: return "GOST_" #name;
    GOST_ERRNO_MAP(GOST__ERR_NAME)
#undef GOST__ERR_NAME
    default: return "GOST_EUNKNOWN";
  }
}

const char *gost_last_error(void) { return last_msg; }
int gost_last_error_sys(void) { return last_sys; }
int gost_error_is_fatal(int code) { return code <= GOST_EFATAL; }

static void record(int sys, const char *fmt, va_list ap) {
  vsnprintf(last_msg, sizeof last_msg, fmt, ap);
  last_sys = sys;
}

int gost__error(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  record(0, fmt, ap);
  va_end(ap);
  return code;
}

int gost__error_sys(int code, int sys, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  record(sys, fmt, ap);
  va_end(ap);
  return code;
}

int gost__errno_to_code(int err) {
  switch (err) {
    case 0: return GOST_OK;
    case ENOMEM: return GOST_ENOMEM;
    case EINVAL: return GOST_EINVAL;
    case ECONNREFUSED: return GOST_ECONNREFUSED;
    case ETIMEDOUT: return GOST_ETIMEDOUT;
    case EADDRINUSE: return GOST_EADDRINUSE;
    case EAGAIN: return GOST_EAGAIN;
    case EHOSTUNREACH:
    case ENETUNREACH: return GOST_EUNREACH;
    case EPIPE:
    case ECONNRESET: return GOST_ECLOSED;
    case ENOENT: return GOST_ENOTFOUND;
    default: return GOST_EIO;
  }
}
