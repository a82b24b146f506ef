/* Who may use a service: an operations table with an asynchronous check, so credentials can
 * live in memory (the service's own list, the default), a file, Redis or an HTTP service, behind
 * one interface (the same shape as ingress/source.h). */
#ifndef GOST_MODEL_AUTH_H
#define GOST_MODEL_AUTH_H

#include <stddef.h>

#include "core/ctx_int.h"

#include <stdint.h>

/* Tunnel IDs one user may use (docs/security.md, per-user tunnel ownership). */
struct gost_auth_ids {
  size_t n;
  uint8_t id[][16];
};

struct gost_auth {
  char *user, *pass;
  /* NULL: any tunnel (stock behaviour); else only these IDs, possibly none. */
  struct gost_auth_ids *bind, *visit;
};

struct gost_auth_query;
/* ok: 1 accepted, 0 refused (also when the store cannot answer: fail closed). */
typedef void (*gost_auth_done_cb)(struct gost_auth_query *q, int ok);

/* One check, embedded in the caller's connection object. */
struct gost_auth_query {
  char *user, *pass; /* the query's own copies while pending (NULL user: none offered) */
  gost_auth_done_cb done;
  void *data; /* the caller's */
  const struct gost_auther *pending; /* while pending, else NULL */
  gost_ctx_t *ctx;
  void *backend_data; /* the backend's request state */
};

struct gost_auther_ops {
  const char *name;
  /* Checks q->user/q->pass; answers with gost__auth_done(q, ok) exactly once, at once or later
   * from the loop, unless cancel runs first. */
  void (*check)(void *backend, struct gost_auth_query *q);
  void (*cancel)(void *backend, struct gost_auth_query *q); /* NULL: always answers at once */
};

struct gost_auther {
  const struct gost_auther_ops *ops; /* NULL: the service's auth list (memory) */
  void *backend;
};

/* Starts the check of user/pass (NULL user: none offered) with a; done fires as the source says
 * (at once for memory). An auther with nothing configured accepts everyone. */
void gost__auth_check(const struct gost_auther *a, gost_ctx_t *ctx, struct gost_auth_query *q,
                      const char *user, const char *pass, gost_auth_done_cb done, void *data);
/* Abandons q if pending (done will not fire). */
void gost__auth_cancel(struct gost_auth_query *q);
/* For backends: the answer of a pending query. */
void gost__auth_done(struct gost_auth_query *q, int ok);

/* The memory source: a list of pairs. */
struct gost_auth_list {
  struct gost_auth *auths;
  size_t n;
};
extern const struct gost_auther_ops gost__auther_memory_ops; /* backend: struct gost_auth_list */
/* 1 when n == 0 (no credentials configured) or user/pass equal one pair, else 0; a missing user
 * never matches a configured list. Compares in time independent of where the strings differ. */
int gost__auths_match(const struct gost_auth *auths, size_t n, const char *user, const char *pass);

#endif
