/* smux streams: id table, open/write/consumed/close and v2 flow control (§3.3–§3.5). */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "mux/smux_int.h"

static size_t bucket_of(size_t nbuckets, uint32_t sid) {
  uint32_t h = sid * 0x9E3779B1u; /* spread sequential odd ids over all buckets */
  h ^= h >> 15;
  return h & (nbuckets - 1);
}

struct gost_smux_stream *gost__smux_find(const struct gost_smux *s, uint32_t sid) {
  struct gost_smux_stream *st = s->buckets[bucket_of(s->nbuckets, sid)];
  while (st && st->sid != sid) st = st->hnext;
  return st;
}

static int grow(struct gost_smux *s) {
  size_t n = s->nbuckets * 2;
  struct gost_smux_stream **b = gost__mem_calloc(s->mem, n, sizeof *b);
  if (!b) return GOST_ENOMEM;
  for (size_t i = 0; i < s->nbuckets; i++) {
    struct gost_smux_stream *st = s->buckets[i], *next;
    for (; st; st = next) {
      next = st->hnext;
      size_t j = bucket_of(n, st->sid);
      st->hnext = b[j];
      b[j] = st;
    }
  }
  gost__mem_free(s->mem, s->buckets);
  s->buckets = b;
  s->nbuckets = n;
  return GOST_OK;
}

int gost__smux_stream_add(struct gost_smux *s, uint32_t sid, struct gost_smux_stream **out) {
  if (s->nstreams >= s->nbuckets && grow(s) != GOST_OK) return GOST_ENOMEM;
  struct gost_smux_stream *st = gost__mem_calloc(s->mem, 1, sizeof *st);
  if (!st) return GOST_ENOMEM;
  st->sid = sid;
  st->peer_window = GOST_SMUX_INITIAL_PEER_WINDOW;
  st->win = s->cfg.max_stream_buffer;
  for (int i = 0; i < GOST_SMUX_LIMITS; i++) /* what the peer assumes until our first UPD */
    st->limits[i] = GOST_SMUX_INITIAL_PEER_WINDOW;
  gost_list_init(&st->stall);
  size_t i = bucket_of(s->nbuckets, sid);
  st->hnext = s->buckets[i];
  s->buckets[i] = st;
  s->nstreams++;
  *out = st;
  return GOST_OK;
}

void gost__smux_stream_del(struct gost_smux *s, struct gost_smux_stream *st) {
  struct gost_smux_stream **pp = &s->buckets[bucket_of(s->nbuckets, st->sid)];
  while (*pp != st) pp = &(*pp)->hnext;
  *pp = st->hnext;
  s->win_growth -= st->win - s->cfg.max_stream_buffer;
  gost_list_remove(&st->stall);
  s->nstreams--;
  gost__mem_free(s->mem, st);
}

void gost__smux_streams_free(struct gost_smux *s) {
  for (size_t i = 0; i < s->nbuckets; i++) {
    while (s->buckets[i]) gost__smux_stream_del(s, s->buckets[i]);
  }
}

/* v2 send window: window - (written - consumed), all mod 2^32, read as int32 (§3.4). */
static int32_t send_window(const struct gost_smux_stream *st) {
  return (int32_t)(st->peer_window - (st->written - st->peer_consumed));
}

static size_t write_room(const struct gost_smux *s, const struct gost_smux_stream *st) {
  if (st->fin_rcvd || s->out.bytes >= s->cfg.max_out_buffer) return 0;
  size_t room = s->cfg.max_out_buffer - s->out.bytes;
  if (s->cfg.version == 2) {
    int32_t w = send_window(st);
    if (w <= 0) return 0;
    if ((size_t)w < room) room = (size_t)w;
  }
  return room;
}

int gost__smux_open(struct gost_smux *s, uint32_t *sid_out) {
  if (s->dead) return s->dead;
  for (;;) {
    uint32_t sid = s->sid_counter + 2;
    if (s->go_away || sid < s->sid_counter) {
      s->go_away = 1; /* sticky: this connection can open no more streams */
      return gost__error(GOST_ESTATE, "smux: stream ids exhausted");
    }
    s->sid_counter = sid;
    if (gost__smux_find(s, sid)) continue; /* the peer took it; ids need not be ours alone */
    struct gost_smux_stream *st;
    if (gost__smux_stream_add(s, sid, &st) != GOST_OK) return gost__error(GOST_ENOMEM, "smux: stream");
    int rc = gost__smux_queue(s, GOST_SMUX_SYN, sid, NULL, 0);
    if (rc != GOST_OK) {
      gost__smux_stream_del(s, st);
      return rc;
    }
    *sid_out = sid;
    return GOST_OK;
  }
}

