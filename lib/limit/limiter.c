/* gost_limiter_t: the object, its limit lines, and the per host / per tunnel entries. */
#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/uuid.h"
#include "core/error.h"
#include "core/log.h"
#include "limit/limiter.h"

/* ---- parsing ---- */

double gost__limit_size(const char *s) {
  static const struct {
    const char *unit;
    double mult;
  } units[] = {{"", 1},         {"b", 1},          {"k", 1024.},      {"kb", 1024.},
               {"kib", 1024.},  {"m", 1048576.},   {"mb", 1048576.},  {"mib", 1048576.},
               {"g", 1073741824.}, {"gb", 1073741824.}, {"gib", 1073741824.},
               {"t", 1099511627776.}, {"tb", 1099511627776.}, {"tib", 1099511627776.}};
  char *end;
  if (!s || !(isdigit((unsigned char)*s) || *s == '.')) return -1; /* no sign, no "inf" */
  double v = strtod(s, &end);
  if (end == s || !isfinite(v)) return -1;
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (!strcasecmp(end, units[i].unit)) {
      v *= units[i].mult;
      return v <= 1e15 ? v : -1; /* a petabyte per second: beyond any link, surely a typo */
    }
  return -1;
}

static int parse_number(const char *s, int integer, double *out) {
  char *end;
  if (!s || !(isdigit((unsigned char)*s) || (!integer && *s == '.'))) return -1;
  double v = strtod(s, &end);
  if (*end || !isfinite(v) || v > 1e9 || (integer && v != floor(v))) return -1;
  *out = v;
  return 0;
}

