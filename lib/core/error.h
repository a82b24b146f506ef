/* Internal side of the error model: set the thread-local detail next to the failing return. */
#ifndef GOST_CORE_ERROR_H
#define GOST_CORE_ERROR_H

#include "gost/error.h"

/* Records a message for gost_last_error() and returns code, so sites can write
 * `return gost__error(GOST_EINVAL, "bad port %s", s);`. */
int gost__error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, also saving errno (or another system code) for gost_last_error_sys(). */
int gost__error_sys(int code, int sys, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Map an errno value to the closest GOST code. */
int gost__errno_to_code(int err);

#endif
