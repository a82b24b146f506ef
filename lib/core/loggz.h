/* log.rotation.compress (core/loggz.c): gzip of rotated log backups on a detached thread. */
#ifndef GOST_CORE_LOGGZ_H
#define GOST_CORE_LOGGZ_H

#include "core/logsink.h"

/* Starts compressing backup to backup.gz; when done the plain file is removed and the backups
 * of base are pruned by rot. 0, or an errno when no thread could be started (nothing done). */
int gost__log_gzip_async(const char *backup, const char *base, const struct gost_log_rotation *rot);

#endif
