/* "socks5" (alias "socks") handler: RFC 1928 with no-auth or RFC 1929 username/password
 * (required whenever the service has credentials). CONNECT dials the target through the
 * service chain and replies with the address bound towards it. GOST's multiplexed BIND (0xF2)
 * and UDP-over-TCP (0xF3) are in socks5_bind.c, plain BIND (0x02) in socks5_bind_plain.c,
 * UDP ASSOCIATE in socks5_udp.c. */
#include <arpa/inet.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "handler/proxy.h"
#include "handler/handlers.h"

#define MSG_MAX 1024 /* every SOCKS5 client message is smaller: a peer sending more is broken */

static void read_next(struct gost_proxy_conn *pc, gost_msg_parse_fn parse, gost_msg_read_cb cb) {
  struct gost_proxy_state *st = pc->svc->handler_state;
  pc->mr = gost__msg_read(pc->svc->ctx, pc->client, MSG_MAX, st->read_ms, parse, pc, cb, pc);
  if (!pc->mr) gost__proxy_conn_end(pc);
}

/* Common head of every read callback: 1 when the handshake goes on. */
static int read_ok(struct gost_proxy_conn *pc, gost_stream *s, int status) {
  pc->mr = NULL;
  pc->client = s;
  if (status == 0) return 1;
  GOST_DEBUG(s->ctx, "socks5: handshake: %s", gost_strerror(status));
  gost__proxy_conn_end(pc); /* garbage, EOF or timeout: nothing sensible to answer */
  return 0;
}

void gost__socks5_reply(struct gost_proxy_conn *pc, uint8_t rep, const struct sockaddr *bound,
                        int then_close) {
  struct gost_socks5_msg m = {.code = rep, .addr = {.atyp = GOST__SOCKS5_ATYP_IPV4}};
  if (bound && bound->sa_family) gost__socks5_addr_from_sockaddr(bound, &m.addr);
  uint8_t out[GOST__SOCKS5_MSG_MAX];
  size_t n = 0;
  gost__socks5_encode_reply(&m, out, sizeof out, &n);
  if (then_close) gost__proxy_reply_close(pc, out, n);
  else gost_stream_write_buf(pc->client, out, n, NULL, NULL);
}

static void on_dialed(struct gost_proxy_conn *pc, gost_stream *s, int status) {
  if (status < 0) {
    uint8_t rep = status == GOST_ECONNREFUSED ? GOST__SOCKS5_REP_CONN_REFUSED
                  : status == GOST_EDENIED    ? GOST__SOCKS5_REP_NOT_ALLOWED /* bypass, as stock */
                                              : GOST__SOCKS5_REP_HOST_UNREACHABLE;
    gost__socks5_reply(pc, rep, NULL, 1);
    return;
  }
  gost__socks5_reply(pc, GOST__SOCKS5_REP_SUCCEEDED, &s->local.sa, 0);
  gost__proxy_pipe(pc, s);
}

static int parse_request(const uint8_t *b, size_t n, void *out, size_t *used) {
  return gost__socks5_decode_request(b, n, &((struct gost_proxy_conn *)out)->s5.req, used);
}

static void on_request(gost_stream *s, int status, void *user) {
  struct gost_proxy_conn *pc = user;
  if (!read_ok(pc, s, status)) return;
  const struct gost_socks5_msg *r = &pc->s5.req;
  if (r->code == GOST__SOCKS5_CMD_MUX_BIND || r->code == GOST__SOCKS5_CMD_UDP_TUN) {
    gost__socks5_bind(pc, r->code == GOST__SOCKS5_CMD_UDP_TUN);
    return;
  }
  if (r->code == GOST__SOCKS5_CMD_BIND) {
    gost__socks5_bind_plain(pc);
    return;
  }
  if (r->code == GOST__SOCKS5_CMD_UDP_ASSOCIATE) {
    gost__socks5_udp_associate(pc);
    return;
  }
  if (r->code != GOST__SOCKS5_CMD_CONNECT) {
    GOST_DEBUG(s->ctx, "socks5: command 0x%02x not supported", r->code);
    gost__socks5_reply(pc, GOST__SOCKS5_REP_CMD_UNSUPPORTED, NULL, 1);
    return;
  }
  char ip[64];
  const char *host = r->addr.host;
  size_t hlen = r->addr.host_len;
  if (r->addr.atyp != GOST__SOCKS5_ATYP_DOMAIN) {
    int af = r->addr.atyp == GOST__SOCKS5_ATYP_IPV4 ? AF_INET : AF_INET6;
    if (!inet_ntop(af, r->addr.ip, ip, sizeof ip)) ip[0] = '\0';
    host = ip;
    hlen = strlen(ip);
  }
  if (gost__proxy_set_target(pc, host, hlen, r->addr.port) != 0) {
    gost__socks5_reply(pc, GOST__SOCKS5_REP_ATYP_UNSUPPORTED, NULL, 1);
    return;
  }
  gost__proxy_dial(pc, on_dialed);
}

