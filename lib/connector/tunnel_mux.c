/* Multiplexed visitor sessions, visitor side (docs/tunnel.md "Multiplexed visitor sessions").
 * With tunnel.mux=true a visitor node keeps one carrier (its dialer: tcp, tls, ws, wss) to the
 * tunnel server and carries each visitor connection as an smux stream holding the usual
 * CONNECT (gost__tunnel_visit). The carrier is asked for with a CONNECT naming the reserved
 * session ID; only a server that answers OK with that ID in a Tunnel feature runs a session.
 * Any other answer (a stock server, or ours with tunnel.mux=false) sends this node's
 * connections back to one connection each for GOST_VMUX_RETRY_S; a carrier that cannot be
 * reached, for GOST_VMUX_RETRY_NET_S. A lost carrier ends its streams; the next visitor
 * connection opens a new one. */
#include <stdio.h>
#include <string.h>

#include "connector/tunnel.h"
#include "core/ctx_int.h"
#include "core/error.h"
#include "core/log.h"
#include "io/msgread.h"
#include "io/sock.h"
#include "mux/session.h"

#define GOST_VMUX_RETRY_S 300.     /* after a refusal: per-connection mode this long */
#define GOST_VMUX_RETRY_NET_S 2.   /* after a carrier that could not be set up */
#define GOST_VMUX_WAITERS_MAX 4096 /* connections waiting for one carrier to come up */
#define GOST_VMUX_SESSIONS_MAX 64  /* carriers per node (each holds mux.maxStreams streams) */

enum { VS_DIALING, VS_ASKING, VS_UP };

struct vmux { /* node->conn_state */
  gost_ctx_t *ctx;
  struct gost_node *node;
  struct gost_list sessions;
  size_t nsessions;
  double off_until; /* loop time until which connections go one carrier each */
};

struct vsess { /* one carrier */
  struct gost_list link; /* vm->sessions */
  struct vmux *vm;
  int state;
  int wrapping, dead; /* a dialer wrap in flight cannot be cancelled: it finishes the free */
  struct gost_connect *conn;
  gost_stream *s; /* while the answer is read */
  struct gost_msg_read *rd;
  struct gost_relay_msg resp;
  struct gost_mux_session *sess;
  struct gost_list waiters;
  size_t nwait;
};

struct vop { /* one visitor connection */
  struct gost_list link; /* vs->waiters while waiting, else self-linked */
  struct vsess *vs;      /* while waiting */
  gost_ctx_t *ctx;
  struct gost_node *node;
  int udp;
  char *addr;
  const struct gost_conn_info *info;
  gost_stream_ready_cb cb;
  void *user;
  int cancelled; /* the dial left while the CONNECT was being set up on a stream */
};

static void op_free(struct vop *op) {
  gost__free(op->ctx, op->addr);
  gost__free(op->ctx, op);
}

static void op_finish(struct vop *op, gost_stream *s, int status) {
  gost_stream_ready_cb cb = op->cb;
  void *user = op->user;
  gost_ctx_t *ctx = op->ctx;
  op_free(op);
  cb(ctx, s, status, user);
}

static void op_done(gost_ctx_t *ctx, gost_stream *s, int status, void *user) {
  struct vop *op = user;
  if (op->cancelled) {
    if (s) gost_stream_close(s);
    op_free(op);
    return;
  }
  op_finish(op, s, status);
}

/* A stream of vs's session carrying op's CONNECT. GOST_OK: op_done fires later. */
static int op_start(struct vsess *vs, struct vop *op) {
  gost_stream *st;
  int rc = gost__mux_open_stream(vs->sess, &st);
  if (rc != GOST_OK) return rc;
  op->vs = NULL;
  rc = gost__tunnel_visit(op->node, op->ctx, st, op->udp ? "udp" : "tcp", op->addr, op->info, op_done, op);
  if (rc != GOST_OK) gost_stream_close(st);
  return rc;
}

static void waiters_release(struct vsess *vs, int status) {
  while (!gost_list_empty(&vs->waiters)) {
    struct vop *op = gost_container_of(vs->waiters.next, struct vop, link);
    gost_list_remove(&op->link);
    gost_list_init(&op->link);
    vs->nwait--;
    op->vs = NULL;
    op_finish(op, NULL, status);
  }
}

/* Ends a carrier that never came up (or the node going away); waiters get status. */
static void vs_free(struct vsess *vs, int status) {
  struct vmux *vm = vs->vm;
  gost_list_remove(&vs->link);
  gost_list_init(&vs->link);
  vm->nsessions--;
  if (vs->conn) gost__connect_cancel(vs->conn);
  if (vs->rd) gost__msg_read_cancel(vs->rd);
  if (vs->s) gost_stream_close(vs->s);
  if (vs->sess) gost__mux_session_close(vs->sess);
  vs->conn = NULL, vs->rd = NULL, vs->s = NULL, vs->sess = NULL;
  waiters_release(vs, status);
  if (vs->wrapping) {
    vs->dead = 1;
    return;
  }
  gost__free(vm->ctx, vs);
}

