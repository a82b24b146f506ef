/* entrypoint.keepalive (§5.2): idle tunnel streams parked per (tunnel, host:port, client
 * address) after a complete keep-alive response, reused by the next request for that key from
 * any public connection of that address. Bounded (per key and in total), 30 s idle expiry by one
 * timer per server; a parked stream that sees data, EOF or an error (its session died) leaves
 * the pool at once. Keys are found through a hash table (SipHash: Host headers come from the
 * network), so a request costs one probe however many keys are parked. */
#include <string.h>

#include "core/ctx_int.h"
#include "core/log.h"
#include "mux/session.h"
#include "tunnel/entry.h"

struct pkey {
  struct gost_hnode node; /* srv->pool_keys */
  struct gost_list idle;  /* this key's streams, newest first */
  size_t n;
  uint8_t tid[16];
  char dst[GOST_ENTRY_DST_MAX];
  char src[48]; /* the source address without its port */
};

struct idle {
  struct gost_list link;  /* srv->pool (every key), newest first: expiry and the total bound */
  struct gost_list klink; /* k->idle */
  struct pkey *k;
  struct gost_tunnel_server *srv;
  gost_stream *s;
  const struct gost_mux_session *sess; /* kept alive by s: never a reused address while parked */
  ev_tstamp since;
};

/* "203.0.113.9:5123" / "[2001:db8::1]:5123" -> the part before the port. */
static void src_addr(const char *src, char out[48]) {
  const char *colon = strrchr(src, ':');
  size_t n = colon ? (size_t)(colon - src) : strlen(src);
  if (n > 47) n = 47;
  memcpy(out, src, n);
  out[n] = '\0';
}

/* tid, dst and the address, NUL-separated, hashed as one key. */
static uint64_t key_hash(const struct gost_tunnel_server *srv, const uint8_t tid[16], const char *dst,
                         const char *addr) {
  uint8_t buf[16 + GOST_ENTRY_DST_MAX + 48];
  size_t dl = strlen(dst), al = strlen(addr);
  memcpy(buf, tid, 16);
  memcpy(buf + 16, dst, dl + 1);
  memcpy(buf + 17 + dl, addr, al);
  return gost__hmap_hash(&srv->pool_keys, buf, 17 + dl + al);
}

static struct pkey *key_find(const struct gost_tunnel_server *srv, uint64_t h, const uint8_t tid[16],
                             const char *dst, const char *addr) {
  for (struct gost_hnode *n = gost__hmap_chain(&srv->pool_keys, h); n; n = n->next) {
    struct pkey *k = (struct pkey *)n;
    if (n->hash == h && !memcmp(k->tid, tid, 16) && !strcmp(k->dst, dst) && !strcmp(k->src, addr)) return k;
  }
  return NULL;
}

/* Takes e out of the pool (its key goes with its last stream) and frees it; returns its stream,
 * read callback cleared. */
static gost_stream *idle_unlink(struct idle *e) {
  struct gost_tunnel_server *srv = e->srv;
  struct pkey *k = e->k;
  gost_stream *s = e->s;
  gost_list_remove(&e->link);
  gost_list_remove(&e->klink);
  srv->npool--;
  if (!--k->n) {
    gost__hmap_remove(&srv->pool_keys, &k->node);
    gost__free(srv->ctx, k);
  }
  gost__free(srv->ctx, e);
  if (!srv->npool) ev_timer_stop(srv->ctx->loop, &srv->pool_timer);
  gost_stream_set_read_cb(s, NULL, NULL);
  return s;
}

static void idle_drop(struct idle *e) { gost_stream_close(idle_unlink(e)); }

/* Anything on an idle stream (stray bytes, EOF, error) makes it unusable. */
static void idle_read(gost_stream *s, ssize_t n, const char *data, void *user) { idle_drop(user); }

static void pool_tick(struct ev_loop *loop, ev_timer *w, int revents) {
  struct gost_tunnel_server *srv = w->data;
  ev_tstamp now = ev_now(loop);
  while (!gost_list_empty(&srv->pool)) { /* oldest at the tail */
    struct idle *e = gost_container_of(srv->pool.prev, struct idle, link);
    if (now - e->since < GOST_ENTRY_POOL_IDLE_S) break;
    idle_drop(e);
  }
}

