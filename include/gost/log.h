/* libgost logging: levels and a per-context callback. */
#ifndef GOST_LOG_H
#define GOST_LOG_H

#include <gost/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  GOST_LOG_TRACE = 0,
  GOST_LOG_DEBUG = 1,
  GOST_LOG_INFO = 2,
  GOST_LOG_WARN = 3,
  GOST_LOG_ERROR = 4,
  GOST_LOG_FATAL = 5,
  GOST_LOG_OFF = 6
} gost_log_level_t;

/*
 * Receives one formatted record: `json` is a complete JSON object (no newline) in GOST's log
 * shape, e.g. {"level":"info","msg":"...","kind":"service","service":"svc-0","time":"..."}.
 * Runs on the loop thread. Without a callback, records go to stderr, one per line.
 */
typedef void (*gost_log_cb)(gost_ctx_t *ctx, int level, const char *json, void *user);

/* Level name ("info", ...) or NULL for an unknown level; and its inverse (-1 if unknown). */
GOST_EXTERN const char *gost_log_level_name(int level);
GOST_EXTERN int gost_log_level_parse(const char *name);

#ifdef __cplusplus
}
#endif
#endif /* GOST_LOG_H */
