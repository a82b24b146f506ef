/* The config schema: one declarative table per object kind, checked before anything is built.
 * An unknown key, a wrong type, an unparsable value or a stock GOST key libgost does not
 * implement is an error naming its path. Adding a key is one line in schema_keys.c; see
 * docs/config.md ("Adding a key"). */
#ifndef GOST_CONFIG_SCHEMA_H
#define GOST_CONFIG_SCHEMA_H

#include <jansson.h>

#include "gost/ctx.h"

/* Value types. Metadata scalars may also be strings (URL query values always are), so
 * BOOL/INT/DUR accept both forms; STR accepts a number or bool too (YAML `addr: 8080`). */
enum gost_cv {
  GOST_CV_STR,     /* scalar */
  GOST_CV_BOOL,    /* true/false/1/0/yes/no/on/off */
  GOST_CV_INT,     /* integer within [min, max] when max > min */
  GOST_CV_NUM,     /* any number */
  GOST_CV_DUR,     /* "10s", "1m30s", "500ms", or a number of seconds */
  GOST_CV_UUID,    /* a tunnel ID */
  GOST_CV_STRLIST, /* list of strings */
  GOST_CV_UUIDLIST,/* list of tunnel IDs */
  GOST_CV_OBJ,     /* object of kind `sub` */
  GOST_CV_OBJLIST, /* list of objects of kind `sub` */
  GOST_CV_META,    /* metadata object: keys from the metadata table, scope `where` */
  GOST_CV_ANY,     /* any JSON (checked by its consumer) */
};

/* What libgost does with a key. */
enum gost_ck {
  GOST_CK_OK,       /* implemented */
  GOST_CK_UNSUP,    /* stock GOST knows it, libgost does not implement it: refused */
  GOST_CK_NOEFFECT, /* accepted and type-checked, logged at load as having no effect (note) */
};

/* Metadata scopes (which object's `metadata` may hold a key). */
enum {
  GOST_MS_HANDLER = 1 << 0,
  GOST_MS_LISTENER = 1 << 1,
  GOST_MS_SERVICE = 1 << 2,
  GOST_MS_CONNECTOR = 1 << 3,
  GOST_MS_DIALER = 1 << 4,
  GOST_MS_NODE = 1 << 5,     /* chain node */
  GOST_MS_FORWARD = 1 << 6,  /* forwarder node */
};

struct gost_cfg_kind;

struct gost_cfg_key {
  const char *name;                 /* matched case-insensitively */
  enum gost_cv type;
  unsigned where;                   /* metadata rows: GOST_MS_* mask; META members: the scope */
  const struct gost_cfg_kind *sub;  /* OBJ/OBJLIST members: the nested kind */
  enum gost_ck status;
  const char *note;                 /* NOEFFECT/UNSUP: why, shown to the user */
  long long min, max;               /* INT range when max > min */
};

struct gost_cfg_kind {
  const char *name; /* "service", "handler", ... */
  const struct gost_cfg_key *keys;
};

extern const struct gost_cfg_kind gost__cfg_root;
extern const struct gost_cfg_key gost__cfg_meta_keys[]; /* terminated by a NULL name */

/* Checks the whole tree against the schema. GOST_OK, or GOST_ECONFIG with "path: cause". */
int gost__schema_check(gost_ctx_t *ctx, const json_t *root);

/* The metadata row for key valid in one of the scopes of mask, or NULL. */
const struct gost_cfg_key *gost__schema_meta_key(const char *key, unsigned mask);
/* Checks one metadata value against its row; path names it in the error. */
int gost__schema_meta_value(const struct gost_cfg_key *row, const json_t *v, const char *path);
/* "unknown key" error for key among the metadata keys of mask, with the closest suggestion. */
int gost__schema_meta_unknown(const char *path, const char *key, unsigned mask);

#endif
