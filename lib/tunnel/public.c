/* The public tunnel service (see public.h). */
#include "tunnel/public.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec/uuid.h"
#include "core/addr.h"
#include "core/error.h"
#include "core/log.h"
#include "core/meta.h"
#include "model/service.h"
#include "tunnel/server.h"

#define NAMES_MAX 65536
#define LABEL_MAX 63
#define CLIENTS_MAX 1024
#define RATE_WINDOW_S 60

struct pname {
  char label[LABEL_MAX + 1];
  uint8_t tid[16];
  time_t seen; /* last time the tunnel was known alive */
};

struct rclient {
  char ip[64];
  time_t window; /* start of the current minute */
  unsigned count;
};

struct gost_tunnel_public {
  struct gost_tunnel_server *srv;
  char domain[256];
  int names;     /* custom names allowed */
  int64_t expire_s;
  char *state;   /* state file path or NULL */
  unsigned rate; /* new names per client IP per minute, 0 = unlimited */
  struct pname *v;
  size_t n, cap;
  struct rclient clients[CLIENTS_MAX];
  size_t nclients;
  int has_cert;
  gost_service_t tls_svc; /* carries certFile/keyFile for the "tls" listener's handshake */
};

gost_service_t *gost__public_tls(struct gost_tunnel_public *p) { return p->has_cert ? &p->tls_svc : NULL; }

/* tunnel.public.certFile/keyFile: the wildcard certificate served for *.<domain>. */
static int tls_init(struct gost_tunnel_public *p, const char *cert, const char *key) {
  if (!cert && !key) return GOST_OK;
  if (!cert || !key) return gost__error(GOST_ECONFIG, "tunnel.public: certFile and keyFile go together");
  if (access(cert, R_OK) != 0 || access(key, R_OK) != 0)
    return gost__error(GOST_ECONFIG, "tunnel.public: cannot read %s or %s", cert, key);
  gost_service_t *t = &p->tls_svc;
  t->ctx = p->srv->ctx;
  t->name = p->srv->svc->name;
  t->listener_meta = json_object();
  t->service_meta = json_object();
  if (!t->listener_meta || !t->service_meta || gost__meta_set(t->listener_meta, "certFile", cert) ||
      gost__meta_set(t->listener_meta, "keyFile", key))
    return gost__error(GOST_ENOMEM, "tunnel.public");
  p->has_cert = 1;
  return GOST_OK;
}

/* tunnel.public.<key>, or the member <key> of a `tunnel.public` object (YAML); numbers are
 * rendered into buf. */
static const char *opt_buf(const struct gost_tunnel_server *srv, const char *key, char *buf, size_t cap) {
  char k[64];
  snprintf(k, sizeof k, "tunnel.public.%s", key);
  const char *v = gost__service_meta(srv->svc, k, NULL);
  if (v) return v;
  const json_t *o = gost__meta_get(srv->svc->handler_meta, "tunnel.public");
  const json_t *m = json_is_object(o) ? json_object_get(o, key) : NULL;
  if (json_is_string(m)) return json_string_value(m);
  if (json_is_boolean(m)) return json_is_true(m) ? "true" : "false";
  if (json_is_integer(m)) {
    snprintf(buf, cap, "%lld", (long long)json_integer_value(m));
    return buf;
  }
  return NULL;
}
#define opt(srv, key) opt_buf((srv), (key), optbuf, sizeof optbuf)

static int valid_label(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > LABEL_MAX || s[0] == '-' || s[n - 1] == '-') return 0;
  for (size_t i = 0; i < n; i++)
    if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-') return 0;
  return 1;
}

static struct pname *find(struct gost_tunnel_public *p, const char *label) {
  for (size_t i = 0; i < p->n; i++)
    if (!strcmp(p->v[i].label, label)) return &p->v[i];
  return NULL;
}

/* Alive: the tunnel has a connector now (seen refreshed), or left less than expire ago. */
static int alive(struct gost_tunnel_public *p, struct pname *e, time_t now) {
  if (gost__tunnel_registry_count(p->srv->reg, e->tid) > 0) {
    e->seen = now;
    return 1;
  }
  return now - e->seen <= p->expire_s;
}

static void save(struct gost_tunnel_public *p) {
  if (!p->state) return;
  json_t *arr = json_array();
  for (size_t i = 0; arr && i < p->n; i++) {
    char tid[GOST__UUID_STR_LEN + 1];
    gost__uuid_format(p->v[i].tid, tid);
    json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "name", p->v[i].label, "tunnel", tid, "seen",
                                         (json_int_t)p->v[i].seen));
  }
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", p->state);
  /* write-then-rename: a crash leaves the old file or the new one, never half of one */
  if (!arr || json_dump_file(arr, tmp, JSON_COMPACT) != 0 || rename(tmp, p->state) != 0)
    GOST_WARN(p->srv->ctx, "tunnel.public: cannot save %s", p->state);
  json_decref(arr);
}

