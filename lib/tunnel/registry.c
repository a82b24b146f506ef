/* Tunnel pool: connectors grouped by tunnel ID, weighted random selection, removal of dead
 * sessions at once (stock removes them on a 15 s tick; nothing on the wire depends on it). */
#include <openssl/rand.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/uuid.h"
#include "core/ctx_int.h"
#include "core/error.h"
#include "core/addr.h"
#include "core/event.h"
#include "core/hmap.h"
#include "core/log.h"
#include "tunnel/registry.h"

#define OPEN_ATTEMPTS 3

struct tunnel {
  struct gost_hnode node; /* reg->index, by ID */
  struct gost_list link;  /* reg->tunnels, for walks */
  struct gost_list idle_link; /* reg->idle while nconns == 0, oldest first */
  uint8_t id[16];
  struct gost_list conns;
  size_t nconns;
  struct gost_tunnel_totals done; /* its connectors that ended: survive leave and rejoin */
  int idle;                       /* on reg->idle: no connector since idle_since */
  double idle_since;
};

struct gost_tunnel_connector {
  struct gost_list link;
  struct gost_tunnel_registry *reg;
  struct tunnel *t;
  uint8_t id[16];
  int udp;
  uint8_t weight;
  struct gost_mux_session *sess;
  void *obs_tag;
  char client[64]; /* "ip:port" of the tunnel client */
  double since;    /* loop time of the BIND */
};

struct gost_tunnel_registry {
  gost_ctx_t *ctx;
  const char *owner; /* service name, for events */
  struct gost_tunnel_totals done; /* counters of sessions that ended */
  struct gost_list tunnels;
  struct gost_list idle; /* tunnels without connectors, kept for their totals (oldest first) */
  size_t nidle;
  double stats_ttl;      /* seconds an idle tunnel's totals are kept */
  struct gost_hmap index; /* tunnel ID -> struct tunnel: one probe per stream opened */
  uint64_t rng; /* xorshift64* state, seeded once: no RAND_bytes (and its getpid) per stream */
  const struct gost_tunnel_observer *obs;
  void *obs_user;
};

void gost__tunnel_registry_observe(struct gost_tunnel_registry *reg, const struct gost_tunnel_observer *obs,
                                   void *user) {
  reg->obs = obs;
  reg->obs_user = user;
}

struct gost_tunnel_registry *gost__tunnel_registry_new(gost_ctx_t *ctx) {
  struct gost_tunnel_registry *reg = gost__calloc(ctx, 1, sizeof *reg);
  if (!reg) return NULL;
  reg->ctx = ctx;
  gost_list_init(&reg->tunnels);
  gost_list_init(&reg->idle);
  reg->stats_ttl = GOST_TUNNEL_STATS_TTL_DEFAULT;
  gost__hmap_init(&reg->index, &ctx->mem);
  if (RAND_bytes((unsigned char *)&reg->rng, sizeof reg->rng) != 1) reg->rng = (uint64_t)(uintptr_t)reg ^ (uint64_t)rand();
  reg->rng |= 1; /* never zero */
  return reg;
}

static struct tunnel *find(const struct gost_tunnel_registry *reg, const uint8_t id[16]) {
  uint64_t h = gost__hmap_hash(&reg->index, id, 16);
  for (struct gost_hnode *n = gost__hmap_chain(&reg->index, h); n; n = n->next) {
    struct tunnel *t = (struct tunnel *)n;
    if (n->hash == h && !memcmp(t->id, id, 16)) return t;
  }
  return NULL;
}

static void tunnel_unlink(struct gost_tunnel_registry *reg, struct tunnel *t) {
  if (t->idle) {
    gost_list_remove(&t->idle_link);
    reg->nidle--;
  }
  gost__hmap_remove(&reg->index, &t->node);
  gost_list_remove(&t->link);
  gost__free(reg->ctx, t);
}

/* Forgets the totals of tunnels idle longer than the TTL, and the oldest idle ones beyond
 * GOST_TUNNEL_IDLE_MAX: what an idle tunnel costs stays bounded. */
