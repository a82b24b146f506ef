/* Shared plumbing of the proxy handlers "http", "socks5"/"socks" and "auto": per-connection
 * state tracked by the service, dialing the requested target through the service chain, the
 * final pipe, and "write this reply, then close". */
#ifndef GOST_HANDLER_PROXY_H
#define GOST_HANDLER_PROXY_H

#include "chain/dial.h"
#include "codec/socks5.h"
#include "core/list.h"
#include "io/msgread.h"
#include "io/pipe.h"
#include "model/service.h"

#define GOST__PROXY_TARGET_MAX (GOST__SOCKS5_NAME_MAX + 16) /* "[host]:65535" */

struct gost_proxy_state {
  struct gost_list conns;
  uint64_t idle_ms;      /* pipe idle timeout, 0: none */
  uint64_t read_ms;      /* bound on reading a handshake or request head */
  const char *realm;     /* Basic realm for 407 */
};

struct gost_proxy_conn;
/* Called when the target dial finished: s is the target stream (status 0) or NULL. */
typedef void (*gost_proxy_dialed_fn)(struct gost_proxy_conn *pc, gost_stream *s, int status);

struct gost_proxy_conn {
  struct gost_list link;
  gost_service_t *svc;
  gost_stream *client;
  struct gost_msg_read *mr; /* in-flight handshake read */
  struct gost_dial *dial;
  struct gost_pipe *pipe;
  /* a session that took the client over (socks5 BIND, UDP): ended with the connection */
  void *session;
  void (*session_free)(void *session);
  int closing; /* a last reply is being flushed; the connection ends once it is */
  char target[GOST__PROXY_TARGET_MAX];
  gost_proxy_dialed_fn dialed;
  /* http: a private copy of the request head (parsed slices point into it) */
  char *head;
  size_t head_len;
  /* socks5: the message being read */
  union {
    struct gost_socks5_greeting greet;
    struct gost_socks5_userpass up;
    struct gost_socks5_msg req;
  } s5;
  uint8_t first; /* auto: the peeked first byte */
  struct gost_auth_query auth; /* credentials check in progress */
};

/* Handler start/stop shared by all proxy handlers (metadata: readTimeout, idleTimeout, realm). */
int gost__proxy_start(gost_service_t *svc);
void gost__proxy_stop(gost_service_t *svc);
/* New tracked connection owning s; NULL (s closed, connection counted done) on ENOMEM. */
struct gost_proxy_conn *gost__proxy_conn_new(gost_service_t *svc, gost_stream *s);
/* Ends the connection now: everything closed, stats counted, freed. */
void gost__proxy_conn_end(struct gost_proxy_conn *pc);
/* Sends a last reply and ends the connection once it is flushed (or at once on error). */
void gost__proxy_reply_close(struct gost_proxy_conn *pc, const void *p, size_t n);
/* Dials pc->target over "tcp" through the service chain; pc->dialed fires once. */
void gost__proxy_dial(struct gost_proxy_conn *pc, gost_proxy_dialed_fn dialed);
/* Joins the client with the target stream s (ownership of s moves in). */
void gost__proxy_pipe(struct gost_proxy_conn *pc, gost_stream *s);
/* Sets pc->target to "host:port", bracketing IPv6 literals. GOST_EINVAL if it does not fit. */
int gost__proxy_set_target(struct gost_proxy_conn *pc, const char *host, size_t hlen, uint16_t port);

/* Protocol entry points once the client stream is tracked (used by "auto" too). */
void gost__http_proxy_begin(struct gost_proxy_conn *pc);
void gost__socks5_begin(struct gost_proxy_conn *pc);
/* socks5.c: a reply with code rep and the bound address (0.0.0.0:0 when NULL). */
void gost__socks5_reply(struct gost_proxy_conn *pc, uint8_t rep, const struct sockaddr *bound,
                        int then_close);
/* socks5_bind.c: MUX BIND (udp 0) or UDP-over-TCP (udp 1) for pc->s5.req. */
void gost__socks5_bind(struct gost_proxy_conn *pc, int udp);
/* socks5_bind.c: checks bind=true and makes the listen text of pc->s5.req; on failure the
 * client has been answered (0x02 not allowed, 0x01 failure) and the connection ends. */
int gost__socks5_bind_addr(struct gost_proxy_conn *pc, char *addr, size_t cap);
/* socks5_bind.c: the first BIND reply: the host the client reached us on, the listening port. */
void gost__socks5_bind_reply_bound(struct gost_proxy_conn *pc, const struct sockaddr_storage *listening);
/* socks5_bind_plain.c: RFC 1928 BIND (0x02, bind=true): one peer connection, two replies. */
void gost__socks5_bind_plain(struct gost_proxy_conn *pc);
/* socks5_udp.c: UDP-over-TCP relay (0xF3 with port 0, udp=true) for pc->s5.req. */
void gost__socks5_udp_tun(struct gost_proxy_conn *pc);
/* socks5_udp.c: UDP ASSOCIATE (udp=true) for pc->s5.req. */
void gost__socks5_udp_associate(struct gost_proxy_conn *pc);

#endif
