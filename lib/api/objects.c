/* Context-owned objects: lifetime glue between the ctx and the api layer. */
#include "core/ctx_int.h"

void gost__ctx_free_objects(gost_ctx_t *ctx) { (void)ctx; }
void gost__ctx_stop_services(gost_ctx_t *ctx) { (void)ctx; }