static int add(struct gost_tunnel_public *p, const char *label, const uint8_t tid[16], time_t seen) {
  if (p->n == NAMES_MAX) return gost__error(GOST_ENOMEM, "tunnel.public: name table full");
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 16;
    struct pname *v = gost__realloc(p->srv->ctx, p->v, cap * sizeof *v);
    if (!v) return gost__error(GOST_ENOMEM, "tunnel.public");
    p->v = v;
    p->cap = cap;
  }
  struct pname *e = &p->v[p->n++];
  snprintf(e->label, sizeof e->label, "%s", label);
  memcpy(e->tid, tid, 16);
  e->seen = seen;
  return GOST_OK;
}

static void drop(struct gost_tunnel_public *p, struct pname *e) {
  GOST_INFO(p->srv->ctx, "tunnel.public: %s.%s released", e->label, p->domain);
  *e = p->v[--p->n];
}

static int load(struct gost_tunnel_public *p) {
  if (!p->state || access(p->state, F_OK) != 0) return GOST_OK; /* first start */
  json_error_t err;
  json_t *arr = json_load_file(p->state, 0, &err);
  if (!json_is_array(arr)) {
    json_decref(arr);
    return gost__error(GOST_ECONFIG, "tunnel.public.state %s: %s", p->state, err.text);
  }
  size_t i;
  json_t *e;
  json_array_foreach(arr, i, e) {
    const char *name = json_string_value(json_object_get(e, "name"));
    const char *tid = json_string_value(json_object_get(e, "tunnel"));
    uint8_t id[16];
    if (!name || !valid_label(name) || !tid || gost__uuid_parse(tid, strlen(tid), id) != GOST_OK) continue;
    if (add(p, name, id, (time_t)json_integer_value(json_object_get(e, "seen"))) != GOST_OK) break;
  }
  json_decref(arr);
  GOST_INFO(p->srv->ctx, "tunnel.public: %zu names loaded from %s", p->n, p->state);
  return GOST_OK;
}

int gost__public_init(struct gost_tunnel_server *srv) {
  char optbuf[32];
  const char *domain = opt(srv, "domain");
  if (!domain || !*domain) return GOST_OK;
  struct gost_tunnel_public *p = gost__calloc(srv->ctx, 1, sizeof *p);
  if (!p) return gost__error(GOST_ENOMEM, "tunnel.public");
  p->srv = srv;
  snprintf(p->domain, sizeof p->domain, "%s", domain[0] == '.' ? domain + 1 : domain);
  for (char *c = p->domain; *c; c++) *c = (char)tolower((unsigned char)*c);
  p->names = gost__str_bool(opt(srv, "names"), 0);
  const char *ex = opt(srv, "expire");
  int64_t ms = ex ? gost__duration_ms(ex) : 24 * 3600 * 1000LL;
  const char *rate = opt(srv, "rate");
  char *end = NULL;
  long r = rate ? strtol(rate, &end, 10) : 10;
  int rc = GOST_OK;
  if (ms < 0) rc = gost__error(GOST_ECONFIG, "tunnel.public.expire: bad duration '%s'", ex);
  else if (r < 0 || (rate && *end)) rc = gost__error(GOST_ECONFIG, "tunnel.public.rate: '%s' is not a count per minute", rate);
  else if (strlen(domain) >= sizeof p->domain) rc = gost__error(GOST_ECONFIG, "tunnel.public.domain too long");
  p->expire_s = ms / 1000;
  p->rate = (unsigned)r;
  const char *st = opt(srv, "state");
  if (rc == GOST_OK && st && *st && !(p->state = gost__strdup(srv->ctx, st))) rc = gost__error(GOST_ENOMEM, "tunnel.public");
  if (rc == GOST_OK) rc = tls_init(p, opt(srv, "certFile"), opt(srv, "keyFile"));
  if (rc == GOST_OK) rc = load(p);
  if (rc != GOST_OK) {
    gost__public_free(p);
    return rc;
  }
  srv->pub = p;
  GOST_INFO(srv->ctx, "tunnel.public: *.%s, custom names %s, names expire after %llds", p->domain,
            p->names ? "on" : "off", (long long)p->expire_s);
  return GOST_OK;
}

