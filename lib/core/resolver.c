/* DNS through c-ares. Why c-ares: it is the only widespread resolver library that is fully
 * event-driven with a socket-state callback (so it plugs into libev without threads, unlike
 * getaddrinfo_a, which spawns a thread per request and delivers through signals or threads),
 * honours /etc/hosts, resolv.conf and search domains like the system resolver, and is a plain
 * Debian package. Numeric addresses never reach it. */
#include "core/resolver.h"

#include <ares.h>
#include <netdb.h>
#include <string.h>

#include "core/addr.h"
#include "core/error.h"
#include "core/log.h"

#define MAX_SOCKS 16

struct rsock {
  ev_io io;
  int fd; /* -1 when the slot is free */
};

struct gost_resolver {
  gost_ctx_t *ctx;
  ares_channel channel;
  ev_timer timer; /* active only while queries are in flight, and then ref'd */
  struct rsock socks[MAX_SOCKS];
  int destroying;
};

struct gost_resolve {
  gost_ctx_t *ctx;
  gost_resolve_cb cb; /* NULL once cancelled */
  void *user;
  uint16_t port;
  int in_call; /* inside ares_getaddrinfo: answers must be deferred */
  int posted;  /* the answer waits in `later` (not owned by c-ares any more) */
  ev_timer later; /* delivers a stored answer on the next loop iteration */
  int status;
  size_t n;
  struct sockaddr_storage addrs[GOST_RESOLVE_MAX];
};

static void arm_timer(struct gost_resolver *r) {
  struct timeval tv, *tvp = ares_timeout(r->channel, NULL, &tv);
  ev_timer_stop(r->ctx->loop, &r->timer);
  if (!tvp) return;
  ev_timer_set(&r->timer, (double)tvp->tv_sec + tvp->tv_usec / 1e6, 0.);
  ev_timer_start(r->ctx->loop, &r->timer);
}

static struct gost_resolver *owner_of(ev_io *w) { return (struct gost_resolver *)w->data; }

static void on_io(struct ev_loop *loop, ev_io *w, int revents) {
  (void)loop;
  struct gost_resolver *r = owner_of(w);
  ares_socket_t fd = w->fd;
  ares_process_fd(r->channel, (revents & EV_READ) ? fd : ARES_SOCKET_BAD,
                  (revents & EV_WRITE) ? fd : ARES_SOCKET_BAD);
  arm_timer(r);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop;
  (void)revents;
  struct gost_resolver *r = w->data;
  ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  arm_timer(r);
}

/* c-ares tells us which sockets to watch. These watchers are unref'd: an open DNS socket is
 * housekeeping; the timer (running while any query is pending) keeps the loop alive. */
static void sock_state(void *data, ares_socket_t fd, int readable, int writable) {
  struct gost_resolver *r = data;
  struct ev_loop *loop = r->ctx->loop;
  struct rsock *slot = NULL, *free_slot = NULL;
  for (int i = 0; i < MAX_SOCKS; i++) {
    if (r->socks[i].fd == fd) slot = &r->socks[i];
    else if (r->socks[i].fd < 0 && !free_slot) free_slot = &r->socks[i];
  }
  if (slot) {
    ev_ref(loop);
    ev_io_stop(loop, &slot->io);
    slot->fd = -1;
  }
  if (!readable && !writable) return;
  if (!slot) slot = free_slot;
  if (!slot) return; /* more sockets than slots: the timer still drives it (slower) */
  slot->fd = fd;
  ev_io_init(&slot->io, on_io, fd, (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0));
  slot->io.data = r;
  ev_io_start(loop, &slot->io);
  ev_unref(loop);
}