static void sweep_idle(struct gost_tunnel_registry *reg) {
  double now = gost__now(reg->ctx);
  while (!gost_list_empty(&reg->idle)) {
    struct tunnel *t = gost_container_of(reg->idle.next, struct tunnel, idle_link);
    if (reg->nidle <= GOST_TUNNEL_IDLE_MAX && now - t->idle_since < reg->stats_ttl) break;
    tunnel_unlink(reg, t);
  }
}

/* Takes c out of its tunnel and frees it; the tunnel stays (maybe empty). */
static void conn_drop(struct gost_tunnel_connector *c) {
  struct gost_tunnel_registry *reg = c->reg;
  if (c->obs_tag && reg->obs) reg->obs->unbound(reg->obs_user, c->obs_tag);
  gost_list_remove(&c->link);
  c->t->nconns--;
  gost__free(reg->ctx, c);
}

/* An empty tunnel keeps its totals for stats_ttl (stock drops empty tunnels every 15 min).
 * May free other idle tunnels, never t itself unless the TTL is 0. */
static void mark_idle(struct gost_tunnel_registry *reg, struct tunnel *t) {
  t->idle = 1;
  t->idle_since = gost__now(reg->ctx);
  gost_list_insert_tail(&reg->idle, &t->idle_link);
  reg->nidle++;
  sweep_idle(reg);
}

static void conn_remove(struct gost_tunnel_connector *c) {
  struct tunnel *t = c->t;
  struct gost_tunnel_registry *reg = c->reg;
  conn_drop(c);
  if (!t->nconns) mark_idle(reg, t);
}

void gost__tunnel_registry_free(struct gost_tunnel_registry *reg) {
  if (!reg) return;
  while (!gost_list_empty(&reg->tunnels)) {
    struct tunnel *t = gost_container_of(reg->tunnels.next, struct tunnel, link);
    while (t->nconns) {
      struct gost_tunnel_connector *c = gost_container_of(t->conns.next, struct gost_tunnel_connector, link);
      gost__mux_session_close(c->sess);
      conn_drop(c);
    }
    tunnel_unlink(reg, t);
  }
  gost__hmap_cleanup(&reg->index);
  gost__free(reg->ctx, reg);
}

static void emit(struct gost_tunnel_connector *c, int type, const char *detail) {
  gost_ctx_t *ctx = c->reg->ctx;
  if (!gost__event_wanted(ctx)) return;
  char tid[GOST__UUID_STR_LEN + 1], cid[GOST__UUID_STR_LEN + 1];
  gost__uuid_format(c->t->id, tid);
  gost__uuid_format(c->id, cid);
  struct gost_mux_counters k = {0};
  if (c->sess) gost__mux_session_counters(c->sess, &k);
  gost_event_t ev = {.type = type, .service = c->reg->owner, .tunnel_id = tid, .connector_id = cid,
                     .client = c->client, .network = c->udp ? "udp" : "tcp", .weight = c->weight,
                     .bytes_in = k.bytes_in, .bytes_out = k.bytes_out, .detail = detail};
  gost__event_emit(ctx, &ev);
}

/* Keeps the session's counters in the totals, tells listeners, leaves the pool. */
static void add_ended(struct gost_tunnel_totals *to, const struct gost_mux_counters *k) {
  to->streams += k->streams_opened;
  to->bytes_in += k->bytes_in;
  to->bytes_out += k->bytes_out;
  to->connections++;
}

static void connector_ended(struct gost_tunnel_connector *c, const char *reason) {
  struct gost_mux_counters k;
  gost__mux_session_counters(c->sess, &k);
  add_ended(&c->reg->done, &k);
  add_ended(&c->t->done, &k);
  emit(c, GOST_EVENT_CONNECTOR_DOWN, reason);
  conn_remove(c);
}

static void on_session_closed(struct gost_mux_session *m, int status, void *user) {
  struct gost_tunnel_connector *c = user;
  char tid[GOST__UUID_STR_LEN + 1], cid[GOST__UUID_STR_LEN + 1];
  gost__uuid_format(c->t->id, tid);
  gost__uuid_format(c->id, cid);
  GOST_INFO(c->reg->ctx, "tunnel connector closed: tunnel=%s, connector=%s (%s)", tid, cid,
            gost_strerror(status));
  connector_ended(c, gost_strerror(status));
}

