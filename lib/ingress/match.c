/* Ingress lookups (wire-spec §5.4): host normalisation and the dispatch to the rule source,
 * lower-casing both sides unlike stock GOST. */
#include <assert.h>
#include <ctype.h>
#include <string.h>

#include "gost/error.h"
#include "ingress/ingress.h"

int gost__ingress_host_norm(const char *in, char *out, size_t cap) {
  if (!in) return GOST_EINVAL;
  while (isspace((unsigned char)*in)) in++;
  size_t len = strlen(in);
  while (len && isspace((unsigned char)in[len - 1])) len--;
  if (len && in[0] == '*') in++, len--; /* "*.a.com" -> ".a.com", "*a.com" -> "a.com" */
  if (!len || len > GOST__INGRESS_HOST_MAX || len + 1 > cap) return GOST_EINVAL;
  for (size_t i = 0; i < len; i++) out[i] = (char)tolower((unsigned char)in[i]);
  out[len] = '\0';
  return (int)len;
}

/* Host without its port: "a.com:80" -> "a.com", "[::1]:80" -> "::1"; bare IPv6 kept. */
static size_t strip_port(const char *host, char *out, size_t cap) {
  const char *start = host, *end = host + strlen(host);
  if (*host == '[') {
    const char *rb = strchr(host, ']');
    if (rb) start = host + 1, end = rb;
  } else {
    const char *colon = strchr(host, ':');
    if (colon && !strchr(colon + 1, ':')) end = colon;
  }
  size_t len = (size_t)(end - start);
  if (len + 1 > cap) return 0;
  for (size_t i = 0; i < len; i++) out[i] = (char)tolower((unsigned char)start[i]);
  out[len] = '\0';
  return len;
}

void gost__ingress_done(struct gost_ingress_query *q, int status) {
  assert(q->pending); /* a backend answers once, and never after cancel */
  q->pending = NULL;
  q->done(q, status);
}

void gost__ingress_lookup(const struct gost_ingress *ing, struct gost_ingress_query *q, const char *host,
                          gost_ingress_done_cb done, void *user) {
  q->done = done;
  q->user = user;
  q->pending = NULL;
  q->backend_data = NULL;
  if (!ing || !host || !strip_port(host, q->host, sizeof q->host)) return done(q, GOST_ENOTFOUND);
  q->pending = ing;
  ing->ops->lookup(ing->backend, q);
}

void gost__ingress_cancel(struct gost_ingress_query *q) {
  const struct gost_ingress *ing = q->pending;
  if (!ing) return;
  q->pending = NULL;
  if (ing->ops->cancel) ing->ops->cancel(ing->backend, q);
}

const struct gost_ingress_rule *gost__ingress_match(const struct gost_ingress *ing, const char *host) {
  char buf[GOST__INGRESS_HOST_MAX + 1];
  if (!ing || !host || ing->ops != &gost__ingress_memory_ops) return NULL;
  if (!strip_port(host, buf, sizeof buf)) return NULL;
  return gost__ingress_memory_match(ing->backend, buf);
}
