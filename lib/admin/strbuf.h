/* A growable text buffer (libc heap) for responses built in pieces: metrics, YAML. */
#ifndef GOST_ADMIN_STRBUF_H
#define GOST_ADMIN_STRBUF_H

#include <stddef.h>

struct gost_sb {
  char *p; /* NUL-terminated once anything was added */
  size_t len, cap;
  int oom; /* an allocation failed: the text is incomplete */
};

void gost__sb_add(struct gost_sb *b, const char *s, size_t n);
void gost__sb_printf(struct gost_sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