int gost__tunnel_registry_bind(struct gost_tunnel_registry *reg, const uint8_t tunnel_id[16],
                               const uint8_t connector_id[16], int udp, uint8_t weight,
                               gost_stream *carrier, const struct gost_smux_config *cfg,
                               const void *initial, size_t len,
                               struct gost_tunnel_connector **out) {
  gost_ctx_t *ctx = reg->ctx;
  if (out) *out = NULL;
  sweep_idle(reg);
  struct tunnel *t = find(reg, tunnel_id);
  int fresh = 0;
  if (t && t->idle) { /* a rejoin: the tunnel is live again, its totals carry on */
    gost_list_remove(&t->idle_link);
    reg->nidle--;
    t->idle = 0;
  }
  if (!t) {
    t = gost__calloc(ctx, 1, sizeof *t);
    if (!t) {
      gost_stream_close(carrier);
      return gost__error(GOST_ENOMEM, "tunnel");
    }
    memcpy(t->id, tunnel_id, 16);
    gost_list_init(&t->conns);
    if (gost__hmap_insert(&reg->index, &t->node, gost__hmap_hash(&reg->index, tunnel_id, 16)) != GOST_OK) {
      gost__free(ctx, t);
      gost_stream_close(carrier);
      return gost__error(GOST_ENOMEM, "tunnel");
    }
    gost_list_insert_tail(&reg->tunnels, &t->link);
    fresh = 1;
  }
  struct gost_tunnel_connector *c = gost__calloc(ctx, 1, sizeof *c);
  if (!c) {
    if (fresh) tunnel_unlink(reg, t);
    else if (!t->nconns) mark_idle(reg, t);
    gost_stream_close(carrier);
    return gost__error(GOST_ENOMEM, "connector");
  }
  c->reg = reg;
  c->t = t;
  memcpy(c->id, connector_id, 16);
  c->udp = udp != 0;
  c->weight = weight;
  gost_sockaddr carrier_peer = carrier->peer; /* the session owns carrier from here */
  gost_list_insert_tail(&t->conns, &c->link);
  t->nconns++;
  static const struct gost_mux_callbacks cbs = {NULL, on_session_closed};
  int rc = gost__mux_session_new(&c->sess, ctx, carrier, cfg, initial, len, &cbs, c);
  if (rc != GOST_OK) {
    conn_drop(c);
    if (fresh) tunnel_unlink(reg, t); /* it never carried anything */
    else if (!t->nconns) mark_idle(reg, t);
    return rc;
  }
  if (reg->obs) c->obs_tag = reg->obs->bound(reg->obs_user, tunnel_id, connector_id, c->udp, weight);
  c->since = gost__now(ctx);
  c->client[0] = '\0';
  gost__sa_fmt(&carrier_peer, c->client, sizeof c->client); /* "" when unknown */
  emit(c, GOST_EVENT_CONNECTOR_UP, NULL);
  if (out) *out = c;
  return GOST_OK;
}

/* Load balancing only, not security: xorshift64*. */
static uint32_t rand32(struct gost_tunnel_registry *reg) {
  uint64_t x = reg->rng;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  reg->rng = x;
  return (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 32);
}

uint32_t gost__tunnel_registry_rand(struct gost_tunnel_registry *reg) { return rand32(reg); }

static int usable(const struct gost_tunnel_connector *c, struct gost_tunnel_connector *const *skip,
                  int nskip) {
  if (gost__mux_session_is_closed(c->sess)) return 0;
  for (int i = 0; i < nskip; i++)
    if (skip[i] == c) return 0;
  return 1;
}

/* Weighted random over the connectors of the wanted type. If the tunnel has none of that type
 * but has some of the other, those are used: stock GOST only separates TCP from UDP when a
 * tunnel has several connectors (single-connector quirk, §4.4), so a lone rtcp client also
 * serves UDP visitors there; we keep that compatibility for mixed-less tunnels. Weight 0 counts
 * as 1; if any candidate has weight 255, only weight-255 candidates take part. */
