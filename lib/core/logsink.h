/* Where log records go when the application set no callback: stderr (default), stdout or a
 * file with size-based rotation, as JSON lines or text (`log:` in the config). */
#ifndef GOST_CORE_LOGSINK_H
#define GOST_CORE_LOGSINK_H

#include <stddef.h>
#include <stdint.h>

#include "gost/common.h"

struct gost_log_rotation {
  uint64_t max_size_mb; /* 0: never rotate */
  int max_backups;      /* 0: keep all */
  int max_age_days;     /* 0: keep all */
  int local_time;       /* backup names in local time (else UTC) */
  int compress;         /* gzip each backup (core/loggz.c) */
};

/* format "json" or "text" (NULL keeps); output "stderr", "stdout" or a file path (NULL keeps).
 * The file is opened at once (append); GOST_EIO names it on failure and nothing changes. */
int gost__log_configure(gost_ctx_t *ctx, const char *format, const char *output,
                        const struct gost_log_rotation *rot);
/* Writes one formatted record (no newline) to the sink. */
void gost__log_sink_write(gost_ctx_t *ctx, const char *rec, size_t n);
void gost__log_sink_free(gost_ctx_t *ctx);
/* Deletes backups of base ("<base>.<time>[.gz]") beyond rot's maxBackups / maxAge. */
void gost__log_prune(const char *base, const struct gost_log_rotation *rot);

#endif
