#include "core/meta.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gost/error.h"

static void lower_key(char *out, size_t len, const char *key) {
  size_t i = 0;
  for (; key[i] && i + 1 < len; i++) out[i] = (char)tolower((unsigned char)key[i]);
  out[i] = '\0';
}

int gost__meta_set_json(json_t *meta, const char *key, json_t *value) {
  char k[256];
  if (!value) return GOST_ENOMEM;
  lower_key(k, sizeof k, key);
  return json_object_set_new(meta, k, value) == 0 ? GOST_OK : GOST_ENOMEM;
}

int gost__meta_set(json_t *meta, const char *key, const char *value) {
  return gost__meta_set_json(meta, key, json_string(value ? value : ""));
}

json_t *gost__meta_get(const json_t *meta, const char *key) {
  char k[256];
  if (!meta || !key) return NULL;
  lower_key(k, sizeof k, key);
  return json_object_get(meta, k);
}

const char *gost__meta_str(const json_t *meta, const char *key, const char *def) {
  json_t *v = gost__meta_get(meta, key);
  if (!v) return def;
  if (json_is_string(v)) return json_string_value(v);
  /* Render scalars once into a hidden sibling so the returned pointer stays valid. */
  char buf[64], ck[300];
  if (json_is_true(v)) snprintf(buf, sizeof buf, "true");
  else if (json_is_false(v)) snprintf(buf, sizeof buf, "false");
  else if (json_is_integer(v)) snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
  else if (json_is_real(v)) snprintf(buf, sizeof buf, "%g", json_real_value(v));
  else return def;
  char k[256];
  lower_key(k, sizeof k, key);
  snprintf(ck, sizeof ck, "\x01%s", k);
  json_object_set_new((json_t *)meta, ck, json_string(buf));
  json_t *c = json_object_get(meta, ck);
  return c ? json_string_value(c) : def;
}

int gost__str_bool(const char *s, int def) {
  if (!s) return def;
  if (!strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "yes") || !strcasecmp(s, "on")) return 1;
  if (!strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "no") || !strcasecmp(s, "off")) return 0;
  return def;
}

int gost__meta_bool(const json_t *meta, const char *key, int def) {
  return gost__str_bool(gost__meta_str(meta, key, NULL), def);
}

long long gost__meta_int(const json_t *meta, const char *key, long long def) {
  const char *s = gost__meta_str(meta, key, NULL);
  if (!s || !*s) return def;
  char *end;
  long long v = strtoll(s, &end, 10);
  return *end ? def : v;
}

int64_t gost__duration_ms(const char *s) {
  if (!s || !*s) return -1;
  int64_t total = 0;
  while (*s) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0) return -1;
    s = end;
    double mult;
    if (!*s) mult = 1000; /* bare number: seconds */
    else if (!strncmp(s, "ms", 2)) mult = 1, s += 2;
    else if (*s == 's') mult = 1000, s++;
    else if (*s == 'm') mult = 60000, s++;
    else if (*s == 'h') mult = 3600000, s++;
    else return -1;
    total += (int64_t)(v * mult);
  }
  return total;
}

int64_t gost__meta_duration_ms(const json_t *meta, const char *key, int64_t def) {
  const char *s = gost__meta_str(meta, key, NULL);
  if (!s) return def;
  int64_t v = gost__duration_ms(s);
  return v < 0 ? def : v;
}