/* The carrier could not be set up: these connections (and the next for a while) go one
 * carrier each, where the real error, if any, shows. */
static void vs_fail(struct vsess *vs, double retry_s, const char *why) {
  struct vmux *vm = vs->vm;
  GOST_INFO(vm->ctx, "tunnel: visitor session to %s: %s; one connection per visitor connection for %.0f s",
            vm->node->addr, why, retry_s);
  vm->off_until = ev_now(vm->ctx->loop) + retry_s;
  vs_free(vs, GOST_EUNSUPPORTED);
}

static void on_session_closed(struct gost_mux_session *m, int status, void *user) {
  struct vsess *vs = user;
  GOST_INFO(vs->vm->ctx, "tunnel: visitor session to %s closed (%s)", vs->vm->node->addr, gost_strerror(status));
  vs->sess = NULL; /* it frees itself with its last stream */
  vs_free(vs, GOST_EUNSUPPORTED);
}

static int parse_response(const uint8_t *buf, size_t len, void *out, size_t *consumed) {
  return gost__relay_decode_response(buf, len, out, consumed);
}

static void on_answer(gost_stream *s, int status, void *user) {
  struct vsess *vs = user;
  struct vmux *vm = vs->vm;
  vs->rd = NULL;
  vs->s = s;
  char why[96];
  if (status != GOST_OK) {
    snprintf(why, sizeof why, "no answer (%s)", gost_strerror(status));
    return vs_fail(vs, GOST_VMUX_RETRY_NET_S, why);
  }
  if (vs->resp.status != GOST__RELAY_OK || !vs->resp.has_tunnel || memcmp(vs->resp.tunnel.id, gost__relay_vmux_id, 16)) {
    snprintf(why, sizeof why, "not offered by the server (%s%s)", gost__relay_status_name(vs->resp.status),
             vs->resp.status == GOST__RELAY_OK ? " without confirmation" : "");
    return vs_fail(vs, GOST_VMUX_RETRY_S, why);
  }
  struct gost_smux_config cfg;
  if (gost__mux_config_from_meta(&cfg, vm->node->connector_meta, 1, 2) != GOST_OK)
    gost__smux_config_default(&cfg, 1);
  cfg.version = 2;
  vs->s = NULL;
  static const struct gost_mux_callbacks cbs = {NULL, on_session_closed};
  if (gost__mux_session_new(&vs->sess, vm->ctx, s, &cfg, NULL, 0, &cbs, vs) != GOST_OK) {
    vs->sess = NULL;
    return vs_fail(vs, GOST_VMUX_RETRY_NET_S, gost_last_error());
  }
  vs->state = VS_UP;
  GOST_INFO(vm->ctx, "tunnel: visitor session to %s up", vm->node->addr);
  while (!gost_list_empty(&vs->waiters)) {
    struct vop *op = gost_container_of(vs->waiters.next, struct vop, link);
    gost_list_remove(&op->link);
    gost_list_init(&op->link);
    vs->nwait--;
    if (op_start(vs, op) != GOST_OK) op_finish(op, NULL, GOST_EUNSUPPORTED); /* full: its own carrier */
  }
}

/* The carrier is up (after the dialer's wrap): ask for a session. */
static void ask(struct vsess *vs, gost_stream *s) {
  struct vmux *vm = vs->vm;
  struct gost_tunnel_opts o;
  uint8_t req[GOST__RELAY_MSG_MAX];
  char src[64];
  gost__tunnel_sockaddr_str(&s->local, src, sizeof src);
  int n = gost__tunnel_opts(vm->node, vm->ctx, &o);
  if (n == GOST_OK) {
    o.has_id = 1;
    memcpy(o.id, gost__relay_vmux_id, 16);
    o.weight = 0;
    n = gost__tunnel_build_request(vm->node, &o, GOST__RELAY_CMD_CONNECT, 0, src, "", req, sizeof req);
  }
  if (n < 0 || gost_stream_write_buf(s, req, (size_t)n, NULL, NULL) != GOST_OK) {
    gost_stream_close(s);
    return vs_fail(vs, GOST_VMUX_RETRY_NET_S, "writing the request failed");
  }
  vs->state = VS_ASKING;
  vs->s = s;
  vs->rd = gost__msg_read(vm->ctx, s, 4 + 65535, o.connect_timeout_ms, parse_response, &vs->resp, on_answer, vs);
  if (!vs->rd) vs_fail(vs, GOST_VMUX_RETRY_NET_S, "out of memory");
}