ssize_t gost__smux_write(struct gost_smux *s, uint32_t sid, const uint8_t *data, size_t len) {
  if (s->dead) return s->dead;
  struct gost_smux_stream *st = gost__smux_find(s, sid);
  if (!st) return gost__error(GOST_ENOTFOUND, "smux: write to unknown stream %u", (unsigned)sid);
  if (st->fin_rcvd) return gost__error(GOST_ECLOSED, "smux: stream %u closed by peer", (unsigned)sid);
  size_t n = write_room(s, st);
  if (n > len) n = len;
  if (n > SSIZE_MAX) n = SSIZE_MAX;
  if (n < len && gost_list_empty(&st->stall)) gost_list_insert_tail(&s->stalled, &st->stall);
  for (size_t done = 0; done < n;) {
    size_t k = n - done;
    if (k > s->cfg.max_frame_size) k = s->cfg.max_frame_size;
    int rc = gost__smux_queue(s, GOST_SMUX_PSH, sid, data + done, k);
    if (rc != GOST_OK) return rc;
    st->written += (uint32_t)k;
    done += k;
  }
  return (ssize_t)n;
}

ssize_t gost__smux_write_frames(struct gost_smux *s, uint32_t sid, size_t len, uint8_t (*hdrs)[8],
                                size_t max_hdrs, size_t *frame_len) {
  if (s->dead) return s->dead;
  if (s->out.bytes) return gost__error(GOST_ESTATE, "smux: zero-copy write behind queued output");
  struct gost_smux_stream *st = gost__smux_find(s, sid);
  if (!st) return gost__error(GOST_ENOTFOUND, "smux: write to unknown stream %u", (unsigned)sid);
  if (st->fin_rcvd) return gost__error(GOST_ECLOSED, "smux: stream %u closed by peer", (unsigned)sid);
  size_t fs = s->cfg.max_frame_size;
  *frame_len = fs;
  size_t n = write_room(s, st);
  /* Stalled (on_stream_window follows) only when the window/bound cut it short, as write();
   * a cut at max_hdrs is the caller's own limit. */
  if (n < len && gost_list_empty(&st->stall)) gost_list_insert_tail(&s->stalled, &st->stall);
  if (n > len) n = len;
  if (max_hdrs < SIZE_MAX / fs && n > max_hdrs * fs) n = max_hdrs * fs;
  if (n > SSIZE_MAX) n = SSIZE_MAX;
  size_t i = 0;
  for (size_t done = 0; done < n; done += fs, i++) {
    size_t k = n - done < fs ? n - done : fs;
    struct gost_smux_frame f = {s->cfg.version, GOST_SMUX_PSH, (uint16_t)k, sid};
    if (gost__smux_frame_encode(hdrs[i], &f) != GOST_OK) return gost__smux_fail(s, GOST_EFATAL, "bad frame");
  }
  st->written += (uint32_t)n;
  return (ssize_t)n;
}

int gost__smux_stream_can_write(const struct gost_smux *s, uint32_t sid) {
  const struct gost_smux_stream *st = gost__smux_find(s, sid);
  return !s->dead && st && write_room(s, st) > 0;
}

/* Doubles st's window when the window, not the reader, limited the stream: the sender used up
 * all of it, and the UPD that let it go on took at least GOST_SMUX_STALL_MS until its data came
 * in (a window round trip: the path's bandwidth-delay product is larger than the window), while
 * the application kept up
 * (under an eighth of the window unread; never on the first UPD, which follows the peer's
 * assumed initial window). The signal HTTP/2 and QUIC stacks auto-tune on. */
static void maybe_grow(struct gost_smux *s, struct gost_smux_stream *st) {
  int bound = st->starved && st->upd_sent && st->received - st->consumed <= st->win / 8;
  st->starved = 0;
  if (!bound || st->win >= s->cfg.max_stream_window) return;
  uint32_t grown = st->win > s->cfg.max_stream_window / 2 ? s->cfg.max_stream_window : st->win * 2;
  size_t more = grown - st->win;
  if (s->win_growth + more > s->cfg.max_window_growth) return; /* the session's budget is spent */
  s->win_growth += more;
  st->win = grown;
}

