/* Walks a config tree against the schema tables (schema_keys.c): unknown keys with the closest
 * known one, wrong types, unparsable values and unsupported stock keys are errors with paths. */
#include "config/schema.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec/uuid.h"
#include "config/load_int.h"
#include "core/error.h"
#include "core/log.h"
#include "core/meta.h"

#define PATH_MAX_LEN 300

static const char *const scope_names[] = {"handler", "listener", "service", "connector",
                                          "dialer",  "node",     "forwarder node"};

/* Case-insensitive edit distance, for "did you mean". Keys are short; longer ones skip. */
static size_t distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 63 || lb > 63) return (size_t)-1;
  size_t row[64];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      int same = (a[i - 1] | 32) == (b[j - 1] | 32);
      size_t best = diag + !same;
      if (row[j] + 1 < best) best = row[j] + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

/* The closest row name (within a third of the key's length, at least 2 edits), or NULL. */
static const char *closest(const struct gost_cfg_key *rows, const char *key, unsigned mask) {
  const char *best = NULL;
  size_t bd = strlen(key) / 3 > 2 ? strlen(key) / 3 : 2;
  for (; rows->name; rows++) {
    if (mask && !(rows->where & mask)) continue;
    size_t d = distance(key, rows->name);
    if (d <= bd && (!best || d < bd)) best = rows->name, bd = d;
  }
  return best;
}

static int unknown(const char *path, const char *suggestion) {
  if (suggestion) return gost__cfg_fail(path, "unknown key, did you mean `%s`?", suggestion);
  return gost__cfg_fail(path, "unknown key");
}

static const struct gost_cfg_key *find(const struct gost_cfg_key *rows, const char *key) {
  for (; rows->name; rows++)
    if (!strcasecmp(rows->name, key)) return rows;
  return NULL;
}

const struct gost_cfg_key *gost__schema_meta_key(const char *key, unsigned mask) {
  for (const struct gost_cfg_key *r = gost__cfg_meta_keys; r->name; r++)
    if ((r->where & mask) && !strcasecmp(r->name, key)) return r;
  return NULL;
}

int gost__schema_meta_unknown(const char *path, const char *key, unsigned mask) {
  const struct gost_cfg_key *elsewhere = find(gost__cfg_meta_keys, key);
  if (elsewhere) { /* a real key in the wrong place: say where it belongs */
    char where[160] = "";
    size_t n = 0;
    for (unsigned i = 0; i < sizeof scope_names / sizeof *scope_names; i++)
      if (elsewhere->where & (1u << i))
        n += (size_t)snprintf(where + n, sizeof where - n, "%s%s", n ? ", " : "", scope_names[i]);
    return gost__cfg_fail(path, "not valid here (it belongs in %s metadata)", where);
  }
  return unknown(path, closest(gost__cfg_meta_keys, key, mask));
}

static int parse_bool(const char *s) {
  static const char *const yes[] = {"true", "1", "yes", "on", "t"}, *const no[] = {"false", "0", "no", "off", "f"};
  for (size_t i = 0; i < 5; i++) {
    if (!strcasecmp(s, yes[i])) return 1;
    if (!strcasecmp(s, no[i])) return 0;
  }
  return -1;
}

static int parse_int(const char *s, long long *out) {
  char *end;
  errno = 0;
  *out = strtoll(s, &end, 10);
  return *s && !*end && !errno ? 0 : -1;
}

static int check_uuid(const char *s, const char *path) {
  uint8_t id[GOST__UUID_LEN];
  if (!*s) return gost__cfg_fail(path, "empty tunnel ID");
  if (gost__uuid_parse(s, strlen(s), id) != GOST_OK || gost__uuid_is_zero(id))
    return gost__cfg_fail(path, "\"%s\" is not a tunnel ID (a UUID such as 4d21094e-b74c-4916-86c1-d9fa36ea677b)", s);
  return GOST_OK;
}

/* Scalars: YAML types them, URLs give text; both forms must parse. */
int gost__schema_meta_value(const struct gost_cfg_key *row, const json_t *v, const char *path) {
  char buf[64];
  if (json_is_null(v)) return GOST_OK;
  const char *s = gost__cfg_scalar(v, buf, sizeof buf);
  long long n;
  switch (row->type) {
    case GOST_CV_ANY: return GOST_OK;
    case GOST_CV_STR:
      return s ? GOST_OK : gost__cfg_fail(path, "expected a single value, not a list or object");
    case GOST_CV_BOOL:
      if (json_is_boolean(v) || (s && parse_bool(s) >= 0)) return GOST_OK;
      return gost__cfg_fail(path, "\"%s\" is not a boolean (true or false)", s ? s : "(list)");
    case GOST_CV_INT:
      if (!s || (json_is_real(v) && json_real_value(v) != (double)(long long)json_real_value(v)) ||
          (!json_is_real(v) && parse_int(s, &n)))
        return gost__cfg_fail(path, "\"%s\" is not an integer", s ? s : "(list)");
      if (json_is_real(v)) n = (long long)json_real_value(v);
      if (row->max > row->min && (n < row->min || n > row->max))
        return gost__cfg_fail(path, "%lld is out of range (%lld to %lld)", n, row->min, row->max);
      return GOST_OK;
    case GOST_CV_NUM: {
      char *end;
      if (s && !json_is_boolean(v) && *s && (strtod(s, &end), !*end)) return GOST_OK;
      return gost__cfg_fail(path, "\"%s\" is not a number", s ? s : "(list)");
    }
    case GOST_CV_DUR:
      if (s && !json_is_boolean(v) && gost__duration_ms(s) >= 0) return GOST_OK;
      return gost__cfg_fail(path, "\"%s\" is not a duration (like 10s, 1m30s, 500ms)", s ? s : "(list)");
    case GOST_CV_UUID:
      if (!json_is_string(v)) return gost__cfg_fail(path, "expected a tunnel ID string");
      return check_uuid(s, path);
    case GOST_CV_OBJLIST:
    case GOST_CV_STRLIST:
    case GOST_CV_UUIDLIST:
      return json_is_array(v) ? GOST_OK : gost__cfg_fail(path, "expected a list (a config file can hold one)");
    case GOST_CV_OBJ:
      return json_is_object(v) ? GOST_OK : gost__cfg_fail(path, "expected an object");
    default: return GOST_OK;
  }
}

