/* GOST command-line URLs (wire-spec §9.1) -> the same config tree a file holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec/base64.h"
#include "config/config_int.h"
#include "core/ctx_int.h"
#include "config/schema.h"
#include "core/error.h"
#include "gost/config.h"

struct url {
  char *buf;                    /* owns every piece below */
  char *scheme, *user, *pass;   /* user/pass NULL without userinfo */
  char *host, *path, *query;    /* path and query NULL when absent */
};

static int url_fail(const char *flag, const char *raw, const char *fmt, const char *arg) {
  char msg[300];
  snprintf(msg, sizeof msg, fmt, arg);
  return gost__error(GOST_ECONFIG, "%s \"%s\": %s", flag, raw, msg);
}

/* Splits scheme://[user:pass@]host[/path][?query]; without "://" def is the scheme. */
static int url_split(const char *raw, const char *def, struct url *u) {
  memset(u, 0, sizeof *u);
  const char *sep = strstr(raw, "://");
  size_t n = strlen(raw) + strlen(def) + 4;
  if (!(u->buf = malloc(n))) return GOST_ENOMEM;
  if (sep) snprintf(u->buf, n, "%s", raw);
  else snprintf(u->buf, n, "%s://%s", def, raw);
  char *s = strstr(u->buf, "://");
  *s = '\0';
  u->scheme = u->buf;
  for (char *p = u->scheme; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
  s += 3;
  char *frag = strchr(s, '#');
  if (frag) *frag = '\0';
  if ((u->query = strchr(s, '?'))) *u->query++ = '\0';
  if ((u->path = strchr(s, '/'))) *u->path++ = '\0';
  char *at = strrchr(s, '@');
  if (at) {
    *at = '\0';
    u->user = s;
    if ((u->pass = strchr(s, ':'))) *u->pass++ = '\0';
    else u->pass = s + strlen(s);
    s = at + 1;
    if (gost__pct_decode(u->user, 0) || gost__pct_decode(u->pass, 0)) return GOST_EINVAL;
  }
  u->host = s;
  return gost__pct_decode(u->host, 0);
}

static json_t *meta_of(json_t *obj) {
  json_t *m = json_object_get(obj, "metadata");
  if (!m) json_object_set_new(obj, "metadata", m = json_object());
  return m;
}

static void set_auth(json_t *obj, const char *user, const char *pass) {
  json_object_set_new(obj, "auth", json_pack("{s:s,s:s}", "username", user, "password", pass));
}

/* Query keys into metadata. A known prefix picks one target (and is stripped); otherwise the
 * key goes to every default target whose metadata the schema allows it in, as stock GOST hands
 * the whole query to each object and each reads its own keys. Unknown, unsupported or
 * unparsable keys are refused here, naming the key. `auth` is base64 credentials. */
/* Stock's limiter shorthands on -L (cmd/config.go): values kept aside, made into limiters below. */
static const char *const limiter_keys[] = {"limiter.in", "limiter.out", "limiter.conn.in",
                                           "limiter.conn.out", "climiter", "rlimiter", NULL};

static int apply_query(char *query, json_t *const *targets, const char *const *prefixes,
                       const unsigned *scopes, size_t nt, char *auth, size_t auth_cap,
                       json_t *acl, json_t *lims) {
  unsigned all = 0;
  for (size_t i = 0; i < nt; i++) all |= scopes[i];
  for (char *save = NULL, *kv = query ? strtok_r(query, "&", &save) : NULL; kv;
       kv = strtok_r(NULL, "&", &save)) {
    char *v = strchr(kv, '=');
    if (v) *v++ = '\0';
    else v = kv + strlen(kv);
    if (gost__pct_decode(kv, 1) || gost__pct_decode(v, 1))
      return gost__error(GOST_ECONFIG, "bad percent-encoding");
    if (!*kv) continue;
    if (!strcasecmp(kv, "auth")) {
      size_t alen = 0;
      if (gost__base64_decode(v, strlen(v), (uint8_t *)auth, auth_cap - 1, &alen) != GOST_OK ||
          (auth[alen] = '\0', !strchr(auth, ':')))
        return gost__error(GOST_ECONFIG, "auth: invalid (base64 of user:pass)");
      continue;
    }
    if (acl && (!strcasecmp(kv, "auth.bind") || !strcasecmp(kv, "auth.visit"))) {
      /* tunnel ownership of the URL's user (docs/security.md): a comma list of IDs */
      json_t *ids = json_array();
      for (char *s2 = NULL, *id = strtok_r(v, ",", &s2); id; id = strtok_r(NULL, ",", &s2))
        json_array_append_new(ids, json_string(id));
      json_object_set_new(acl, kv + 5, ids);
      continue;
    }
    size_t li = 0;
    while (lims && limiter_keys[li] && strcasecmp(kv, limiter_keys[li])) li++;
    if (lims && limiter_keys[li]) {
      json_object_set_new(lims, limiter_keys[li], json_string(v));
      continue;
    }
    const char *key = kv;
    unsigned mask = all;
    for (size_t i = 0; i < nt; i++) {
      size_t pl = strlen(prefixes[i]);
      if (!strncasecmp(kv, prefixes[i], pl) && kv[pl]) {
        key = kv + pl;
        mask = scopes[i];
        break;
      }
    }
    const struct gost_cfg_key *row = gost__schema_meta_key(key, mask);
    if (!row) return gost__schema_meta_unknown(kv, key, mask);
    if (row->status == GOST_CK_UNSUP) return gost__error(GOST_ECONFIG, "%s: not supported by libgost", kv);
    json_t *jv = json_string(v);
    int rc = gost__schema_meta_value(row, jv, kv);
    json_decref(jv);
    if (rc) return rc;
    for (size_t i = 0; i < nt; i++)
      if (scopes[i] & mask & row->where) json_object_set_new(meta_of(targets[i]), key, json_string(v));
  }
  return GOST_OK;
}

/* Appends {name: "<prefix>-<n>", limits: [line]} to root's section; names svc's `key` after it. */
static void add_limiter(json_t *root, json_t *svc, const char *section, const char *prefix,
                        const char *key, json_t *lines) {
  json_t *arr = json_object_get(root, section);
  if (!arr) json_object_set_new(root, section, arr = json_array());
  char name[48];
  snprintf(name, sizeof name, "%s-%zu", prefix, json_array_size(arr));
  json_array_append_new(arr, json_pack("{s:s,s:o}", "name", name, "limits", lines));
  json_object_set_new(svc, key, json_string(name));
}

/* limiter.in/out -> "$ IN OUT", limiter.conn.in/out -> "$$ IN OUT" (a missing side is "0": no
 * limit, where stock's line would shift OUT into IN), climiter=N -> "$ N", rlimiter=R -> "$ R". */
static void url_limiters(json_t *root, json_t *svc, json_t *lims) {
  const char *v[6];
  char line[200];
  for (int i = 0; i < 6; i++) v[i] = json_string_value(json_object_get(lims, limiter_keys[i]));
  if (v[0] || v[1] || v[2] || v[3]) {
    json_t *lines = json_array();
    for (int i = 0; i < 4; i += 2)
      if (v[i] || v[i + 1]) {
        snprintf(line, sizeof line, "%s %s %s", i ? "$$" : "$", v[i] && *v[i] ? v[i] : "0",
                 v[i + 1] && *v[i + 1] ? v[i + 1] : "0");
        json_array_append_new(lines, json_string(line));
      }
    add_limiter(root, svc, "limiters", "limiter", "limiter", lines);
  }
  for (int i = 4; i < 6; i++)
    if (v[i] && *v[i]) {
      snprintf(line, sizeof line, "$ %s", v[i]);
      add_limiter(root, svc, i == 4 ? "climiters" : "rlimiters", i == 4 ? "climiter" : "rlimiter",
                  i == 4 ? "climiter" : "rlimiter", json_pack("[s]", line));
    }
}

/* "-L \"raw\": <the error already recorded>". */
static int url_wrap(const char *flag, const char *raw) {
  char msg[400];
  snprintf(msg, sizeof msg, "%s", gost_last_error());
  return gost__error(GOST_ECONFIG, "%s \"%s\": %s", flag, raw, msg);
}

/* Scheme words: "a+b", or one word meaning both when it names a type of each kind. */
static int pick_types(const char *flag, const char *raw, const char *scheme, enum gost_kind k1,
                      enum gost_kind k2, const char *def1, const char **t1, const char **t2,
                      char *buf, size_t cap) {
  snprintf(buf, cap, "%s", scheme);
  char *plus = strchr(buf, '+');
  if (plus) {
    *plus = '\0';
    *t1 = buf;
    *t2 = plus + 1;
  } else if (gost__name_known(k1, buf)) {
    *t1 = buf;
    *t2 = gost__name_known(k2, buf) ? buf : "tcp"; /* tunnel://, relay://, http:// ride on tcp */
  } else if (gost__name_known(k2, buf)) {
    *t1 = def1; /* tls://, wss://: transport only */
    *t2 = buf;
  } else {
    *t1 = buf;
    *t2 = "tcp";
  }
  if (!gost__name_known(k1, *t1))
    return url_fail(flag, raw, k1 == GOST_KIND_HANDLER ? "unknown handler \"%s\"" : "unknown connector \"%s\"", *t1);
  if (!gost__name_known(k2, *t2))
    return url_fail(flag, raw, k2 == GOST_KIND_LISTENER ? "unknown listener \"%s\"" : "unknown dialer \"%s\"", *t2);
  return GOST_OK;
}

/* Path targets: comma list, each "host:lo-hi" expanding to one node per port. */
static int add_targets(const char *raw, char *path, json_t *nodes) {
  for (char *save = NULL, *t = strtok_r(path, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    char host[512], addr[540];
    unsigned lo, hi;
    if (gost__pct_decode(t, 0)) return url_fail("-L", raw, "bad percent-encoding in %s", "target");
    if (!*t) continue;
    if (gost__port_range(t, host, sizeof host, &lo, &hi)) return url_fail("-L", raw, "bad port range \"%s\"", t);
    for (unsigned p = lo; p <= hi; p++) {
      if (hi) snprintf(addr, sizeof addr, "%s:%u", host, p);
      char name[32];
      snprintf(name, sizeof name, "target-%zu", json_array_size(nodes));
      json_array_append_new(nodes, json_pack("{s:s,s:s}", "name", name, "addr", hi ? addr : t));
      if (!hi) break;
    }
  }
  return GOST_OK;
}

static int service_tree(const char *raw, size_t i, int has_chain, json_t *root) {
  json_t *services = json_object_get(root, "services");
  struct url u;
  char tb[64], auth[512] = "", name[32];
  const char *ht, *lt;
  int rc = url_split(raw, "auto", &u);
  if (rc == GOST_ENOMEM) return gost__error(rc, "out of memory");
  if (rc) rc = url_fail("-L", raw, "bad percent-encoding%s", "");
  else rc = pick_types("-L", raw, u.scheme, GOST_KIND_HANDLER, GOST_KIND_LISTENER, "auto", &ht, &lt, tb, sizeof tb);
  if (rc) goto out;
  if (!*u.host) {
    rc = url_fail("-L", raw, "missing address%s", "");
    goto out;
  }
  snprintf(name, sizeof name, "service-%zu", i);
  json_t *svc = json_pack("{s:s,s:s,s:{s:s},s:{s:s}}", "name", name, "addr", u.host, "handler",
                          "type", ht, "listener", "type", lt);
  json_array_append_new(services, svc);
  json_t *h = json_object_get(svc, "handler"), *l = json_object_get(svc, "listener");
  json_t *targets[3] = {h, l, svc};
  static const char *const prefixes[3] = {"handler.", "listener.", "service."};
  static const unsigned scopes[3] = {GOST_MS_HANDLER, GOST_MS_LISTENER, GOST_MS_SERVICE};
  json_t *acl = json_object(), *lims = json_object();
  if ((rc = apply_query(u.query, targets, prefixes, scopes, 3, auth, sizeof auth, acl, lims))) {
    json_decref(acl);
    json_decref(lims);
    rc = url_wrap("-L", raw);
    goto out;
  }
  url_limiters(root, svc, lims);
  json_decref(lims);
  if (u.user) set_auth(h, u.user, u.pass);
  else if (*auth) {
    char *colon = strchr(auth, ':');
    *colon = '\0';
    set_auth(h, auth, colon + 1);
  }
  if (json_object_size(acl) && !json_object_get(h, "auth")) {
    json_decref(acl);
    rc = url_fail("-L", raw, "auth.bind/auth.visit need a user (user:pass@ or auth=)%s", "");
    goto out;
  }
  json_object_update(json_object_get(h, "auth"), acl);
  json_decref(acl);
  if (has_chain) { /* rtcp/rudp listeners dial the server; other services' handlers dial out */
    int remote = !strcmp(lt, "rtcp") || !strcmp(lt, "rudp");
    json_object_set_new(remote ? l : h, "chain", json_string("chain-0"));
  }
  if (u.path && *u.path) {
    json_t *nodes = json_array();
    json_object_set_new(svc, "forwarder", json_pack("{s:o}", "nodes", nodes));
    rc = add_targets(raw, u.path, nodes);
  }
out:
  free(u.buf);
  return rc;
}

static int hop_tree(const char *raw, size_t j, json_t *hops) {
  struct url u;
  char tb[64], auth[512] = "", hname[32];
  const char *ct, *dt;
  int rc = url_split(raw, "http", &u);
  if (rc == GOST_ENOMEM) return gost__error(rc, "out of memory");
  if (rc) rc = url_fail("-F", raw, "bad percent-encoding%s", "");
  else rc = pick_types("-F", raw, u.scheme, GOST_KIND_CONNECTOR, GOST_KIND_DIALER, "http", &ct, &dt, tb, sizeof tb);
  if (rc) goto out;
  snprintf(hname, sizeof hname, "hop-%zu", j);
  json_t *hop = json_pack("{s:s,s:[]}", "name", hname, "nodes"), *nodes = json_object_get(hop, "nodes");
  json_array_append_new(hops, hop);
  /* Every node of the hop shares scheme, credentials and options: build one, then copy. */
  json_t *proto = json_pack("{s:{s:s},s:{s:s}}", "connector", "type", ct, "dialer", "type", dt);
  json_t *targets[3] = {json_object_get(proto, "connector"), json_object_get(proto, "dialer"), proto};
  static const char *const prefixes[3] = {"connector.", "dialer.", "node."};
  static const unsigned scopes[3] = {GOST_MS_CONNECTOR, GOST_MS_DIALER, GOST_MS_NODE};
  rc = apply_query(u.query, targets, prefixes, scopes, 3, auth, sizeof auth, NULL, NULL);
  if (rc) {
    json_decref(proto);
    rc = url_wrap("-F", raw);
    goto out;
  }
  if (u.user) set_auth(targets[0], u.user, u.pass);
  else if (*auth) {
    char *colon = strchr(auth, ':');
    *colon = '\0';
    set_auth(targets[0], auth, colon + 1);
  }
  for (char *save = NULL, *a = strtok_r(u.host, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
    char nname[32];
    snprintf(nname, sizeof nname, "node-%zu", json_array_size(nodes));
    json_t *n = json_deep_copy(proto);
    json_object_set_new(n, "name", json_string(nname));
    json_object_set_new(n, "addr", json_string(a));
    json_array_append_new(nodes, n);
  }
  json_decref(proto);
  if (!json_array_size(nodes)) rc = url_fail("-F", raw, "missing address%s", "");
out:
  free(u.buf);
  return rc;
}

int gost__urls_to_tree(const char *const *services, size_t nl, const char *const *nodes, size_t nf,
                       json_t **out) {
  json_t *root = json_object(), *svcs = json_array();
  json_object_set_new(root, "services", svcs);
  int rc = GOST_OK;
  for (size_t i = 0; i < nl && !rc; i++)
    rc = services[i] ? service_tree(services[i], i, nf > 0, root) : gost__error(GOST_EINVAL, "-L %zu is NULL", i);
  if (nf && !rc) {
    json_t *hops = json_array();
    json_object_set_new(root, "chains", json_pack("[{s:s,s:o}]", "name", "chain-0", "hops", hops));
    for (size_t j = 0; j < nf && !rc; j++)
      rc = nodes[j] ? hop_tree(nodes[j], j, hops) : gost__error(GOST_EINVAL, "-F %zu is NULL", j);
  }
  if (rc) {
    json_decref(root);
    root = NULL;
  }
  *out = root;
  return rc;
}

int gost_ctx_load_urls(gost_ctx_t *ctx, const char *const *services, size_t nl,
                       const char *const *nodes, size_t nf) {
  if (!ctx || (nl && !services) || (nf && !nodes)) return gost__error(GOST_EINVAL, "bad arguments");
  json_t *root;
  int rc = gost__urls_to_tree(services, nl, nodes, nf, &root);
  if (rc) return rc;
  rc = gost__config_load(ctx, root);
  if (rc == GOST_OK) gost__config_merge_into(&ctx->cmdline_tree, root); /* a reload keeps them */
  json_decref(root);
  return rc;
}

int gost_urls_to_json(const char *const *services, size_t nl, const char *const *nodes, size_t nf,
                      char *buf, size_t *len) {
  if (!len || (nl && !services) || (nf && !nodes) || (*len && !buf))
    return gost__error(GOST_EINVAL, "bad arguments");
  json_t *root;
  int rc = gost__urls_to_tree(services, nl, nodes, nf, &root);
  if (rc) return rc;
  char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(root);
  if (!s) return gost__error(GOST_ENOMEM, "out of memory");
  size_t need = strlen(s);
  if (*len) snprintf(buf, *len, "%s", s);
  *len = need; /* snprintf semantics: the full length, excluding the NUL */
  free(s);
  return GOST_OK;
}
