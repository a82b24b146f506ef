/* entrypoint.keepalive (§5.2): idle tunnel streams parked per (tunnel, host:port) after a
 * complete keep-alive response, reused by the next request for that key from any public
 * connection. Bounded (per key and in total), 30 s idle expiry by one timer per server; a
 * parked stream that sees data, EOF or an error (its session died) leaves the pool at once. */
#include <string.h>

#include "core/log.h"
#include "tunnel/entry.h"

struct idle {
  struct gost_list link; /* srv->pool: newest first */
  struct gost_tunnel_server *srv;
  gost_stream *s;
  ev_tstamp since;
  uint8_t tid[16];
  char dst[GOST_ENTRY_DST_MAX];
};

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
                          gost_stream *s) {
  size_t same = 0, dl = strlen(dst);
  struct gost_list *pos;
  struct idle *oldest = NULL;
  gost_list_foreach(pos, &srv->pool) {
    struct idle *e = gost_container_of(pos, struct idle, link);
    if (!memcmp(e->tid, tid, 16) && !strcmp(e->dst, dst)) {
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
  e->since = ev_now(srv->ctx->loop);
  memcpy(e->tid, tid, 16);
  memcpy(e->dst, dst, dl + 1);
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

gost_stream *gost__entry_pool_take(struct gost_tunnel_server *srv, const uint8_t tid[16], const char *dst) {
  struct gost_list *pos;
  gost_list_foreach(pos, &srv->pool) {
    struct idle *e = gost_container_of(pos, struct idle, link);
    if (memcmp(e->tid, tid, 16) || strcmp(e->dst, dst)) continue;
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
