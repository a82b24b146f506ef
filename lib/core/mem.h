/* Allocation through the context's allocator (nghttp2_mem style). */
#ifndef GOST_CORE_MEM_H
#define GOST_CORE_MEM_H

#include <stddef.h>

/* A pluggable allocator. Pure codecs take a `const struct gost_mem *` (NULL = libc). */
struct gost_mem {
  void *(*malloc_fn)(size_t n, void *user);
  void *(*realloc_fn)(void *p, size_t n, void *user);
  void (*free_fn)(void *p, void *user);
  void *user;
};

extern const struct gost_mem gost__mem_libc;

void *gost__mem_malloc(const struct gost_mem *mem, size_t n);
void *gost__mem_calloc(const struct gost_mem *mem, size_t count, size_t n);
void *gost__mem_realloc(const struct gost_mem *mem, void *p, size_t n);
void gost__mem_free(const struct gost_mem *mem, void *p);
char *gost__mem_strdup(const struct gost_mem *mem, const char *s);
char *gost__mem_strndup(const struct gost_mem *mem, const char *s, size_t n);

#endif
