#include "core/logsink.h"

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/ctx_int.h"
#include "core/error.h"
#include "core/loggz.h"

struct gost_log_sink {
  FILE *f;     /* stdout, stderr or the opened file */
  char *path;  /* NULL for stdout/stderr */
  struct gost_log_rotation rot;
  uint64_t size; /* bytes in the current file */
};

static FILE *open_append(const char *path, uint64_t *size) {
  FILE *f = fopen(path, "ae");
  if (!f) return NULL;
  struct stat st;
  *size = fstat(fileno(f), &st) == 0 ? (uint64_t)st.st_size : 0;
  setvbuf(f, NULL, _IOLBF, 0); /* one record per line reaches the file at once */
  return f;
}

int gost__log_configure(gost_ctx_t *ctx, const char *format, const char *output,
                        const struct gost_log_rotation *rot) {
  if (format) ctx->log_text = !strcmp(format, "text");
  if (!output) return GOST_OK;
  struct gost_log_sink *s = calloc(1, sizeof *s);
  if (!s) return gost__error(GOST_ENOMEM, "out of memory");
  if (!strcmp(output, "stderr") || !*output) s->f = stderr;
  else if (!strcmp(output, "stdout")) s->f = stdout;
  else {
    s->path = strdup(output);
    if (!s->path || !(s->f = open_append(output, &s->size))) {
      int e = errno;
      free(s->path);
      free(s);
      return gost__error_sys(GOST_EIO, e, "log.output: open %s: %s", output, strerror(e));
    }
  }
  if (rot) s->rot = *rot;
  gost__log_sink_free(ctx);
  ctx->log_sink = s;
  return GOST_OK;
}

int gost_ctx_reopen_log(gost_ctx_t *ctx) {
  if (!ctx) return GOST_EINVAL;
  struct gost_log_sink *s = ctx->log_sink;
  if (!s || !s->path) return GOST_OK;
  uint64_t size;
  FILE *f = open_append(s->path, &size);
  if (!f) return gost__error_sys(GOST_EIO, errno, "reopen %s: %s", s->path, strerror(errno));
  fclose(s->f);
  s->f = f;
  s->size = size;
  return GOST_OK;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Backups are "<path>.<timestamp>" (".gz" once compressed), which sort by age: delete the
 * oldest beyond maxBackups and any older than maxAge days. A compression in progress leaves a
 * ".gz.tmp" that is not counted; one a day old was cut short (the process ended) and goes. */
void gost__log_prune(const char *base, const struct gost_log_rotation *rot) {
  if (!rot->max_backups && !rot->max_age_days) return;
  char pat[4096];
  snprintf(pat, sizeof pat, "%s.*-*", base);
  glob_t g;
  if (glob(pat, GLOB_NOSORT, NULL, &g) != 0) return;
  qsort(g.gl_pathv, g.gl_pathc, sizeof *g.gl_pathv, cmp_str);
  size_t n = 0; /* finished backups first, in age order */
  time_t now = time(NULL);
  for (size_t i = 0; i < g.gl_pathc; i++) {
    size_t l = strlen(g.gl_pathv[i]);
    struct stat st;
    if (l < 4 || strcmp(g.gl_pathv[i] + l - 4, ".tmp")) {
      g.gl_pathv[n++] = g.gl_pathv[i];
      continue;
    }
    if (stat(g.gl_pathv[i], &st) == 0 && now - st.st_mtime > 86400) unlink(g.gl_pathv[i]);
    free(g.gl_pathv[i]);
  }
  g.gl_pathc = n;
  for (size_t i = 0; i < g.gl_pathc; i++) {
    int excess = rot->max_backups && g.gl_pathc - i > (size_t)rot->max_backups;
    struct stat st;
    int old = rot->max_age_days && stat(g.gl_pathv[i], &st) == 0 &&
              now - st.st_mtime > (time_t)rot->max_age_days * 86400;
    if (excess || old) unlink(g.gl_pathv[i]);
  }
  globfree(&g);
}

static void rotate(struct gost_log_sink *s) {
  char name[4200], ts[64];
  struct timespec now;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &now);
  if (s->rot.local_time) localtime_r(&now.tv_sec, &tm);
  else gmtime_r(&now.tv_sec, &tm);
  size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H-%M-%S", &tm);
  snprintf(ts + n, sizeof ts - n, ".%03ld", now.tv_nsec / 1000000);
  snprintf(name, sizeof name, "%s.%s", s->path, ts);
  fclose(s->f);
  rename(s->path, name);
  uint64_t size;
  s->f = open_append(s->path, &size);
  s->size = size;
  if (!s->f) s->f = stderr; /* keep logging somewhere rather than lose records */
  if (!s->rot.compress || gost__log_gzip_async(name, s->path, &s->rot) != 0) gost__log_prune(s->path, &s->rot);
}

void gost__log_sink_write(gost_ctx_t *ctx, const char *rec, size_t n) {
  struct gost_log_sink *s = ctx ? ctx->log_sink : NULL;
  if (!s) {
    fprintf(stderr, "%s\n", rec);
    return;
  }
  if (s->path && s->rot.max_size_mb && s->size + n + 1 > s->rot.max_size_mb * 1024 * 1024 && s->size)
    rotate(s);
  fwrite(rec, 1, n, s->f);
  fputc('\n', s->f);
  s->size += n + 1;
}

void gost__log_sink_free(gost_ctx_t *ctx) {
  struct gost_log_sink *s = ctx->log_sink;
  if (!s) return;
  if (s->path && s->f && s->f != stderr) fclose(s->f);
  else fflush(s->f);
  free(s->path);
  free(s);
  ctx->log_sink = NULL;
}
