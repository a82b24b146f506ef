/* Ingress: hostname rules -> tunnel IDs (wire-spec §5.4). The public object is a name, a
 * reference count and a rule source (ingress/source.h); the memory source is the default. */
#ifndef GOST_INGRESS_INGRESS_H
#define GOST_INGRESS_INGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "core/ctx_int.h"
#include "core/list.h"
#include "gost/ingress.h"
#include "ingress/source.h"

struct gost_ingress {
  void *data;                  /* the caller's (gost_ingress_set_data) */
  struct gost_list link;       /* ctx->ingresses: lookup by name */
  struct gost_ctx_child child; /* teardown by the ctx */
  gost_ctx_t *ctx;
  char *name; /* NULL for an anonymous ingress (URL `tunnel=` option) */
  int refs;   /* the creator's reference plus one per service */
  const struct gost_ingress_ops *ops;
  void *backend;
};

/* One rule of the memory source. */
struct gost_ingress_rule {
  char *host; /* normalised: lower-case, leading '*' stripped */
  uint8_t id[GOST__INGRESS_ID_LEN];
  int priv; /* endpoint had a '$' prefix */
};

extern const struct gost_ingress_ops gost__ingress_memory_ops;
/* A memory source (backend for gost__ingress_memory_ops); NULL when out of memory. */
void *gost__ingress_memory_new(gost_ctx_t *ctx);
/* Its rule for host (lower-case, no port) with the §5.4 order, or NULL. */
const struct gost_ingress_rule *gost__ingress_memory_match(const void *backend, const char *host);

/* The i-th rule of a memory-backed ingress (creation order), NULL past the end or for another
 * source: the control plane lists and swaps rules with it. */
const struct gost_ingress_rule *gost__ingress_rule_at(const struct gost_ingress *ing, size_t i);

/* Starts q's lookup of host ("Host" header, SNI or address; a port is ignored) in ing; done
 * fires as the source's lookup says (at once for memory), GOST_ENOTFOUND at once for a host
 * that cannot match. ing NULL answers GOST_ENOTFOUND at once. */
void gost__ingress_lookup(const struct gost_ingress *ing, struct gost_ingress_query *q, const char *host,
                          gost_ingress_done_cb done, void *user);
/* Abandons q if pending (done will not fire); a no-op otherwise. */
void gost__ingress_cancel(struct gost_ingress_query *q);

/* Canonical lower-case 36-char form plus NUL. */
void gost__uuid_format(const uint8_t id[GOST__INGRESS_ID_LEN], char out[37]);

/* Rule hostname as stored: trimmed, one leading '*' stripped, lower-cased. Returns the length,
 * or GOST_EINVAL when empty or longer than GOST__INGRESS_HOST_MAX. */
int gost__ingress_host_norm(const char *in, char *out, size_t cap);

/* Synchronous match in a memory-backed ingress (NULL for other sources or no match), with
 * the §5.4 order. Case-insensitive; a port is ignored. */
const struct gost_ingress_rule *gost__ingress_match(const struct gost_ingress *ing,
                                                    const char *host);

/* References held by services. unref frees (and unlinks) at zero. */
void gost__ingress_ref(struct gost_ingress *ing);
void gost__ingress_unref(struct gost_ingress *ing);
/* Frees regardless of references: context teardown only. */
void gost__ingress_destroy(struct gost_ingress *ing);

#endif