static int parse_userpass(const uint8_t *b, size_t n, void *out, size_t *used) {
  return gost__socks5_decode_userpass(b, n, &((struct gost_proxy_conn *)out)->s5.up, used);
}

static void on_auth(struct gost_auth_query *q, int ok);
static void auth_answer(struct gost_proxy_conn *pc, int ok);

static void on_userpass(gost_stream *s, int status, void *user) {
  struct gost_proxy_conn *pc = user;
  if (!read_ok(pc, s, status)) return;
  /* RFC 1929 fields have lengths: a NUL inside ("user\0") must not end them early */
  const struct gost_socks5_userpass *up = &pc->s5.up;
  if (memchr(up->user, 0, up->ulen) || memchr(up->pass, 0, up->plen)) return auth_answer(pc, 0);
  gost__service_auth(pc->svc, &pc->auth, up->user, up->pass, on_auth, pc);
}

static void on_auth(struct gost_auth_query *q, int ok) { auth_answer(q->data, ok); }

static void auth_answer(struct gost_proxy_conn *pc, int ok) {
  gost_stream *s = pc->client;
  uint8_t out[2];
  size_t n = 0;
  gost__socks5_encode_userpass_reply(ok ? 0x00 : 0x01, out, sizeof out, &n);
  if (!ok) {
    GOST_WARN(s->ctx, "socks5: authentication failed for %s", pc->s5.up.user);
    gost__proxy_reply_close(pc, out, n);
    return;
  }
  gost_stream_write_buf(pc->client, out, n, NULL, NULL);
  read_next(pc, parse_request, on_request);
}

static int parse_greeting(const uint8_t *b, size_t n, void *out, size_t *used) {
  return gost__socks5_decode_greeting(b, n, &((struct gost_proxy_conn *)out)->s5.greet, used);
}

static void on_greeting(gost_stream *s, int status, void *user) {
  struct gost_proxy_conn *pc = user;
  if (!read_ok(pc, s, status)) return;
  /* credentials configured: only user/pass will do; else no-auth */
  uint8_t want = pc->svc->nauths ? GOST__SOCKS5_METHOD_USERPASS : GOST__SOCKS5_METHOD_NONE;
  uint8_t method = GOST__SOCKS5_METHOD_NO_ACCEPTABLE;
  for (unsigned i = 0; i < pc->s5.greet.nmethods; i++)
    if (pc->s5.greet.methods[i] == want) method = want;
  uint8_t out[2];
  size_t n = 0;
  gost__socks5_encode_method(method, out, sizeof out, &n);
  if (method == GOST__SOCKS5_METHOD_NO_ACCEPTABLE) {
    gost__proxy_reply_close(pc, out, n);
    return;
  }
  gost_stream_write_buf(pc->client, out, n, NULL, NULL);
  if (method == GOST__SOCKS5_METHOD_USERPASS) read_next(pc, parse_userpass, on_userpass);
  else read_next(pc, parse_request, on_request);
}

void gost__socks5_begin(struct gost_proxy_conn *pc) { read_next(pc, parse_greeting, on_greeting); }

static void socks5_handle(gost_service_t *svc, gost_stream *s, const struct gost_conn_info *info) {
  (void)info;
  struct gost_proxy_conn *pc = gost__proxy_conn_new(svc, s);
  if (pc) gost__socks5_begin(pc);
}

const struct gost_handler_ops gost__handler_socks5 = {"socks5", gost__proxy_start, socks5_handle,
                                                      gost__proxy_stop};
const struct gost_handler_ops gost__handler_socks = {"socks", gost__proxy_start, socks5_handle,
                                                     gost__proxy_stop};
