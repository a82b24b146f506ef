/* "socks5" (alias "socks") connector: RFC 1928 greeting offering no-auth, or user/pass (RFC
 * 1929) when the node has credentials, then CONNECT. One step at a time, each reply read with
 * a bound and a timeout. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "codec/relay.h"
#include "connector/socks5.h"
#include "core/error.h"
#include "core/log.h"
#include "io/dgramframe.h"
#include "io/msgread.h"
#include "io/sock.h"
#include "connector/connectors.h"

struct gost_socks5_op {
  gost_ctx_t *ctx;
  struct gost_node *node;
  gost_socks5_reply_cb cb;
  void *user;
  struct gost_msg_read *mr;  /* the step in flight */
  struct gost_socks5_msg req;
  uint8_t byte;              /* selected method or auth status */
  struct gost_socks5_msg rep;
};
#define sc gost_socks5_op

static void sc_done(struct sc *c, gost_stream *s, int status) {
  gost_ctx_t *ctx = c->ctx;
  gost_socks5_reply_cb cb = c->cb;
  void *u = c->user;
  struct gost_socks5_msg rep = c->rep;
  if (status != 0) {
    GOST_WARN(ctx, "socks5 connector: %s", gost_strerror(status));
    gost_stream_close(s);
    s = NULL;
  }
  gost__free(ctx, c);
  cb(s, status, &rep, u);
}

/* Writes msg and reads the answer with parse; sc_done on failure. */
static void step(struct sc *c, gost_stream *s, const uint8_t *msg, size_t n, gost_msg_parse_fn parse,
                 gost_msg_read_cb next) {
  c->mr = NULL;
  if (gost_stream_write_buf(s, msg, n, NULL, NULL) != 0 ||
      !(c->mr = gost__msg_read(c->ctx, s, GOST__SOCKS5_MSG_MAX, GOST_CONNECT_TIMEOUT_MS, parse, c, next, c)))
    sc_done(c, s, GOST_EIO);
}

static int parse_reply(const uint8_t *b, size_t n, void *out, size_t *used) {
  return gost__socks5_decode_reply(b, n, &((struct sc *)out)->rep, used);
}

static void on_reply(gost_stream *s, int status, void *user) {
  struct sc *c = user;
  c->mr = NULL;
  if (status == 0 && c->rep.code != GOST__SOCKS5_REP_SUCCEEDED)
    status = gost__error(c->rep.code == GOST__SOCKS5_REP_CONN_REFUSED ? GOST_ECONNREFUSED : GOST_EUNREACH,
                         "socks5 connector: reply 0x%02x", c->rep.code);
  sc_done(c, s, status);
}

static void send_request(struct sc *c, gost_stream *s) {
  uint8_t out[GOST__SOCKS5_MSG_MAX];
  size_t n = 0;
  gost__socks5_encode_request(&c->req, out, sizeof out, &n);
  step(c, s, out, n, parse_reply, on_reply);
}

static int parse_auth(const uint8_t *b, size_t n, void *out, size_t *used) {
  return gost__socks5_decode_userpass_reply(b, n, &((struct sc *)out)->byte, used);
}

static void on_auth(gost_stream *s, int status, void *user) {
  struct sc *c = user;
  c->mr = NULL;
  if (status == 0 && c->byte != 0) status = gost__error(GOST_EAUTH, "socks5 connector: rejected");
  if (status != 0) sc_done(c, s, status);
  else send_request(c, s);
}

static int parse_method(const uint8_t *b, size_t n, void *out, size_t *used) {
  return gost__socks5_decode_method(b, n, &((struct sc *)out)->byte, used);
}

static void on_method(gost_stream *s, int status, void *user) {
  struct sc *c = user;
  c->mr = NULL;
  if (status != 0) {
    sc_done(c, s, status);
  } else if (c->byte == GOST__SOCKS5_METHOD_NONE) {
    send_request(c, s);
  } else if (c->byte == GOST__SOCKS5_METHOD_USERPASS && c->node->user) {
    struct gost_socks5_userpass up = {0};
    const char *pass = c->node->pass ? c->node->pass : "";
    size_t ul = strlen(c->node->user), pl = strlen(pass);
    uint8_t out[3 + 2 * GOST__SOCKS5_NAME_MAX];
    size_t n = 0;
    if (ul > GOST__SOCKS5_NAME_MAX || pl > GOST__SOCKS5_NAME_MAX) {
      sc_done(c, s, gost__error(GOST_EINVAL, "socks5 connector: credentials too long"));
      return;
    }
    up.ulen = (uint8_t)ul;
    up.plen = (uint8_t)pl;
    memcpy(up.user, c->node->user, ul);
    memcpy(up.pass, pass, pl);
    gost__socks5_encode_userpass(&up, out, sizeof out, &n);
    step(c, s, out, n, parse_auth, on_auth);
  } else {
    sc_done(c, s, gost__error(GOST_EAUTH, "socks5 connector: no acceptable method"));
  }
}

