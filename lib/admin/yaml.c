/* JSON tree -> block-style YAML for GET /config?format=yaml and POST /config. Strings are
 * written as JSON double-quoted scalars, which YAML reads identically, so no quoting rule of
 * YAML's plain scalars can bite. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "admin/strbuf.h"

#define ybuf gost_sb
#define yput gost__sb_add

static void ys(struct ybuf *b, const char *s) { yput(b, s, strlen(s)); }

static void indent(struct ybuf *b, int n) {
  for (int i = 0; i < n; i++) ys(b, "  ");
}

static int plain_key(const char *k) {
  if (!*k) return 0;
  for (const char *p = k; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
          *p == '-' || *p == '.'))
      return 0;
  return 1;
}

static void scalar(struct ybuf *b, const json_t *v) {
  char *s = json_dumps(v, JSON_ENCODE_ANY);
  if (!s) {
    b->oom = 1;
    return;
  }
  ys(b, s);
  free(s);
}

static void key(struct ybuf *b, const char *k) {
  if (plain_key(k)) ys(b, k);
  else {
    json_t *s = json_string(k);
    scalar(b, s);
    json_decref(s);
  }
  ys(b, ":");
}

static int is_container(const json_t *v) {
  return (json_is_object(v) && json_object_size(v)) || (json_is_array(v) && json_array_size(v));
}

static void emit(struct ybuf *b, const json_t *v, int depth);

/* An object's members; the first is already positioned (after "- " in a list). */
static void members(struct ybuf *b, const json_t *v, int depth, int first_inline) {
  const char *k;
  json_t *m;
  int first = 1;
  json_object_foreach((json_t *)v, k, m) {
    if (!(first && first_inline)) indent(b, depth);
    first = 0;
    key(b, k);
    if (is_container(m)) {
      ys(b, "\n");
      emit(b, m, depth + 1);
    } else {
      ys(b, " ");
      emit(b, m, depth);
    }
  }
}

static void emit(struct ybuf *b, const json_t *v, int depth) {
  size_t i;
  json_t *e;
  if (json_is_object(v) && json_object_size(v)) return members(b, v, depth, 0);
  if (json_is_array(v) && json_array_size(v)) {
    json_array_foreach((json_t *)v, i, e) {
      indent(b, depth);
      ys(b, "- ");
      if (json_is_object(e) && json_object_size(e)) members(b, e, depth + 1, 1);
      else if (is_container(e)) {
        ys(b, "\n");
        emit(b, e, depth + 1);
      } else emit(b, e, depth);
    }
    return;
  }
  if (json_is_object(v)) ys(b, "{}");
  else if (json_is_array(v)) ys(b, "[]");
  else scalar(b, v);
  ys(b, "\n");
}

char *gost__admin_yaml(const json_t *v) {
  struct ybuf b = {0};
  emit(&b, v, 0);
  if (b.oom || !b.p) {
    free(b.p);
    return b.oom ? NULL : strdup("{}\n");
  }
  return b.p;
}