/* IP or CIDR -> v4-mapped/IPv6 network and prefix bits (host bits cleared). */
static int parse_host(const char *s, uint8_t out[16], int *prefix) {
  char buf[64];
  const char *slash = strchr(s, '/');
  size_t n = slash ? (size_t)(slash - s) : strlen(s);
  if (n >= sizeof buf) return -1;
  memcpy(buf, s, n);
  buf[n] = '\0';
  int bits = 128, base = 0;
  struct in_addr a4;
  memset(out, 0, 16);
  if (inet_pton(AF_INET, buf, &a4) == 1) {
    out[10] = out[11] = 0xff;
    memcpy(out + 12, &a4, 4);
    base = 96;
  } else if (inet_pton(AF_INET6, buf, out) != 1) {
    return -1;
  }
  if (slash) {
    char *end;
    long p = strtol(slash + 1, &end, 10);
    if (end == slash + 1 || *end || p < 0 || p > 128 - base) return -1;
    bits = base + (int)p;
  }
  for (int i = bits; i < 128; i++) out[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
  *prefix = bits;
  return 0;
}

int gost__limit_parse(gost_limiter_kind_t kind, const char *line, struct gost_limit_rule *r,
                      char *err, size_t cap) {
  char buf[256], *f[4], *save = NULL;
  size_t nf = 0;
  if (strlen(line) >= sizeof buf) return snprintf(err, cap, "line too long"), GOST_EINVAL;
  snprintf(buf, sizeof buf, "%s", line);
  for (char *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
    if (nf == 3) return snprintf(err, cap, "too many fields"), GOST_EINVAL;
    f[nf++] = t;
  }
  size_t want = kind == GOST_LIMITER_TRAFFIC ? 3 : 2;
  if (nf < 2 || nf > want)
    return snprintf(err, cap, "expected \"%s\"", kind == GOST_LIMITER_TRAFFIC ? "KEY IN [OUT]" : "KEY LIMIT"),
           GOST_EINVAL;
  memset(r, 0, sizeof *r);
  if (!strcmp(f[0], "$")) {
    r->key = GOST_LK_SERVICE;
  } else if (!strcmp(f[0], "$$")) {
    r->key = GOST_LK_EACH;
  } else if (parse_host(f[0], r->addr, &r->prefix) == 0) {
    r->key = GOST_LK_HOST;
  } else if (kind == GOST_LIMITER_TRAFFIC && gost__uuid_parse(f[0], strlen(f[0]), r->addr) == GOST_OK) {
    r->key = GOST_LK_TUNNEL;
  } else {
    return snprintf(err, cap, "key \"%s\": expected $, $$, an IP or a CIDR%s", f[0],
                    kind == GOST_LIMITER_TRAFFIC ? " or a tunnel ID" : ""),
           GOST_EINVAL;
  }
  for (size_t i = 1; i < nf; i++) {
    double v;
    if (kind == GOST_LIMITER_TRAFFIC) v = gost__limit_size(f[i]);
    else if (parse_number(f[i], kind == GOST_LIMITER_CONN, &v) < 0) v = -1;
    if (v < 0)
      return snprintf(err, cap, "\"%s\": expected %s", f[i],
                      kind == GOST_LIMITER_TRAFFIC ? "a size such as 512KB, 10MB or 1GB"
                      : kind == GOST_LIMITER_CONN ? "a whole number of connections"
                                                  : "a number of requests per second"),
             GOST_EINVAL;
    r->v[i - 1] = v;
  }
  return GOST_OK;
}

double gost__limit_burst(gost_limiter_kind_t kind, double r) {
  /* rate: stock's burst (int(r)+1 requests). traffic: 100 ms worth, where stock allows a whole
   * second: the same long-run rate, but a 5 s transfer cannot run 20 % over its limit. */
  return kind == GOST_LIMITER_RATE ? floor(r) + 1 : r / 10;
}

/* ---- entries ---- */

const struct gost_limit_rule *gost__limit_match(const struct gost_limiter *lim, const uint8_t key[17]) {
  for (size_t i = 0; i < lim->nrules; i++) {
    const struct gost_limit_rule *r = &lim->rules[i];
    if (key[16]) {
      if (r->key == GOST_LK_TUNNEL && !memcmp(r->addr, key, 16)) return r;
      continue;
    }
    if (r->key != GOST_LK_HOST) continue;
    int full = r->prefix / 8, rest = r->prefix % 8;
    if (memcmp(r->addr, key, (size_t)full)) continue;
    if (rest && ((r->addr[full] ^ key[full]) & (uint8_t)(0xff << (8 - rest)))) continue;
    return r;
  }
  return NULL;
}

static void tune_bucket(struct gost_limiter *lim, struct gost_bucket *b, double rate, double now) {
  gost__bucket_set(b, rate, gost__limit_burst(lim->kind, rate), now);
}

void gost__limit_entry_tune(struct gost_limiter *lim, struct gost_limit_entry *e) {
  const struct gost_limit_rule *r = gost__limit_match(lim, e->key);
  double now = gost__now(lim->ctx);
  if (lim->kind == GOST_LIMITER_RATE) {
    tune_bucket(lim, &e->b[0][0], r ? r->v[0] : lim->each[0], now);
    return;
  }
  for (int d = 0; d < 2; d++) {
    tune_bucket(lim, &e->b[0][d], r ? r->v[d] : 0, now);
    /* `$$` on a tunnel server's handler limiter: each tunnel (stock 3.0 keyed it by tunnel ID) */
    tune_bucket(lim, &e->b[1][d], e->key[16] ? lim->each[d] : 0, now);
  }
}

static void entry_free(struct gost_limiter *lim, struct gost_limit_entry *e) {
  gost__hmap_remove(&lim->ents, &e->node);
  gost__free(lim->ctx, e);
}

/* Rate limiter: hosts whose bucket is full again are as good as new; forget them. */
static void sweep(struct gost_limiter *lim) {
  double now = gost__now(lim->ctx);
  for (size_t i = 0; i < lim->ents.nslots; i++)
    for (struct gost_hnode *n = lim->ents.slots[i], *next; n; n = next) {
      next = n->next;
      struct gost_limit_entry *e = gost_container_of(n, struct gost_limit_entry, node);
      if (!e->refs && !e->conns && gost__bucket_full(&e->b[0][0], now)) entry_free(lim, e);
    }
  lim->sweep_at = lim->ents.count * 2 + 1024;
}

struct gost_limit_entry *gost__limit_entry(struct gost_limiter *lim, const uint8_t key[17], int create) {
  uint64_t h = gost__hmap_hash(&lim->ents, key, 17);
  for (struct gost_hnode *n = gost__hmap_chain(&lim->ents, h); n; n = n->next) {
    struct gost_limit_entry *e = gost_container_of(n, struct gost_limit_entry, node);
    if (n->hash == h && !memcmp(e->key, key, 17)) return e;
  }
  if (!create) return NULL;
  if (lim->ents.count >= lim->sweep_at) sweep(lim);
  struct gost_limit_entry *e = gost__calloc(lim->ctx, 1, sizeof *e);
  if (!e) return NULL;
  memcpy(e->key, key, 17);
  double now = gost__now(lim->ctx);
  for (int i = 0; i < 2; i++)
    for (int d = 0; d < 2; d++) gost__bucket_init(&e->b[i][d], 0, 0, now);
  gost__limit_entry_tune(lim, e);
  if (gost__hmap_insert(&lim->ents, &e->node, h) != GOST_OK) {
    gost__free(lim->ctx, e);
    return NULL;
  }
  return e;
}

void gost__limit_entry_drop(struct gost_limiter *lim, struct gost_limit_entry *e) {
  if (e && !e->refs && !e->conns && lim->kind != GOST_LIMITER_RATE) entry_free(lim, e);
}

static void each_entry(struct gost_limiter *lim, void (*fn)(struct gost_limiter *, struct gost_limit_entry *)) {
  for (size_t i = 0; i < lim->ents.nslots; i++)
    for (struct gost_hnode *n = lim->ents.slots[i], *next; n; n = next) {
      next = n->next;
      fn(lim, gost_container_of(n, struct gost_limit_entry, node));
    }
}

/* ---- refusal log: one line per episode ---- */

#define QUIET_SECONDS 5.0

static void quiet_stop(struct gost_limiter *lim) {
  if (!lim->quiet_on) return;
  ev_ref(lim->ctx->loop); /* balances the unref at start */
  ev_timer_stop(lim->ctx->loop, &lim->quiet);
  lim->quiet_on = 0;
}

static const char *kind_key(gost_limiter_kind_t k) {
  return k == GOST_LIMITER_CONN ? "climiter" : k == GOST_LIMITER_RATE ? "rlimiter" : "limiter";
}

static void on_quiet(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop;
  (void)revents;
  struct gost_limiter *lim = w->data;
  if (!lim->quiet_count) {
    quiet_stop(lim);
    return;
  }
  GOST_WARN(lim->ctx, "%s %s: %llu more connections refused in the last %.0f s", kind_key(lim->kind),
            lim->name ? lim->name : "", (unsigned long long)lim->quiet_count, QUIET_SECONDS);
  lim->quiet_count = 0; /* the timer repeats: the episode lasts while refusals go on */
}

void gost__limit_refused(struct gost_limiter *lim, const char *who, const char *client, const char *cause) {
  lim->hits++;
  if (lim->quiet_on) {
    lim->quiet_count++;
    return;
  }
  GOST_WARN(lim->ctx, "service %s: %s %s refused a connection from %s: %s (more refusals in the next %.0f s are counted, not logged)",
            who ? who : "", kind_key(lim->kind), lim->name ? lim->name : "", client, cause, QUIET_SECONDS);
  lim->quiet_count = 0;
  lim->quiet_on = 1;
  ev_timer_set(&lim->quiet, QUIET_SECONDS, QUIET_SECONDS);
  ev_timer_start(lim->ctx->loop, &lim->quiet);
  ev_unref(lim->ctx->loop); /* an episode's summary must not keep a finished loop running */
}

/* ---- the object ---- */

static void lines_free(gost_ctx_t *ctx, char **lines, size_t n) {
  for (size_t i = 0; i < n; i++) gost__free(ctx, lines[i]);
  gost__free(ctx, lines);
}

static void limiter_destroy(struct gost_limiter *lim) {
  gost_ctx_t *ctx = lim->ctx;
  quiet_stop(lim);
  each_entry(lim, entry_free);
  gost__hmap_cleanup(&lim->ents);
  gost_list_remove(&lim->link);
  gost__ctx_disown(&lim->child);
  lines_free(ctx, lim->lines, lim->nlines);
  gost__free(ctx, lim->rules);
  gost__free(ctx, lim->name);
  gost__free(ctx, lim);
}

void gost__limiter_ref(struct gost_limiter *lim) { lim->refs++; }

void gost__limiter_unref(struct gost_limiter *lim) {
  if (lim && --lim->refs <= 0) limiter_destroy(lim);
}

/* gost_ctx_free: every service and connection is gone by this rank; drop the caller's ref. */
static void limiter_child_destroy(struct gost_ctx_child *c) {
  struct gost_limiter *lim = gost_container_of(c, struct gost_limiter, child);
  gost__ctx_disown(&lim->child);
  gost_list_remove(&lim->link);
  gost__limiter_unref(lim);
}

gost_limiter_t *gost_ctx_limiter(gost_ctx_t *ctx, gost_limiter_kind_t kind, const char *name) {
  struct gost_list *pos;
  if (!ctx || !name) return NULL;
  gost_list_foreach(pos, &ctx->limiters) {
    struct gost_limiter *lim = gost_container_of(pos, struct gost_limiter, link);
    if (lim->kind == kind && lim->name && !strcmp(lim->name, name)) return lim;
  }
  return NULL;
}

int gost_limiter_new(gost_limiter_t **out, gost_ctx_t *ctx, gost_limiter_kind_t kind, const char *name) {
  if (!out) return gost__error(GOST_EINVAL, "out is NULL");
  *out = NULL;
  if (!ctx) return gost__error(GOST_EINVAL, "ctx is NULL");
  if (kind != GOST_LIMITER_TRAFFIC && kind != GOST_LIMITER_CONN && kind != GOST_LIMITER_RATE)
    return gost__error(GOST_EINVAL, "unknown limiter kind %d", (int)kind);
  if (name && (!*name || strlen(name) > 255)) return gost__error(GOST_EINVAL, "invalid limiter name");
  if (name && gost_ctx_limiter(ctx, kind, name))
    return gost__error(GOST_EEXIST, "%s \"%s\" already exists", kind_key(kind), name);
  struct gost_limiter *lim = gost__calloc(ctx, 1, sizeof *lim);
  if (!lim) return gost__error(GOST_ENOMEM, "out of memory");
  lim->ctx = ctx;
  lim->kind = kind;
  lim->refs = 1;
  if (name && !(lim->name = gost__strdup(ctx, name))) {
    gost__free(ctx, lim);
    return gost__error(GOST_ENOMEM, "out of memory");
  }
  gost__hmap_init(&lim->ents, &ctx->mem);
  lim->sweep_at = 1024;
  for (int d = 0; d < 2; d++) gost__bucket_init(&lim->svc_b[d], 0, 0, gost__now(ctx));
  ev_init(&lim->quiet, on_quiet);
  lim->quiet.data = lim;
  gost_list_insert_tail(&ctx->limiters, &lim->link);
  gost__ctx_child_init(&lim->child, limiter_child_destroy, NULL);
  gost__ctx_adopt(ctx, &lim->child, GOST__RANK_LIMITER);
  *out = lim;
  return GOST_OK;
}

/* Host rules most specific first (longest prefix), then in the order given. */
static int by_specificity(const void *a, const void *b) {
  const struct gost_limit_rule *x = a, *y = b;
  if (x->prefix != y->prefix) return y->prefix - x->prefix;
  return x < y ? -1 : x > y;
}

int gost_limiter_set_limits(gost_limiter_t *lim, const char *const *limits, size_t n) {
  if (!lim || (n && !limits)) return gost__error(GOST_EINVAL, "limiter or limits is NULL");
  gost_ctx_t *ctx = lim->ctx;
  struct gost_limit_rule *rules = n ? gost__calloc(ctx, n, sizeof *rules) : NULL;
  char **lines = n ? gost__calloc(ctx, n, sizeof *lines) : NULL;
  double svc[2] = {0, 0}, each[2] = {0, 0};
  size_t nr = 0;
  if (n && (!rules || !lines)) goto nomem;
  for (size_t i = 0; i < n; i++) {
    struct gost_limit_rule r;
    char err[160];
    if (!limits[i]) {
      lines_free(ctx, lines, n);
      gost__free(ctx, rules);
      return gost__error(GOST_EINVAL, "limits[%zu] is NULL", i);
    }
    if (gost__limit_parse(lim->kind, limits[i], &r, err, sizeof err) != GOST_OK) {
      lines_free(ctx, lines, n);
      gost__free(ctx, rules);
      return gost__error(GOST_EINVAL, "limits[%zu] \"%s\": %s", i, limits[i], err);
    }
    char norm[256] = "", *save = NULL, buf[256];
    snprintf(buf, sizeof buf, "%s", limits[i]);
    for (char *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
      snprintf(norm + strlen(norm), sizeof norm - strlen(norm), "%s%s", norm[0] ? " " : "", t);
    if (!(lines[i] = gost__strdup(ctx, norm))) goto nomem;
    if (r.key == GOST_LK_SERVICE) memcpy(svc, r.v, sizeof svc);
    else if (r.key == GOST_LK_EACH) memcpy(each, r.v, sizeof each);
    else {
      size_t j = 0; /* a repeated key: the last line wins, as in stock */
      while (j < nr && !(rules[j].key == r.key && rules[j].prefix == r.prefix && !memcmp(rules[j].addr, r.addr, 16))) j++;
      rules[j] = r;
      if (j == nr) nr++;
    }
  }
  qsort(rules, nr, sizeof *rules, by_specificity);
  lines_free(ctx, lim->lines, lim->nlines);
  gost__free(ctx, lim->rules);
  lim->lines = lines, lim->nlines = n, lim->rules = rules, lim->nrules = nr;
  memcpy(lim->svc, svc, sizeof svc);
  memcpy(lim->each, each, sizeof each);
  lim->gen++;
  double now = gost__now(ctx);
  for (int d = 0; d < 2; d++) tune_bucket(lim, &lim->svc_b[d], svc[d], now);
  each_entry(lim, gost__limit_entry_tune);
  return GOST_OK;
nomem:
  lines_free(ctx, lines, n);
  gost__free(ctx, rules);
  return gost__error(GOST_ENOMEM, "out of memory");
}

size_t gost_limiter_limit_count(const gost_limiter_t *lim) { return lim ? lim->nlines : 0; }
const char *gost_limiter_limit_at(const gost_limiter_t *lim, size_t i) {
  return lim && i < lim->nlines ? lim->lines[i] : NULL;
}
uint64_t gost_limiter_hits(const gost_limiter_t *lim) { return lim ? lim->hits : 0; }
const char *gost_limiter_name(const gost_limiter_t *lim) { return lim ? lim->name : NULL; }
gost_limiter_kind_t gost_limiter_kind(const gost_limiter_t *lim) { return lim ? lim->kind : GOST_LIMITER_TRAFFIC; }

void gost_limiter_free(gost_limiter_t *lim) {
  if (!lim) return;
  gost__ctx_disown(&lim->child);
  gost_list_remove(&lim->link);
  gost__limiter_unref(lim);
}
