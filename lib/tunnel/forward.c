/* Opening a tunnel stream anywhere in the cluster: the local pool first (synchronous, exactly
 * the single-node path); when it has no connector and the server is in cluster mode, the sd
 * names the nodes that have one, one is drawn by weight (255 rule) and the request is
 * forwarded over the node link (docs/cluster.md "Selection across nodes"). */
#include <string.h>

#include "codec/uuid.h"
#include "core/error.h"
#include "core/log.h"
#include "tunnel/forward.h"
#include "tunnel/nodelink.h"

struct gost_tunnel_opening {
  struct gost_tunnel_server *srv;
  struct gost_tunnel_target t;
  struct gost_sd_lookup *lookup;
  struct gost_nodelink_req *req;
  gost_tunnel_open_cb cb;
  void *user;
};

static void opening_done(struct gost_tunnel_opening *o, int status, gost_stream *s) {
  gost_tunnel_open_cb cb = o->cb;
  void *user = o->user;
  gost__free(o->srv->ctx, o);
  cb(status, s, user);
}

static void on_forwarded(int status, gost_stream *s, void *user) {
  struct gost_tunnel_opening *o = user;
  o->req = NULL;
  if (status != GOST_OK && o->srv->cluster) gost__sd_forget(o->srv->cluster->sd, o->t.tid); /* ask Redis next time */
  opening_done(o, status, s);
}

/* Remote entries of the wanted network (else of the other one, as the local pool does for a
 * tunnel with a single kind of connector); 255 excludes the others; weighted draw. */
static const struct gost_sd_entry *choose(const struct gost_tunnel_cluster *cl, const struct gost_sd_entry *e,
                                          size_t n, int udp) {
  int have_type = 0, exclusive = 0;
  size_t any = 0;
  for (size_t i = 0; i < n; i++) {
    if (!strcmp(e[i].node, cl->node_id)) continue; /* our own: the local pool already said no */
    any++;
    if (e[i].udp == udp) have_type = 1;
  }
  if (!any) return NULL;
  int want = have_type ? udp : !udp;
  for (size_t i = 0; i < n; i++)
    if (strcmp(e[i].node, cl->node_id) && e[i].udp == want && e[i].weight == 255) exclusive = 1;
  uint64_t sum = 0;
  for (size_t i = 0; i < n; i++)
    if (strcmp(e[i].node, cl->node_id) && e[i].udp == want && (!exclusive || e[i].weight == 255))
      sum += e[i].weight ? e[i].weight : 1;
  uint64_t r = (uint64_t)gost__tunnel_registry_rand(cl->srv->reg) % sum;
  for (size_t i = 0; i < n; i++) {
    if (!strcmp(e[i].node, cl->node_id) || e[i].udp != want || (exclusive && e[i].weight != 255)) continue;
    uint64_t w = e[i].weight ? e[i].weight : 1;
    if (r < w) return &e[i];
    r -= w;
  }
  return NULL;
}

static void forward_to(struct gost_tunnel_opening *o, const struct gost_sd_entry *pick) {
  char tid[GOST__UUID_STR_LEN + 1];
  gost__uuid_format(o->t.tid, tid);
  GOST_DEBUG(o->srv->ctx, "tunnel %s: forwarding to node %s at %s", tid, pick->node, pick->addr);
  o->req = gost__nodelink_open(o->srv->cluster, pick->addr, &o->t, on_forwarded, o);
  if (!o->req) opening_done(o, GOST_ENOMEM, NULL);
}

static void on_lookup(int status, const struct gost_sd_entry *e, size_t n, void *user) {
  struct gost_tunnel_opening *o = user;
  o->lookup = NULL;
  char tid[GOST__UUID_STR_LEN + 1];
  gost__uuid_format(o->t.tid, tid);
  if (status != GOST_OK) return opening_done(o, gost__error(GOST_EUNREACH, "tunnel %s: no local connector, sd unavailable", tid), NULL);
  const struct gost_sd_entry *pick = choose(o->srv->cluster, e, n, o->t.udp);
  if (!pick) return opening_done(o, gost__error(GOST_ENOTFOUND, "tunnel %s: no connector on any node", tid), NULL);
  forward_to(o, pick);
}

/* Local connectors exist: does another node outweigh them? Only what the sd cache already
 * knows counts (a refresh starts in the background), so local requests never wait: weight 255
 * excludes lower ones across nodes, a strictly higher weight elsewhere wins, equal weights stay
 * local. The chosen remote entry is copied to *out. */
static int outweighed(struct gost_tunnel_server *srv, const uint8_t id[16], int udp, struct gost_sd_entry *out) {
  int lw = gost__tunnel_registry_max_weight(srv->reg, id, udp);
  const struct gost_sd_entry *e;
  size_t n;
  if (lw < 0 || lw == 255 || gost__sd_peek(srv->cluster->sd, id, &e, &n) != GOST_OK) return 0;
  int rw = -1;
  for (size_t i = 0; i < n; i++) {
    int w = e[i].weight ? e[i].weight : 1;
    if (e[i].udp == (udp != 0) && strcmp(e[i].node, srv->cluster->node_id) && w > rw) rw = w;
  }
  if (rw <= lw) return 0;
  const struct gost_sd_entry *pick = choose(srv->cluster, e, n, udp);
  if (!pick) return 0;
  *out = *pick;
  return 1;
}

static struct gost_tunnel_opening *opening_new(struct gost_tunnel_server *srv, const uint8_t id[16], int udp,
                                               const char *src, const char *dst, gost_tunnel_open_cb cb, void *user) {
  struct gost_tunnel_opening *o = gost__calloc(srv->ctx, 1, sizeof *o);
  if (!o) {
    gost__error(GOST_ENOMEM, "tunnel: forwarding");
    return NULL;
  }
  o->srv = srv;
  gost__tunnel_target_set(&o->t, id, udp, src, dst);
  o->cb = cb;
  o->user = user;
  return o;
}

int gost__tunnel_open_any(struct gost_tunnel_server *srv, const uint8_t id[16], int udp, const char *src,
                          const char *dst, gost_stream **out, struct gost_tunnel_opening **pending,
                          gost_tunnel_open_cb cb, void *user) {
  struct gost_sd_entry remote;
  *pending = NULL;
  if (srv->cluster && outweighed(srv, id, udp, &remote)) {
    struct gost_tunnel_opening *o = opening_new(srv, id, udp, src, dst, cb, user);
    if (!o) return GOST_ENOMEM;
    *pending = o;
    forward_to(o, &remote); /* its failure is reported through cb, later */
    return GOST_EAGAIN;
  }
  int rc = gost__tunnel_open(srv, id, udp, src, dst, out);
  if (rc != GOST_ENOTFOUND || !srv->cluster) return rc;
  struct gost_tunnel_opening *o = opening_new(srv, id, udp, src, dst, cb, user);
  if (!o) return GOST_ENOMEM;
  o->lookup = gost__sd_lookup(srv->cluster->sd, id, on_lookup, o);
  if (!o->lookup) {
    gost__free(srv->ctx, o);
    return gost__error(GOST_ENOMEM, "tunnel: sd lookup");
  }
  *pending = o;
  return GOST_EAGAIN;
}

void gost__tunnel_opening_cancel(struct gost_tunnel_opening *o) {
  if (!o) return;
  if (o->lookup) gost__sd_lookup_cancel(o->lookup);
  if (o->req) gost__nodelink_cancel(o->req);
  gost__free(o->srv->ctx, o);
}
