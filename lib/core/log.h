/* Internal logging: JSON-lines records in GOST's shape, routed through the ctx callback. */
#ifndef GOST_CORE_LOG_H
#define GOST_CORE_LOG_H

#include "gost/common.h"
#include "gost/log.h"

/* Emits {"level":..,"msg":..,<fields>,"time":..}. fields is NULL or a comma-separated list of
 * already-encoded JSON members without braces, e.g. "\"kind\":\"service\",\"service\":\"s0\"";
 * gost__log_fields() builds one safely. */
void gost__log(gost_ctx_t *ctx, int level, const char *fields, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Writes JSON members from key/value string pairs ending with NULL into buf (always
 * NUL-terminated, truncated to len). Returns buf. */
char *gost__log_fields(char *buf, size_t len, ...);
int gost__log_enabled(const gost_ctx_t *ctx, int level);
/* log.format: text rendering of a JSON record into out (NUL-terminated); returns the length. */
size_t gost__log_json_to_text(const char *rec, char *out, size_t cap);

#define GOST_LOGF(ctx, lvl, fields, ...)                                        \
  do {                                                                          \
    if (gost__log_enabled((ctx), (lvl))) gost__log((ctx), (lvl), (fields), __VA_ARGS__); \
  } while (0)
#define GOST_DEBUG(ctx, ...) GOST_LOGF(ctx, GOST_LOG_DEBUG, NULL, __VA_ARGS__)
#define GOST_INFO(ctx, ...) GOST_LOGF(ctx, GOST_LOG_INFO, NULL, __VA_ARGS__)
#define GOST_WARN(ctx, ...) GOST_LOGF(ctx, GOST_LOG_WARN, NULL, __VA_ARGS__)
#define GOST_ERROR(ctx, ...) GOST_LOGF(ctx, GOST_LOG_ERROR, NULL, __VA_ARGS__)

#endif