static struct gost_tunnel_connector *pick(struct gost_tunnel_registry *reg, struct tunnel *t, int udp,
                                          struct gost_tunnel_connector *const *skip, int nskip) {
  struct gost_list *pos;
  int have_type = 0, have_any = 0, exclusive = 0;
  gost_list_foreach(pos, &t->conns) {
    struct gost_tunnel_connector *c = gost_container_of(pos, struct gost_tunnel_connector, link);
    if (!usable(c, skip, nskip)) continue;
    have_any = 1;
    if (c->udp == udp) have_type = 1;
  }
  if (!have_any) return NULL;
  int want = have_type ? udp : !udp;
  uint64_t sum = 0;
  size_t eligible = 0;
  struct gost_tunnel_connector *only = NULL;
  gost_list_foreach(pos, &t->conns) {
    struct gost_tunnel_connector *c = gost_container_of(pos, struct gost_tunnel_connector, link);
    if (usable(c, skip, nskip) && c->udp == want && c->weight == 255) exclusive = 1;
  }
  gost_list_foreach(pos, &t->conns) {
    struct gost_tunnel_connector *c = gost_container_of(pos, struct gost_tunnel_connector, link);
    if (!usable(c, skip, nskip) || c->udp != want || (exclusive && c->weight != 255)) continue;
    sum += c->weight ? c->weight : 1;
    eligible++;
    only = c;
  }
  if (eligible == 1) return only; /* no draw needed */
  uint64_t r = rand32(reg) % sum; /* sum <= 255 * connectors: the modulo bias is negligible */
  gost_list_foreach(pos, &t->conns) {
    struct gost_tunnel_connector *c = gost_container_of(pos, struct gost_tunnel_connector, link);
    if (!usable(c, skip, nskip) || c->udp != want || (exclusive && c->weight != 255)) continue;
    uint64_t w = c->weight ? c->weight : 1;
    if (r < w) return c;
    r -= w;
  }
  return NULL;
}

int gost__tunnel_registry_open(struct gost_tunnel_registry *reg, const uint8_t tunnel_id[16],
                               int udp, gost_stream **out) {
  struct gost_tunnel_connector *tried[OPEN_ATTEMPTS];
  int rc = gost__error(GOST_ENOTFOUND, "tunnel: no connector");
  *out = NULL;
  for (int i = 0; i < OPEN_ATTEMPTS; i++) {
    struct tunnel *t = find(reg, tunnel_id);
    struct gost_tunnel_connector *c = t ? pick(reg, t, udp != 0, tried, i) : NULL;
    if (!c) return i ? rc : gost__error(GOST_ENOTFOUND, "tunnel: no connector");
    rc = gost__mux_open_stream(c->sess, out);
    if (rc == GOST_OK) return GOST_OK;
    tried[i] = c; /* retried only when opening failed (§4.4) */
  }
  return rc;
}

int gost__tunnel_registry_max_weight(struct gost_tunnel_registry *reg, const uint8_t tunnel_id[16], int udp) {
  struct tunnel *t = find(reg, tunnel_id);
  struct gost_list *pos;
  int best[2] = {-1, -1}; /* by kind: [0] the wanted one, [1] the other (used when alone, as pick does) */
  if (!t) return -1;
  gost_list_foreach(pos, &t->conns) {
    struct gost_tunnel_connector *c = gost_container_of(pos, struct gost_tunnel_connector, link);
    if (!usable(c, NULL, 0)) continue;
    int w = c->weight ? c->weight : 1, k = c->udp != (udp != 0);
    if (w > best[k]) best[k] = w;
  }
  return best[0] >= 0 ? best[0] : best[1];
}

size_t gost__tunnel_registry_count(const struct gost_tunnel_registry *reg, const uint8_t tunnel_id[16]) {
  const struct tunnel *t = find(reg, tunnel_id);
  return t ? t->nconns : 0;
}

void gost__tunnel_registry_set_owner(struct gost_tunnel_registry *reg, const char *service) {
  reg->owner = service;
}

int gost__tunnel_registry_foreach(const struct gost_tunnel_registry *reg, gost_service_t *svc,
                                  gost_connector_info_cb cb, void *user) {
  int n = 0;
  const struct gost_list *p1, *p2;
  double now = gost__now(reg->ctx);
  gost_list_foreach(p1, &reg->tunnels) {
    const struct tunnel *t = gost_container_of(p1, struct tunnel, link);
    char tid[GOST__UUID_STR_LEN + 1];
    gost__uuid_format(t->id, tid);
    gost_list_foreach(p2, &t->conns) {
      const struct gost_tunnel_connector *c = gost_container_of(p2, struct gost_tunnel_connector, link);
      if (gost__mux_session_is_closed(c->sess)) continue;
      char cid[GOST__UUID_STR_LEN + 1];
      gost__uuid_format(c->id, cid);
      struct gost_mux_counters k;
      gost__mux_session_counters(c->sess, &k);
      const gost_connector_info_t info = {sizeof info,      tid,         cid,         c->udp,
                                          c->weight,        k.streams_opened, k.bytes_in, k.bytes_out,
                                          c->client,        now - c->since};
      if (cb) cb(svc, &info, user);
      n++;
    }
  }
  return n;
}