void gost__entry_pool_init(struct gost_tunnel_server *srv) {
  gost_list_init(&srv->pool);
  srv->npool = 0;
  gost__hmap_init(&srv->pool_keys, &srv->ctx->mem);
  ev_timer_init(&srv->pool_timer, pool_tick, GOST_ENTRY_POOL_TICK_S, GOST_ENTRY_POOL_TICK_S);
  srv->pool_timer.data = srv;
}

void gost__entry_pool_clear(struct gost_tunnel_server *srv) {
  while (!gost_list_empty(&srv->pool)) idle_drop(gost_container_of(srv->pool.next, struct idle, link));
  gost__hmap_cleanup(&srv->pool_keys);
}

static void refuse(gost_stream *s) {
  gost_stream_set_read_cb(s, NULL, NULL);
  gost_stream_close(s);
}

void gost__entry_pool_put(struct gost_tunnel_server *srv, const uint8_t tid[16], const char *dst,
                          const char *src, gost_stream *s) {
  char addr[48];
  size_t dl = strlen(dst);
  if (dl >= GOST_ENTRY_DST_MAX) return refuse(s);
  src_addr(src, addr);
  uint64_t h = key_hash(srv, tid, dst, addr);
  struct pkey *k = key_find(srv, h, tid, dst, addr);
  /* make room first: dropping may free a key, and k must stay valid below */
  _Static_assert(GOST_ENTRY_POOL_PER_KEY > 1, "dropping the key's oldest keeps the key");
  if (k && k->n >= GOST_ENTRY_POOL_PER_KEY) {
    idle_drop(gost_container_of(k->idle.prev, struct idle, klink));
  } else if (srv->npool >= GOST_ENTRY_POOL_MAX) {
    struct idle *old = gost_container_of(srv->pool.prev, struct idle, link);
    if (old->k == k && k->n == 1) k = NULL;
    idle_drop(old);
  }
  struct idle *e = gost__malloc(srv->ctx, sizeof *e);
  if (!e) return refuse(s);
  if (!k) {
    k = gost__malloc(srv->ctx, sizeof *k);
    if (!k || gost__hmap_insert(&srv->pool_keys, &k->node, h) != GOST_OK) {
      gost__free(srv->ctx, k);
      gost__free(srv->ctx, e);
      return refuse(s);
    }
    gost_list_init(&k->idle);
    k->n = 0;
    memcpy(k->tid, tid, 16);
    memcpy(k->dst, dst, dl + 1);
    memcpy(k->src, addr, sizeof addr);
  }
  e->srv = srv;
  e->k = k;
  e->s = s;
  e->sess = gost__mux_stream_session(s);
  e->since = ev_now(srv->ctx->loop);
  /* newest first in both lists: insert at the heads */
  e->link.next = srv->pool.next;
  e->link.prev = &srv->pool;
  srv->pool.next->prev = &e->link;
  srv->pool.next = &e->link;
  e->klink.next = k->idle.next;
  e->klink.prev = &k->idle;
  k->idle.next->prev = &e->klink;
  k->idle.next = &e->klink;
  k->n++;
  srv->npool++;
  s->on_drain = NULL;
  gost_stream_set_read_cb(s, idle_read, e);
  gost_stream_read_start(s);
  if (!ev_is_active(&srv->pool_timer)) ev_timer_start(srv->ctx->loop, &srv->pool_timer);
}

gost_stream *gost__entry_pool_take(struct gost_tunnel_server *srv, const uint8_t tid[16], const char *dst,
                                   const char *src, const struct gost_mux_session *sess) {
  char addr[48];
  if (!srv->npool || strlen(dst) >= GOST_ENTRY_DST_MAX) return NULL;
  src_addr(src, addr);
  struct pkey *k = key_find(srv, key_hash(srv, tid, dst, addr), tid, dst, addr);
  if (!k) return NULL;
  struct gost_list *pos;
  gost_list_foreach(pos, &k->idle) {
    struct idle *e = gost_container_of(pos, struct idle, klink);
    if (sess && e->sess != sess) continue;
    return idle_unlink(e);
  }
  return NULL;
}