static struct gost_resolver *resolver_get(gost_ctx_t *ctx) {
  if (ctx->resolver) return ctx->resolver;
  struct gost_resolver *r = gost__calloc(ctx, 1, sizeof *r);
  if (!r) return NULL;
  r->ctx = ctx;
  for (int i = 0; i < MAX_SOCKS; i++) r->socks[i].fd = -1;
  struct ares_options o;
  memset(&o, 0, sizeof o);
  o.sock_state_cb = sock_state;
  o.sock_state_cb_data = r;
  o.timeout = 3000;
  o.tries = 2;
  int rc = ares_init_options(&r->channel, &o,
                             ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
  if (rc != ARES_SUCCESS) {
    gost__free(ctx, r);
    gost__error(GOST_EIO, "c-ares init: %s", ares_strerror(rc));
    return NULL;
  }
  ev_init(&r->timer, on_timer);
  r->timer.data = r;
  ctx->resolver = r;
  return r;
}

void gost__resolver_free(struct gost_resolver *r) {
  if (!r) return;
  r->destroying = 1;
  ares_destroy(r->channel); /* fires pending callbacks with ARES_EDESTRUCTION: they free */
  for (int i = 0; i < MAX_SOCKS; i++) {
    if (r->socks[i].fd >= 0) {
      ev_ref(r->ctx->loop);
      ev_io_stop(r->ctx->loop, &r->socks[i].io);
    }
  }
  ev_timer_stop(r->ctx->loop, &r->timer);
  r->ctx->resolver = NULL;
  gost__free(r->ctx, r);
}

static int map_ares(int status) {
  switch (status) {
  case ARES_ENOTFOUND:
  case ARES_ENODATA:
  case ARES_ENONAME:
    return GOST_ENOTFOUND;
  case ARES_ETIMEOUT:
    return GOST_ETIMEDOUT;
  case ARES_ENOMEM:
    return GOST_ENOMEM;
  case ARES_ECANCELLED:
  case ARES_EDESTRUCTION:
    return GOST_ECLOSED;
  default:
    return GOST_EIO;
  }
}

static void deliver(struct gost_resolve *q) {
  if (q->cb) q->cb(q->ctx, q->status, q->status == GOST_OK ? q->addrs : NULL, q->n, q->user);
  gost__free(q->ctx, q);
}

static void on_later(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)revents;
  ev_timer_stop(loop, w);
  deliver(w->data);
}

static void post(struct gost_resolve *q) {
  q->posted = 1;
  ev_timer_init(&q->later, on_later, 0., 0.);
  q->later.data = q;
  ev_timer_start(q->ctx->loop, &q->later);
}

static void on_answer(void *arg, int status, int timeouts, struct ares_addrinfo *res) {
  (void)timeouts;
  struct gost_resolve *q = arg;
  size_t n = 0;
  if (status == ARES_SUCCESS && res) {
    /* IPv4 first: loopback services in tests and most targets listen on v4. */
    for (int pass = 0; pass < 2; pass++) {
      int want = pass == 0 ? AF_INET : AF_INET6;
      for (struct ares_addrinfo_node *a = res->nodes; a && n < GOST_RESOLVE_MAX; a = a->ai_next) {
        if (a->ai_family != want || (size_t)a->ai_addrlen > sizeof q->addrs[0]) continue;
        memset(&q->addrs[n], 0, sizeof q->addrs[n]);
        memcpy(&q->addrs[n], a->ai_addr, a->ai_addrlen);
        if (want == AF_INET) ((struct sockaddr_in *)&q->addrs[n])->sin_port = htons(q->port);
        else ((struct sockaddr_in6 *)&q->addrs[n])->sin6_port = htons(q->port);
        n++;
      }
    }
  }
  if (res) ares_freeaddrinfo(res);
  q->status = status == ARES_SUCCESS ? (n ? GOST_OK : GOST_ENOTFOUND) : map_ares(status);
  q->n = q->status == GOST_OK ? n : 0;
  /* /etc/hosts hits and early failures come back inside ares_getaddrinfo; the resolver
   * being destroyed means the ctx is going away, so nothing is delivered then. */
  if (status == ARES_EDESTRUCTION) q->cb = NULL;
  if (q->in_call && q->cb) post(q);
  else deliver(q);
}

struct gost_resolve *gost__resolve(gost_ctx_t *ctx, const char *host, uint16_t port,
                                   gost_resolve_cb cb, void *user) {
  if (!host || !*host || !cb) {
    gost__error(GOST_EINVAL, "resolve: empty host");
    return NULL;
  }
  struct gost_resolve *q = gost__calloc(ctx, 1, sizeof *q);
  if (!q) {
    gost__error(GOST_ENOMEM, "resolve: out of memory");
    return NULL;
  }
  q->ctx = ctx;
  q->cb = cb;
  q->user = user;
  q->port = port;
  socklen_t len;
  if (gost__addr_to_sockaddr(host, port, &q->addrs[0], &len) == GOST_OK) {
    q->status = GOST_OK;
    q->n = 1;
    post(q);
    return q;
  }
  struct gost_resolver *r = resolver_get(ctx);
  if (!r) {
    gost__free(ctx, q);
    return NULL;
  }
  struct ares_addrinfo_hints hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM; /* one entry per address; the port is set by us */
  q->in_call = 1;
  ares_getaddrinfo(r->channel, host, NULL, &hints, on_answer, q);
  if (!q->posted) q->in_call = 0; /* q may be gone only if cb was NULL: it is not */
  arm_timer(r);
  return q;
}

void gost__resolve_cancel(struct gost_resolve *q) {
  if (!q) return;
  if (q->posted) {
    ev_timer_stop(q->ctx->loop, &q->later);
    gost__free(q->ctx, q);
    return;
  }
  q->cb = NULL; /* c-ares still owns the request; on_answer frees it */
}
