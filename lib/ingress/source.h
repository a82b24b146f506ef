/* Where an ingress gets its rules: an operations table with an asynchronous lookup, so rules
 * can live in memory (ingress/memory.c), a file, Redis or an HTTP service behind one interface.
 * See docs/design.md "Ingress sources" for a worked example of a backend. */
#ifndef GOST_INGRESS_SOURCE_H
#define GOST_INGRESS_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#define GOST__INGRESS_ID_LEN 16
#define GOST__INGRESS_HOST_MAX 255

struct gost_ingress;
struct gost_ingress_query;

/* status GOST_OK (tunnel_id and is_private are set), GOST_ENOTFOUND (no rule), or another
 * error when the source cannot answer (unreachable store): callers treat it as no route. */
typedef void (*gost_ingress_done_cb)(struct gost_ingress_query *q, int status);

/* One lookup, embedded in the caller's connection object (no allocation). */
struct gost_ingress_query {
  /* Set by gost__ingress_lookup: the host lower-cased without its port ("a.com", "::1"). */
  char host[GOST__INGRESS_HOST_MAX + 1];
  gost_ingress_done_cb done;
  void *user;
  /* The answer, valid in done when status is GOST_OK. */
  uint8_t tunnel_id[GOST__INGRESS_ID_LEN];
  int is_private;
  /* Bookkeeping: the ingress while the lookup is pending (NULL otherwise), and one pointer
   * the backend may use for its own request state. */
  const struct gost_ingress *pending;
  void *backend_data;
};

struct gost_ingress_ops {
  const char *name; /* "memory", "redis", ... for logs */
  /* Starts a lookup of q->host with the §5.4 order: exact, "." + host, then every suffix that
   * starts at a dot (codec/hostmatch.h iterates them). Answers with gost__ingress_done(q, st)
   * exactly once: at once (before lookup returns, as the memory source does) or later from the
   * loop, unless cancel runs first. */
  void (*lookup)(void *backend, struct gost_ingress_query *q);
  /* Forgets a pending lookup: done must not fire. NULL when lookups always answer at once. */
  void (*cancel)(void *backend, struct gost_ingress_query *q);
  /* Rule edits through the public API (host normalised by gost_ingress_normalize_host). NULL
   * for a read-only source: the API answers GOST_EUNSUPPORTED. */
  int (*set_rule)(void *backend, const char *host, const uint8_t id[GOST__INGRESS_ID_LEN], int priv);
  int (*remove_rule)(void *backend, const char *host); /* GOST_ENOTFOUND if absent */
  size_t (*count)(const void *backend);                /* rules known locally */
  void (*free)(void *backend);
};

/* For backends: delivers the answer of a pending query (clears q->pending, then calls done). */
void gost__ingress_done(struct gost_ingress_query *q, int status);

#endif
