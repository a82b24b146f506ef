/* entrypoint.keepalive (§5.2): idle tunnel streams parked per (tunnel, host:port) after a
 * complete keep-alive response, reused by the next request for that key from any public
 * connection. Bounded (per key and in total), 30 s idle expiry by one timer per server; a
 * parked stream that sees data, EOF or an error (its session died) leaves the pool at once. */
#include <string.h>

#include "core/log.h"
#include "mux/session.h"
#include "tunnel/entry.h"

struct idle {
  struct gost_list link; /* srv->pool: newest first */
  struct gost_tunnel_server *srv;
  gost_stream *s;
  const struct gost_mux_session *sess; /* kept alive by s: never a reused address while parked */
  ev_tstamp since;
  uint32_t hash; /* of the key: most entries are told apart without a string compare */
  uint8_t tid[16];
  char dst[GOST_ENTRY_DST_MAX];
  char src[48]; /* the source address without its port */
};

/* "203.0.113.9:5123" / "[2001:db8::1]:5123" -> the part before the port. */
static void src_addr(const char *src, char out[48]) {
  const char *colon = strrchr(src, ':');
  size_t n = colon ? (size_t)(colon - src) : strlen(src);
  if (n > 47) n = 47;
  memcpy(out, src, n);
  out[n] = '\0';
}

static uint32_t key_hash(const uint8_t tid[16], const char *dst, const char *addr) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < 16; i++) h = (h ^ tid[i]) * 16777619u;
  for (const char *p = dst; *p; p++) h = (h ^ (uint8_t)*p) * 16777619u;
  for (const char *p = addr; *p; p++) h = (h ^ (uint8_t)*p) * 16777619u;
  return h;
}

static int same_key(const struct idle *e, uint32_t hash, const uint8_t tid[16], const char *dst, const char *addr) {
  return e->hash == hash && !memcmp(e->tid, tid, 16) && !strcmp(e->dst, dst) && !strcmp(e->src, addr);
}

static void idle_drop(struct idle *e) {
  struct gost_tunnel_server *srv = e->srv;
  gost_list_remove(&e->link);
  srv->npool--;
  gost_stream_set_read_cb(e->s, NULL, NULL);
  gost_stream_close(e->s);
  gost__free(srv->ctx, e);
  if (!srv->npool) ev_timer_stop(srv->ctx->loop, &srv->pool_timer);
}

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
  ev_timer_init(&srv->pool_timer, pool_tick, GOST_ENTRY_POOL_TICK_S, GOST_ENTRY_POOL_TICK_S);
  srv->pool_timer.data = srv;
}

void gost__entry_pool_clear(struct gost_tunnel_server *srv) {
  while (!gost_list_empty(&srv->pool)) idle_drop(gost_container_of(srv->pool.next, struct idle, link));
}

void gost__entry_pool_put(struct gost_tunnel_server *srv, const uint8_t tid[16], const char *dst,
                          const char *src, gost_stream *s) {
  size_t same = 0, dl = strlen(dst);
  char addr[48];
  src_addr(src, addr);
  uint32_t hash = key_hash(tid, dst, addr);
  struct gost_list *pos;
  struct idle *oldest = NULL;
  gost_list_foreach(pos, &srv->pool) {
    struct idle *e = gost_container_of(pos, struct idle, link);
    if (same_key(e, hash, tid, dst, addr)) {
      same++;
      oldest = e;
    }
  }
  if (same >= GOST_ENTRY_POOL_PER_KEY) idle_drop(oldest);
  else if (srv->npool >= GOST_ENTRY_POOL_MAX) idle_drop(gost_container_of(srv->pool.prev, struct idle, link));
  struct idle *e = dl < sizeof e->dst ? gost__malloc(srv->ctx, sizeof *e) : NULL;
  if (!e) {
    gost_stream_set_read_cb(s, NULL, NULL);
    gost_stream_close(s);
    return;
  }
  e->srv = srv;
  e->s = s;
  e->sess = gost__mux_stream_session(s);
  e->since = ev_now(srv->ctx->loop);
  memcpy(e->tid, tid, 16);
  memcpy(e->dst, dst, dl + 1);
  memcpy(e->src, addr, sizeof addr);
  e->hash = hash;
  /* newest first: insert at the head */
  e->link.next = srv->pool.next;
  e->link.prev = &srv->pool;
  srv->pool.next->prev = &e->link;
  srv->pool.next = &e->link;
  srv->npool++;
  s->on_drain = NULL;
  gost_stream_set_read_cb(s, idle_read, e);
  gost_stream_read_start(s);
  if (!ev_is_active(&srv->pool_timer)) ev_timer_start(srv->ctx->loop, &srv->pool_timer);
}

gost_stream *gost__entry_pool_take(struct gost_tunnel_server *srv, const uint8_t tid[16], const char *dst,
                                   const char *src, const struct gost_mux_session *sess) {
  struct gost_list *pos;
  char addr[48];
  src_addr(src, addr);
  uint32_t hash = key_hash(tid, dst, addr);
  gost_list_foreach(pos, &srv->pool) {
    struct idle *e = gost_container_of(pos, struct idle, link);
    if (!same_key(e, hash, tid, dst, addr) || (sess && e->sess != sess)) continue;
    gost_stream *s = e->s;
    gost_list_remove(&e->link);
    srv->npool--;
    gost__free(srv->ctx, e);
    if (!srv->npool) ev_timer_stop(srv->ctx->loop, &srv->pool_timer);
    gost_stream_set_read_cb(s, NULL, NULL);
    return s;
  }
  return NULL;
}