void gost__tunnel_registry_streams_live(const struct gost_tunnel_registry *reg, uint64_t *total, uint64_t *busiest) {
  const struct gost_list *p1, *p2;
  *total = *busiest = 0;
  gost_list_foreach(p1, &reg->tunnels) {
    const struct tunnel *t = gost_container_of(p1, struct tunnel, link);
    gost_list_foreach(p2, &t->conns) {
      const struct gost_tunnel_connector *c = gost_container_of(p2, struct gost_tunnel_connector, link);
      struct gost_mux_counters k;
      gost__mux_session_counters(c->sess, &k);
      *total += k.streams_live;
      if (k.streams_live > *busiest) *busiest = k.streams_live;
    }
  }
}

void gost__tunnel_registry_set_stats_ttl(struct gost_tunnel_registry *reg, double seconds) {
  reg->stats_ttl = seconds;
}

int gost__tunnel_registry_foreach_tunnel(struct gost_tunnel_registry *reg, gost_service_t *svc,
                                         gost_tunnel_stats_cb cb, void *user) {
  int n = 0;
  struct gost_list *p1, *p2;
  sweep_idle(reg); /* expired totals are not reported */
  double now = gost__now(reg->ctx);
  gost_list_foreach(p1, &reg->tunnels) {
    const struct tunnel *t = gost_container_of(p1, struct tunnel, link);
    char tid[GOST__UUID_STR_LEN + 1];
    gost__uuid_format(t->id, tid);
    gost_tunnel_stats_t st = {sizeof st, tid, 0, t->done.connections, t->done.streams, t->done.bytes_in,
                              t->done.bytes_out, t->idle ? now - t->idle_since : 0};
    gost_list_foreach(p2, &t->conns) {
      const struct gost_tunnel_connector *c = gost_container_of(p2, struct gost_tunnel_connector, link);
      struct gost_mux_counters k;
      gost__mux_session_counters(c->sess, &k);
      st.connectors += !gost__mux_session_is_closed(c->sess);
      st.connections++;
      st.streams += k.streams_opened;
      st.bytes_in += k.bytes_in;
      st.bytes_out += k.bytes_out;
    }
    if (cb) cb(svc, &st, user);
    n++;
  }
  return n;
}

static void add_live(gost_service_t *svc, const gost_connector_info_t *c, void *user) {
  struct gost_tunnel_totals *t = user;
  t->streams += c->streams;
  t->bytes_in += c->bytes_in;
  t->bytes_out += c->bytes_out;
}

void gost__tunnel_registry_totals(const struct gost_tunnel_registry *reg, struct gost_tunnel_totals *out) {
  *out = reg->done;
  gost__tunnel_registry_foreach(reg, NULL, add_live, out);
}

int gost__tunnel_registry_kick(struct gost_tunnel_registry *reg, const uint8_t connector_id[16]) {
  struct gost_list *p1, *p2;
  gost_list_foreach(p1, &reg->tunnels) {
    struct tunnel *t = gost_container_of(p1, struct tunnel, link);
    gost_list_foreach(p2, &t->conns) {
      struct gost_tunnel_connector *c = gost_container_of(p2, struct gost_tunnel_connector, link);
      if (memcmp(c->id, connector_id, 16) || gost__mux_session_is_closed(c->sess)) continue;
      struct gost_mux_session *m = c->sess;
      GOST_INFO(reg->ctx, "tunnel connector disconnected by the operator");
      connector_ended(c, "disconnected by the operator"); /* frees c, maybe t: stop iterating */
      gost__mux_session_close(m); /* owner close: on_session_closed does not run */
      return GOST_OK;
    }
  }
  return gost__error(GOST_ENOTFOUND, "no such connector");
}
