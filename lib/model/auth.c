/* The auther dispatch and the memory source (the service's list of pairs). */
#include <assert.h>
#include <string.h>

#include "model/auth.h"

void gost__auth_done(struct gost_auth_query *q, int ok) {
  assert(q->pending); /* a backend answers once, and never after cancel */
  q->pending = NULL;
  gost__free(q->ctx, q->user);
  gost__free(q->ctx, q->pass);
  q->user = q->pass = NULL;
  q->done(q, ok);
}

void gost__auth_check(const struct gost_auther *a, gost_ctx_t *ctx, struct gost_auth_query *q,
                      const char *user, const char *pass, gost_auth_done_cb done, void *data) {
  memset(q, 0, sizeof *q);
  q->ctx = ctx;
  q->done = done;
  q->data = data;
  q->pending = a;
  if (user && (!(q->user = gost__strdup(ctx, user)) || !(q->pass = gost__strdup(ctx, pass ? pass : ""))))
    return gost__auth_done(q, 0); /* out of memory: refuse */
  a->ops->check(a->backend, q);
}

void gost__auth_cancel(struct gost_auth_query *q) {
  const struct gost_auther *a = q->pending;
  if (!a) return;
  q->pending = NULL;
  if (a->ops->cancel) a->ops->cancel(a->backend, q);
  gost__free(q->ctx, q->user);
  gost__free(q->ctx, q->pass);
  q->user = q->pass = NULL;
}

/* Equality whose duration depends on the lengths only, not on the first differing byte. */
static int str_eq_ct(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  unsigned char diff = la != lb;
  for (size_t i = 0; i < la; i++) diff |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
  return diff == 0;
}

int gost__auths_match(const struct gost_auth *auths, size_t n, const char *user, const char *pass) {
  if (n == 0) return 1;
  if (!user) return 0;
  int ok = 0;
  for (size_t i = 0; i < n; i++)
    ok |= str_eq_ct(auths[i].user ? auths[i].user : "", user) &
          str_eq_ct(auths[i].pass ? auths[i].pass : "", pass ? pass : "");
  return ok;
}

static void memory_check(void *backend, struct gost_auth_query *q) {
  const struct gost_auth_list *l = backend;
  gost__auth_done(q, gost__auths_match(l->auths, l->n, q->user, q->pass));
}

const struct gost_auther_ops gost__auther_memory_ops = {.name = "memory", .check = memory_check, .cancel = NULL};
