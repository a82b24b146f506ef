/* Ingress: hostname rules -> tunnel IDs (wire-spec §5.4). The public object lives here so the
 * tunnel handler can match without going through the public API. */
#ifndef GOST_INGRESS_INGRESS_H
#define GOST_INGRESS_INGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "core/ctx_int.h"
#include "core/list.h"
#include "gost/ingress.h"

#define GOST__INGRESS_ID_LEN 16
#define GOST__INGRESS_HOST_MAX 255

struct gost_ingress_rule {
  char *host; /* normalised: lower-case, leading '*' stripped */
  uint8_t id[GOST__INGRESS_ID_LEN];
  int priv; /* endpoint had a '$' prefix */
};

struct gost_ingress {
  struct gost_list link;       /* ctx->ingresses: lookup by name */
  struct gost_ctx_child child; /* teardown by the ctx */
  gost_ctx_t *ctx;
  char *name; /* NULL for an anonymous ingress (URL `tunnel=` option) */
  int refs;   /* the creator's reference plus one per service */
  struct gost_ingress_rule *rules;
  size_t nrules, cap;
};

/* Canonical lower-case 36-char form plus NUL. */
void gost__uuid_format(const uint8_t id[GOST__INGRESS_ID_LEN], char out[37]);

/* Rule hostname as stored: trimmed, one leading '*' stripped, lower-cased. Returns the length,
 * or GOST_EINVAL when empty or longer than GOST__INGRESS_HOST_MAX. */
int gost__ingress_host_norm(const char *in, char *out, size_t cap);

/* Looks up host ("Host" header, SNI, dst address; a port is ignored) with the §5.4 order:
 * exact, "." + host, then each parent suffix starting at a dot. Case-insensitive.
 * Returns the matching rule or NULL. */
const struct gost_ingress_rule *gost__ingress_match(const struct gost_ingress *ing,
                                                    const char *host);

/* References held by services. unref frees (and unlinks) at zero. */
void gost__ingress_ref(struct gost_ingress *ing);
void gost__ingress_unref(struct gost_ingress *ing);
/* Frees regardless of references: context teardown only. */
void gost__ingress_destroy(struct gost_ingress *ing);

#endif
