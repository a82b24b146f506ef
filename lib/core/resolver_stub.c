#include "core/ctx_int.h"
void gost__resolver_free(struct gost_resolver *r) { (void)r; }