/* "host:port" into a SOCKS5 address: IP literals as such, anything else as a domain. */
static int addr_parse(const char *addr, struct gost_socks5_addr *a) {
  const char *h, *p;
  size_t hl, pl;
  char host[GOST__SOCKS5_NAME_MAX + 1], port[8];
  if (gost__hostport_split(addr, strlen(addr), &h, &hl, &p, &pl) != 0 || hl == 0 ||
      hl > GOST__SOCKS5_NAME_MAX || pl == 0 || pl >= sizeof port)
    return GOST_EINVAL;
  memcpy(host, h, hl);
  host[hl] = '\0';
  memcpy(port, p, pl);
  port[pl] = '\0';
  char *end;
  unsigned long pn = strtoul(port, &end, 10);
  if (*end || pn > 65535) return GOST_EINVAL;
  memset(a, 0, sizeof *a);
  a->port = (uint16_t)pn;
  if (inet_pton(AF_INET, host, a->ip) == 1) a->atyp = GOST__SOCKS5_ATYP_IPV4;
  else if (inet_pton(AF_INET6, host, a->ip) == 1) a->atyp = GOST__SOCKS5_ATYP_IPV6;
  else return gost__socks5_addr_set_domain(a, host, hl, a->port);
  return GOST_OK;
}

struct gost_socks5_op *gost__socks5_request(struct gost_node *node, gost_ctx_t *ctx, gost_stream *s,
                                            uint8_t cmd, const char *addr, gost_socks5_reply_cb cb,
                                            void *user) {
  struct sc *c = gost__calloc(ctx, 1, sizeof *c);
  if (!c) {
    gost__error(GOST_ENOMEM, "socks5 connector");
    return NULL;
  }
  c->ctx = ctx;
  c->node = node;
  c->cb = cb;
  c->user = user;
  c->req.code = cmd;
  if (addr_parse(addr, &c->req.addr) != 0) {
    gost__free(ctx, c);
    gost__error(GOST_EINVAL, "socks5 connector: bad address %s", addr);
    return NULL;
  }
  /* offer user/pass only when we have credentials, so a no-auth server is not confused */
  uint8_t greet[4] = {GOST__SOCKS5_VERSION, 1, GOST__SOCKS5_METHOD_NONE, 0};
  size_t n = 3;
  if (node->user) {
    greet[1] = 2;
    greet[3] = GOST__SOCKS5_METHOD_USERPASS;
    n = 4;
  }
  if (gost_stream_write_buf(s, greet, n, NULL, NULL) != 0 ||
      !(c->mr = gost__msg_read(ctx, s, GOST__SOCKS5_MSG_MAX, GOST_CONNECT_TIMEOUT_MS, parse_method, c,
                               on_method, c))) {
    gost__free(ctx, c);
    gost__error(GOST_EIO, "socks5 connector: writing the greeting");
    return NULL;
  }
  return c;
}

void gost__socks5_op_cancel(struct gost_socks5_op *c) {
  if (!c) return;
  gost__msg_read_cancel(c->mr);
  gost__free(c->ctx, c);
}

struct connect_ctx {
  gost_ctx_t *ctx;
  gost_stream_ready_cb cb;
  void *user;
  int udp;
  struct gost_relay_addr target; /* udp: where every datagram goes */
};

static void connect_done(gost_stream *s, int status, const struct gost_socks5_msg *rep, void *user) {
  (void)rep;
  struct connect_ctx *k = user;
  gost_ctx_t *ctx = k->ctx;
  gost_stream_ready_cb cb = k->cb;
  void *u = k->user;
  if (status == 0 && k->udp) {
    gost_stream *d = gost__dgramframe_new_socks(ctx, s, &k->target);
    if (!d) {
      gost_stream_close(s);
      status = gost__error(GOST_ENOMEM, "socks5 connector: udp");
    }
    s = d;
  }
  gost__free(ctx, k);
  cb(ctx, status == 0 ? s : NULL, status, u);
}

static int request(struct gost_node *node, gost_ctx_t *ctx, gost_stream *s, int udp, const char *addr,
                   gost_stream_ready_cb cb, void *user) {
  struct connect_ctx *k = gost__calloc(ctx, 1, sizeof *k);
  if (!k) return gost__error(GOST_ENOMEM, "socks5 connector");
  k->ctx = ctx;
  k->cb = cb;
  k->user = user;
  k->udp = udp;
  if (udp && gost__relay_addr_from_string(&k->target, addr, strlen(addr)) != GOST_OK) {
    gost__free(ctx, k);
    return gost__error(GOST_EINVAL, "socks5 connector: bad udp target %s", addr);
  }
  /* UDP-over-TCP: port 0 asks for a relay (a non-zero port would be a bind) */
  if (!gost__socks5_request(node, ctx, s, udp ? GOST__SOCKS5_CMD_UDP_TUN : GOST__SOCKS5_CMD_CONNECT,
                            udp ? "0.0.0.0:0" : addr, connect_done, k)) {
    gost__free(ctx, k);
    return GOST_EIO;
  }
  return 0;
}

int gost__socks5_connect_udp(struct gost_node *node, gost_ctx_t *ctx, gost_stream *s, const char *addr,
                             gost_stream_ready_cb cb, void *user) {
  return request(node, ctx, s, 1, addr, cb, user);
}

static int socks5_connect(struct gost_node *node, gost_ctx_t *ctx, gost_stream *s, const char *network,
                          const char *addr, const struct gost_conn_info *info, gost_stream_ready_cb cb,
                          void *user) {
  (void)info;
  if (network && !strcmp(network, "udp")) return gost__socks5_connect_udp(node, ctx, s, addr, cb, user);
  if (network && strcmp(network, "tcp") != 0)
    return gost__error(GOST_EUNSUPPORTED, "socks5 connector: only tcp and udp (asked %s)", network);
  return request(node, ctx, s, 0, addr, cb, user);
}

const struct gost_connector_ops gost__connector_socks5 = {.name = "socks5", .connect = socks5_connect};
const struct gost_connector_ops gost__connector_socks = {.name = "socks", .connect = socks5_connect};
