/* Comparing secrets (passwords, user names): lengths and bytes, in time that depends on the
 * lengths only, never on where the first difference is. NUL is an ordinary byte: "user\0" is
 * not "user". */
#ifndef GOST_CORE_SECRET_H
#define GOST_CORE_SECRET_H

#include <stddef.h>

static inline int gost__secret_equal(const void *want, size_t want_len, const void *got, size_t got_len) {
  const volatile unsigned char *a = want, *b = got;
  unsigned d = want_len != got_len;
  /* every byte of the offered value is read, whatever matched so far */
  for (size_t i = 0; i < got_len; i++) d |= (unsigned)(b[i] ^ (i < want_len ? a[i] : 0u));
  return d == 0;
}

#endif
