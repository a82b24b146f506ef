#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

static void *libc_malloc(size_t n, void *user) { (void)user; return malloc(n); }
static void *libc_realloc(void *p, size_t n, void *user) { (void)user; return realloc(p, n); }
static void libc_free(void *p, void *user) { (void)user; free(p); }

const struct gost_mem gost__mem_libc = {libc_malloc, libc_realloc, libc_free, NULL};

static const struct gost_mem *pick(const struct gost_mem *mem) { return mem ? mem : &gost__mem_libc; }

void *gost__mem_malloc(const struct gost_mem *mem, size_t n) {
  mem = pick(mem);
  return mem->malloc_fn(n ? n : 1, mem->user);
}

void *gost__mem_calloc(const struct gost_mem *mem, size_t count, size_t n) {
  if (n && count > (size_t)-1 / n) return NULL;
  void *p = gost__mem_malloc(mem, count * n);
  if (p) memset(p, 0, count * n);
  return p;
}

void *gost__mem_realloc(const struct gost_mem *mem, void *p, size_t n) {
  mem = pick(mem);
  return mem->realloc_fn(p, n ? n : 1, mem->user);
}

void gost__mem_free(const struct gost_mem *mem, void *p) {
  if (!p) return;
  mem = pick(mem);
  mem->free_fn(p, mem->user);
}

char *gost__mem_strndup(const struct gost_mem *mem, const char *s, size_t n) {
  char *d = gost__mem_malloc(mem, n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *gost__mem_strdup(const struct gost_mem *mem, const char *s) {
  return s ? gost__mem_strndup(mem, s, strlen(s)) : NULL;
}
