/* log.rotation.compress: a rotated backup is gzipped off the loop thread (a 100 MB file takes
 * about a second to deflate, which the loop must not spend), then the plain copy is removed and
 * the backups are pruned, so pruning counts the finished .gz files. Each job owns its strings;
 * the thread is detached and touches nothing of the context, which may be freed meanwhile. */
#include "core/loggz.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

struct gz_job {
  char *src, *base;
  struct gost_log_rotation rot;
};

/* src -> dst (gzip, level 6) through a temporary name renamed into place: a reader never sees
 * half a .gz. 0 or an errno. */
static int gzip_file(const char *src, const char *dst) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", dst);
  FILE *in = fopen(src, "rbe");
  if (!in) return errno;
  gzFile out = gzopen(tmp, "wb6");
  if (!out) {
    int e = errno ? errno : ENOMEM;
    fclose(in);
    return e;
  }
  char buf[65536];
  size_t n;
  int err = 0;
  while (!err && (n = fread(buf, 1, sizeof buf, in)) > 0)
    if (gzwrite(out, buf, (unsigned)n) != (int)n) err = EIO;
  if (ferror(in)) err = EIO;
  fclose(in);
  if (gzclose(out) != Z_OK && !err) err = EIO;
  if (!err && rename(tmp, dst) != 0) err = errno;
  if (err) unlink(tmp);
  return err;
}

static void *run(void *arg) {
  struct gz_job *j = arg;
  char dst[4200];
  snprintf(dst, sizeof dst, "%s.gz", j->src);
  int err = gzip_file(j->src, dst);
  if (!err) unlink(j->src);
  else fprintf(stderr, "gost: log.rotation.compress: %s: %s (kept uncompressed)\n", j->src, strerror(err));
  gost__log_prune(j->base, &j->rot);
  free(j->src);
  free(j->base);
  free(j);
  return NULL;
}

int gost__log_gzip_async(const char *backup, const char *base, const struct gost_log_rotation *rot) {
  struct gz_job *j = calloc(1, sizeof *j);
  if (!j) return ENOMEM;
  j->src = strdup(backup);
  j->base = strdup(base);
  j->rot = *rot;
  pthread_attr_t attr;
  pthread_t t;
  int rc = !j->src || !j->base ? ENOMEM : pthread_attr_init(&attr);
  if (!rc) {
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rc = pthread_create(&t, &attr, run, j);
    pthread_attr_destroy(&attr);
  }
  if (rc) {
    free(j->src);
    free(j->base);
    free(j);
  }
  return rc;
}