static void on_wrapped(gost_ctx_t *ctx, gost_stream *s, int status, void *user) {
  struct vsess *vs = user;
  vs->wrapping = 0;
  if (vs->dead) { /* the node went away meanwhile */
    if (s) gost_stream_close(s);
    gost__free(ctx, vs);
    return;
  }
  if (status != GOST_OK) return vs_fail(vs, GOST_VMUX_RETRY_NET_S, gost_strerror(status));
  ask(vs, s);
}

static void on_connected(gost_ctx_t *ctx, gost_stream *s, int status, void *user) {
  struct vsess *vs = user;
  struct gost_node *node = vs->vm->node;
  vs->conn = NULL;
  if (status != GOST_OK) return vs_fail(vs, GOST_VMUX_RETRY_NET_S, gost_strerror(status));
  const char *dname = node->dialer ? node->dialer : "tcp";
  if (!strcmp(dname, "tcp")) return ask(vs, s);
  const struct gost_dialer_ops *dl = gost__dialer_find(dname);
  vs->wrapping = 1;
  int rc = dl ? dl->wrap(node, ctx, s, on_wrapped, vs) : GOST_EUNSUPPORTED;
  if (rc != GOST_OK) {
    vs->wrapping = 0;
    gost_stream_close(s);
    vs_fail(vs, GOST_VMUX_RETRY_NET_S, gost_strerror(rc));
  }
}

static void vmux_free(void *state) {
  struct vmux *vm = state;
  while (!gost_list_empty(&vm->sessions))
    vs_free(gost_container_of(vm->sessions.next, struct vsess, link), GOST_ECLOSED);
  gost__free(vm->ctx, vm);
}

static struct vmux *vmux_of(struct gost_node *node, gost_ctx_t *ctx) {
  if (node->conn_state) return node->conn_state;
  struct vmux *vm = gost__calloc(ctx, 1, sizeof *vm);
  if (!vm) return NULL;
  vm->ctx = ctx;
  vm->node = node;
  gost_list_init(&vm->sessions);
  node->conn_state = vm;
  node->conn_state_free = vmux_free;
  return vm;
}

static struct vsess *vs_new(struct vmux *vm) {
  struct vsess *vs = gost__calloc(vm->ctx, 1, sizeof *vs);
  if (!vs) return NULL;
  vs->vm = vm;
  gost_list_init(&vs->waiters);
  vs->conn = gost__tcp_connect(vm->ctx, vm->node->addr, on_connected, vs);
  if (!vs->conn) {
    gost__free(vm->ctx, vs);
    return NULL;
  }
  gost_list_insert_tail(&vm->sessions, &vs->link);
  vm->nsessions++;
  return vs;
}

int gost__tunnel_mux_open(struct gost_node *node, gost_ctx_t *ctx, const char *network, const char *addr,
                          const struct gost_conn_info *info, gost_stream_ready_cb cb, void *user, void **out) {
  struct gost_tunnel_opts o;
  if (gost__tunnel_opts(node, ctx, &o) != GOST_OK || !o.mux) return GOST_EUNSUPPORTED;
  struct vmux *vm = vmux_of(node, ctx);
  if (!vm || ev_now(ctx->loop) < vm->off_until) return GOST_EUNSUPPORTED;
  struct vop *op = gost__calloc(ctx, 1, sizeof *op);
  if (!op || !(op->addr = gost__strdup(ctx, addr ? addr : ""))) {
    gost__free(ctx, op);
    return GOST_EUNSUPPORTED;
  }
  op->ctx = ctx;
  op->node = node;
  op->udp = network && !strncmp(network, "udp", 3);
  op->info = info;
  op->cb = cb;
  op->user = user;
  gost_list_init(&op->link);
  struct vsess *forming = NULL;
  struct gost_list *pos;
  gost_list_foreach(pos, &vm->sessions) {
    struct vsess *vs = gost_container_of(pos, struct vsess, link);
    if (vs->state != VS_UP) {
      if (!forming && vs->nwait < GOST_VMUX_WAITERS_MAX) forming = vs;
    } else if (gost__mux_session_has_room(vs->sess) && op_start(vs, op) == GOST_OK) {
      *out = op;
      return GOST_OK;
    }
  }
  if (!forming && (vm->nsessions >= GOST_VMUX_SESSIONS_MAX || !(forming = vs_new(vm)))) {
    op_free(op);
    return GOST_EUNSUPPORTED;
  }
  op->vs = forming;
  gost_list_insert_tail(&forming->waiters, &op->link);
  forming->nwait++;
  *out = op;
  return GOST_OK;
}

void gost__tunnel_mux_cancel(void *p) {
  struct vop *op = p;
  if (!op) return;
  if (op->vs) { /* still waiting for the carrier */
    gost_list_remove(&op->link);
    op->vs->nwait--;
    op_free(op);
    return;
  }
  op->cancelled = 1; /* op_done frees it */
}
