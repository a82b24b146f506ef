/* log.format: text. The record is built once as JSON; text mode re-renders it as
 * `time level msg key=value ...` (logfmt-like, values quoted when they need it). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

static int needs_quotes(const char *v) {
  if (!*v) return 1;
  for (; *v; v++)
    if (*v == ' ' || *v == '"' || *v == '=' || (unsigned char)*v < 0x20) return 1;
  return 0;
}

static void put(char *out, size_t cap, size_t *pos, const char *s) {
  int n = snprintf(out + *pos, cap - *pos, "%s", s);
  if (n > 0) *pos = *pos + (size_t)n >= cap ? cap - 1 : *pos + (size_t)n;
}

static void put_value(char *out, size_t cap, size_t *pos, const char *v) {
  if (!needs_quotes(v)) return put(out, cap, pos, v);
  json_t *s = json_string(v);
  char *enc = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
  put(out, cap, pos, enc ? enc : "\"\"");
  free(enc);
  json_decref(s);
}

size_t gost__log_json_to_text(const char *rec, char *out, size_t cap) {
  size_t pos = 0;
  out[0] = '\0';
  json_t *o = json_loads(rec, 0, NULL);
  if (!json_is_object(o)) {
    json_decref(o);
    put(out, cap, &pos, rec);
    return pos;
  }
  const char *time = json_string_value(json_object_get(o, "time"));
  const char *level = json_string_value(json_object_get(o, "level"));
  const char *msg = json_string_value(json_object_get(o, "msg"));
  put(out, cap, &pos, time ? time : "");
  put(out, cap, &pos, " ");
  char lv[8];
  snprintf(lv, sizeof lv, "%-5s", level ? level : "");
  for (char *p = lv; *p; p++) *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
  put(out, cap, &pos, lv);
  put(out, cap, &pos, " ");
  put(out, cap, &pos, msg ? msg : "");
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    if (!strcmp(k, "time") || !strcmp(k, "level") || !strcmp(k, "msg")) continue;
    char num[64];
    const char *sv = json_string_value(v);
    if (!sv) {
      if (json_is_integer(v)) snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
      else if (json_is_real(v)) snprintf(num, sizeof num, "%g", json_real_value(v));
      else snprintf(num, sizeof num, "%s", json_is_true(v) ? "true" : json_is_false(v) ? "false" : "");
      sv = num;
    }
    put(out, cap, &pos, " ");
    put(out, cap, &pos, k);
    put(out, cap, &pos, "=");
    put_value(out, cap, &pos, sv);
  }
  json_decref(o);
  return pos;
}