static void join(char *out, const char *path, const char *key) {
  if (path && *path) snprintf(out, PATH_MAX_LEN, "%s.%s", path, key);
  else snprintf(out, PATH_MAX_LEN, "%s", key);
}

static void noeffect(gost_ctx_t *ctx, const char *path, const struct gost_cfg_key *row) {
  GOST_WARN(ctx, "config: %s: accepted but has no effect: %s", path, row->note ? row->note : "");
}

static int check_member(gost_ctx_t *ctx, const struct gost_cfg_key *row, const json_t *v,
                        const char *p);

static int check_meta(gost_ctx_t *ctx, const json_t *md, const char *path, unsigned scope) {
  const char *k;
  json_t *v;
  if (!json_is_object(md)) return gost__cfg_fail(path, "expected an object");
  json_object_foreach((json_t *)md, k, v) {
    char p[PATH_MAX_LEN];
    join(p, path, k);
    const struct gost_cfg_key *row = gost__schema_meta_key(k, scope);
    if (!row) return gost__schema_meta_unknown(p, k, scope);
    if (row->status == GOST_CK_UNSUP) return gost__cfg_fail(p, "not supported by libgost");
    int rc = row->sub ? check_member(ctx, row, v, p) : gost__schema_meta_value(row, v, p);
    if (rc) return rc;
    if (row->status == GOST_CK_NOEFFECT && !json_is_null(v)) noeffect(ctx, p, row);
  }
  return GOST_OK;
}

static int check_obj(gost_ctx_t *ctx, const struct gost_cfg_kind *kind, const json_t *obj,
                     const char *path);

static int check_member(gost_ctx_t *ctx, const struct gost_cfg_key *row, const json_t *v,
                        const char *p) {
  char ip[PATH_MAX_LEN], buf[64];
  size_t i;
  json_t *e;
  int rc;
  if (json_is_null(v)) return GOST_OK; /* `key:` with no value: absent */
  switch (row->type) {
    case GOST_CV_ANY: return GOST_OK;
    case GOST_CV_OBJ: return check_obj(ctx, row->sub, v, p);
    case GOST_CV_META: return check_meta(ctx, v, p, row->where);
    case GOST_CV_OBJLIST:
    case GOST_CV_STRLIST:
    case GOST_CV_UUIDLIST:
      if (!json_is_array(v)) return gost__cfg_fail(p, "expected a list");
      json_array_foreach(v, i, e) {
        snprintf(ip, sizeof ip, "%s[%zu]", p, i);
        if (row->type == GOST_CV_OBJLIST) rc = check_obj(ctx, row->sub, e, ip);
        else if (!json_is_string(e)) rc = gost__cfg_fail(ip, "expected a string");
        else rc = row->type == GOST_CV_UUIDLIST ? check_uuid(json_string_value(e), ip) : GOST_OK;
        if (rc) return rc;
      }
      return GOST_OK;
    case GOST_CV_STR:
      if (!gost__cfg_scalar(v, buf, sizeof buf)) return gost__cfg_fail(p, "expected a string");
      return GOST_OK;
    default: return gost__schema_meta_value(row, v, p);
  }
}

static int check_obj(gost_ctx_t *ctx, const struct gost_cfg_kind *kind, const json_t *obj,
                     const char *path) {
  const char *k;
  json_t *v;
  if (!json_is_object(obj)) return gost__cfg_fail(path && *path ? path : "config", "expected an object");
  json_object_foreach((json_t *)obj, k, v) {
    char p[PATH_MAX_LEN];
    join(p, path, k);
    const struct gost_cfg_key *row = find(kind->keys, k);
    if (!row) return unknown(p, closest(kind->keys, k, 0));
    if (row->status == GOST_CK_UNSUP) return gost__cfg_fail(p, "not supported by libgost");
    int rc = check_member(ctx, row, v, p);
    if (rc) return rc;
    if (row->status == GOST_CK_NOEFFECT && !json_is_null(v)) noeffect(ctx, p, row);
  }
  return GOST_OK;
}

int gost__schema_check(gost_ctx_t *ctx, const json_t *root) {
  return check_obj(ctx, &gost__cfg_root, root, "");
}
