#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/ctx_int.h"
#include "core/logsink.h"

static const char *const level_names[] = {"trace", "debug", "info", "warn", "error", "fatal", "off"};

const char *gost_log_level_name(int level) {
  if (level < 0 || level > GOST_LOG_OFF) return NULL;
  return level_names[level];
}

int gost_log_level_parse(const char *name) {
  if (!name) return -1;
  for (int i = 0; i <= GOST_LOG_OFF; i++)
    if (strcasecmp(name, level_names[i]) == 0) return i;
  if (strcasecmp(name, "warning") == 0) return GOST_LOG_WARN;
  return -1;
}

int gost__log_enabled(const gost_ctx_t *ctx, int level) { return !ctx || level >= ctx->log_level; }

/* Appends s as a JSON string body (no quotes) to out at *pos, bounded by len. */
static void json_escape(char *out, size_t len, size_t *pos, const char *s) {
  for (; *s && *pos + 7 < len; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      out[(*pos)++] = '\\';
      out[(*pos)++] = (char)c;
    } else if (c < 0x20) {
      *pos += (size_t)snprintf(out + *pos, len - *pos, "\\u%04x", c);
    } else {
      out[(*pos)++] = (char)c;
    }
  }
  out[*pos] = '\0';
}

char *gost__log_fields(char *buf, size_t len, ...) {
  va_list ap;
  size_t pos = 0;
  buf[0] = '\0';
  va_start(ap, len);
  for (;;) {
    const char *k = va_arg(ap, const char *);
    if (!k) break;
    const char *v = va_arg(ap, const char *);
    if (pos + 8 >= len) break;
    if (pos) buf[pos++] = ',';
    buf[pos++] = '"';
    json_escape(buf, len, &pos, k);
    if (pos + 4 >= len) break;
    buf[pos++] = '"';
    buf[pos++] = ':';
    buf[pos++] = '"';
    json_escape(buf, len, &pos, v ? v : "");
    if (pos + 2 >= len) break;
    buf[pos++] = '"';
    buf[pos] = '\0';
  }
  va_end(ap);
  return buf;
}

void gost__log(gost_ctx_t *ctx, int level, const char *fields, const char *fmt, ...) {
  char msg[1024], rec[2048], ts[40];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);

  struct timespec now;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &now);
  localtime_r(&now.tv_sec, &tm);
  size_t tl = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
  long off = tm.tm_gmtoff / 60; /* RFC 3339 offset: the reader knows the time zone */
  snprintf(ts + tl, sizeof ts - tl, ".%03ld%c%02ld:%02ld", now.tv_nsec / 1000000, off < 0 ? '-' : '+',
           labs(off) / 60, labs(off) % 60);

  size_t pos = 0;
  pos += (size_t)snprintf(rec, sizeof rec, "{\"level\":\"%s\",\"msg\":\"", gost_log_level_name(level));
  json_escape(rec, sizeof rec - 300, &pos, msg);
  pos += (size_t)snprintf(rec + pos, sizeof rec - pos, "\"%s%s,\"time\":\"%s\"}",
                          fields && *fields ? "," : "", fields ? fields : "", ts);
  if (pos >= sizeof rec) pos = sizeof rec - 1;

  /* warnings and errors also go to the control plane (recent errors, SSE "log" events) */
  if (ctx && ctx->log_tap && level >= GOST_LOG_WARN) ctx->log_tap(ctx, level, rec);
  if (ctx && ctx->log_cb) {
    ctx->log_cb(ctx, level, rec, ctx->log_user);
  } else if (ctx && ctx->log_text) {
    char text[2048];
    size_t tn = gost__log_json_to_text(rec, text, sizeof text);
    gost__log_sink_write(ctx, text, tn);
  } else {
    gost__log_sink_write(ctx, rec, pos);
  }
}