int gost__smux_consumed(struct gost_smux *s, uint32_t sid, size_t n) {
  if (s->dead) return s->dead;
  struct gost_smux_stream *st = gost__smux_find(s, sid);
  if (!st) return GOST_ENOTFOUND; /* closed meanwhile: nothing to report */
  if (s->cfg.version != 2 || n == 0 || st->fin_rcvd) return GOST_OK;
  st->consumed += (uint32_t)n;
  /* Tell the peer on the first read, then every quarter window (§3.4): the peer's view of what
   * we consumed lags by up to that much, so a quarter keeps 3/4 of the window usable in flight
   * (a half, as smux itself does, leaves only half of it). */
  size_t step = st->win / 4;
  st->since_upd = n >= step - st->since_upd ? (uint32_t)step : st->since_upd + (uint32_t)n;
  if (st->upd_sent && st->since_upd < step) return GOST_OK;
  maybe_grow(s, st);
  uint8_t p[GOST_SMUX_UPD_LEN];
  gost__smux_upd_encode(p, st->consumed, st->win);
  int rc = gost__smux_queue(s, GOST_SMUX_UPD, sid, p, sizeof p);
  if (rc != GOST_OK) return rc;
  st->upd_sent = 1;
  st->since_upd = 0;
  st->limits[st->nlimit] = st->consumed + st->win;
  st->limits_ms[st->nlimit] = s->now_ms;
  st->nlimit = (uint8_t)((st->nlimit + 1) % GOST_SMUX_LIMITS);
  if (st->blocked && !st->raised) { /* this UPD is the one that lets the blocked sender go on */
    st->raised = 1;
    st->raise_ms = s->now_ms;
  }
  return GOST_OK;
}

int gost__smux_close_stream(struct gost_smux *s, uint32_t sid) {
  struct gost_smux_stream *st = gost__smux_find(s, sid);
  if (!st) return GOST_ENOTFOUND;
  gost__smux_stream_del(s, st); /* forget it even if the session is dead */
  return gost__smux_queue(s, GOST_SMUX_FIN, sid, NULL, 0);
}

int gost__smux_stream_set_user(struct gost_smux *s, uint32_t sid, void *stream_user) {
  struct gost_smux_stream *st = gost__smux_find(s, sid);
  if (!st) return GOST_ENOTFOUND;
  st->user = stream_user;
  return GOST_OK;
}

void *gost__smux_stream_user(const struct gost_smux *s, uint32_t sid) {
  const struct gost_smux_stream *st = gost__smux_find(s, sid);
  return st ? st->user : NULL;
}

size_t gost__smux_num_streams(const struct gost_smux *s) { return s->nstreams; }

uint32_t gost__smux_stream_window(const struct gost_smux *s, uint32_t sid) {
  const struct gost_smux_stream *st = gost__smux_find(s, sid);
  return st ? st->win : 0;
}

size_t gost__smux_window_growth(const struct gost_smux *s) { return s->win_growth; }

void gost__smux_on_upd(struct gost_smux *s, uint32_t sid, uint32_t consumed, uint32_t window) {
  struct gost_smux_stream *st = gost__smux_find(s, sid);
  if (!st) return;
  st->peer_consumed = consumed;
  st->peer_window = window;
  if (!gost_list_empty(&st->stall) && write_room(s, st) > 0) {
    gost_list_remove(&st->stall);
    if (s->cb.on_stream_window) s->cb.on_stream_window(s, sid, s->user);
  }
}

void gost__smux_wake_stalled(struct gost_smux *s) {
  /* Move the list aside: callbacks may stall streams again or close any of them. */
  struct gost_list todo;
  if (gost_list_empty(&s->stalled)) return;
  todo = s->stalled;
  todo.next->prev = &todo;
  todo.prev->next = &todo;
  gost_list_init(&s->stalled);
  while (!gost_list_empty(&todo)) {
    struct gost_smux_stream *st = gost_container_of(todo.next, struct gost_smux_stream, stall);
    gost_list_remove(&st->stall);
    if (write_room(s, st) == 0) {
      gost_list_insert_tail(&s->stalled, &st->stall);
      continue;
    }
    if (s->cb.on_stream_window) s->cb.on_stream_window(s, st->sid, s->user);
    if (s->dead) break;
  }
  /* Anything left (after a failure) goes back so that free() sees consistent lists. */
  while (!gost_list_empty(&todo)) {
    struct gost_list *n = todo.next;
    gost_list_remove(n);
    gost_list_insert_tail(&s->stalled, n);
  }
}