void gost__public_free(struct gost_tunnel_public *p) {
  if (!p) return;
  time_t now = time(NULL);
  for (size_t i = 0; i < p->n; i++) alive(p, &p->v[i], now); /* connected now: seen now */
  if (p->v) save(p); /* last-seen times for the next start */
  gost__free(p->srv->ctx, p->v);
  gost__free(p->srv->ctx, p->state);
  json_decref(p->tls_svc.listener_meta);
  json_decref(p->tls_svc.service_meta);
  gost__free(p->srv->ctx, p);
}

/* One more new name for this client IP this minute? */
static int rate_ok(struct gost_tunnel_public *p, const gost_sockaddr *client, time_t now) {
  if (!p->rate) return 1;
  char ip[64];
  gost__sa_fmt(client, ip, sizeof ip);
  char *colon = strrchr(ip, ':'); /* per address, not per source port */
  if (colon) *colon = '\0';
  struct rclient *c = NULL, *oldest = NULL;
  for (size_t i = 0; i < p->nclients && !c; i++) {
    if (!strcmp(p->clients[i].ip, ip)) c = &p->clients[i];
    else if (!oldest || p->clients[i].window < oldest->window) oldest = &p->clients[i];
  }
  if (!c) {
    c = p->nclients < CLIENTS_MAX ? &p->clients[p->nclients++] : oldest; /* forget the stalest */
    snprintf(c->ip, sizeof c->ip, "%s", ip);
    c->window = now;
    c->count = 0;
  }
  if (now - c->window >= RATE_WINDOW_S) {
    c->window = now;
    c->count = 0;
  }
  return ++c->count <= p->rate;
}

int gost__public_bind(struct gost_tunnel_public *p, const uint8_t tid[16], const char *want, const char *ep,
                      const gost_sockaddr *client, char *out, size_t cap) {
  time_t now = time(NULL);
  char label[LABEL_MAX + 1];
  snprintf(label, sizeof label, "%s", ep);
  if (want && *want && p->names) {
    char w[LABEL_MAX + 2];
    snprintf(w, sizeof w, "%s", want);
    for (char *c = w; *c; c++) *c = (char)tolower((unsigned char)*c);
    struct pname *e = valid_label(w) ? find(p, w) : NULL;
    if (!valid_label(w))
      GOST_WARN(p->srv->ctx, "tunnel.public: '%s' is not a DNS label; using %s", want, ep);
    else if (e && memcmp(e->tid, tid, 16) && alive(p, e, now))
      GOST_WARN(p->srv->ctx, "tunnel.public: %s.%s is taken; using %s", w, p->domain, ep);
    else
      snprintf(label, sizeof label, "%s", w);
  }
  struct pname *e = find(p, label);
  if (e && memcmp(e->tid, tid, 16)) { /* expired: the name goes to its new holder */
    drop(p, e);
    e = NULL;
  }
  if (!e) {
    if (!rate_ok(p, client, now))
      return gost__error(GOST_ESTATE, "tunnel.public: too many new names from this client");
    int rc = add(p, label, tid, now);
    if (rc != GOST_OK) return rc;
    save(p);
  } else {
    e->seen = now;
  }
  snprintf(out, cap, "%s.%s", label, p->domain);
  return GOST_OK;
}

/* The label of host under the domain into label; 0 when host is not <one label>.<domain>. */
static int label_of(const struct gost_tunnel_public *p, const char *host, char label[LABEL_MAX + 1]) {
  size_t hl = strlen(host), dl = strlen(p->domain);
  const char *colon = strrchr(host, ':');
  if (colon && !strchr(colon, ']')) hl = (size_t)(colon - host); /* drop a port */
  if (hl <= dl + 1 || host[hl - dl - 1] != '.' || strncasecmp(host + hl - dl, p->domain, dl)) return 0;
  size_t ll = hl - dl - 1;
  if (ll > LABEL_MAX || memchr(host, '.', ll)) return 0; /* one label only */
  for (size_t i = 0; i < ll; i++) label[i] = (char)tolower((unsigned char)host[i]);
  label[ll] = '\0';
  return 1;
}

int gost__public_covers(const struct gost_tunnel_public *p, const char *host) {
  char label[LABEL_MAX + 1];
  return label_of(p, host, label);
}

int gost__public_route(struct gost_tunnel_public *p, const char *host, uint8_t tid[16]) {
  char label[LABEL_MAX + 1];
  if (!label_of(p, host, label)) return GOST_ENOTFOUND;
  struct pname *e = find(p, label);
  if (!e) return GOST_ENOTFOUND;
  time_t now = time(NULL);
  if (!alive(p, e, now)) {
    drop(p, e);
    save(p);
    return GOST_ENOTFOUND;
  }
  memcpy(tid, e->tid, 16);
  return GOST_OK;
}
