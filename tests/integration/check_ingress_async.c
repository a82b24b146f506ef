/* The tunnel server with an ingress whose rule source answers later (from the loop), as a
 * Redis or HTTP source would: the entrypoint (HTTP Host) and BIND's custom name wait for the
 * answer, and a lookup still pending when the server goes is cancelled. The same for an auther
 * that answers later (BIND with right and wrong credentials).
 * The "delayed" source below is also the worked example of docs/design.md. */
#include <fcntl.h>
#include <stdio.h>

#include "api/api_int.h"
#include "gost/gost.h"
#include "ingress/ingress.h"
#include "model/service.h"
#include "loopback_peers.h"
#include "harness.h"

#define TID "4d21094e-b74c-4916-86c1-d9fa36ea677b"

/* ---- a rule source that answers after a delay: memory rules, timer-deferred answers ---- */

struct delayed {
  struct ev_loop *loop;
  void *rules; /* a memory source holds the rules */
  double delay;
  int lookups, answers, cancels;
};

struct delayed_req {
  ev_timer timer;
  struct delayed *d;
  struct gost_ingress_query *q;
};

static void delayed_fire(struct ev_loop *l, ev_timer *w, int revents) {
  (void)l, (void)revents;
  struct delayed_req *r = (struct delayed_req *)w;
  struct gost_ingress_query *q = r->q;
  const struct gost_ingress_rule *rule = gost__ingress_memory_match(r->d->rules, q->host);
  if (rule) {
    memcpy(q->tunnel_id, rule->id, sizeof q->tunnel_id);
    q->is_private = rule->priv;
  }
  r->d->answers++;
  free(r);
  gost__ingress_done(q, rule ? GOST_OK : GOST_ENOTFOUND);
}

static void delayed_lookup(void *backend, struct gost_ingress_query *q) {
  struct delayed *d = backend;
  struct delayed_req *r = calloc(1, sizeof *r);
  ck_assert_ptr_nonnull(r);
  r->d = d;
  r->q = q;
  q->backend_data = r;
  d->lookups++;
  ev_timer_init(&r->timer, delayed_fire, d->delay, 0);
  ev_timer_start(d->loop, &r->timer);
}

static void delayed_cancel(void *backend, struct gost_ingress_query *q) {
  struct delayed *d = backend;
  struct delayed_req *r = q->backend_data;
  ev_timer_stop(d->loop, &r->timer);
  free(r);
  d->cancels++;
}

static int delayed_set(void *backend, const char *host, const uint8_t id[16], int priv) {
  return gost__ingress_memory_ops.set_rule(((struct delayed *)backend)->rules, host, id, priv);
}

static size_t delayed_count(const void *backend) {
  return gost__ingress_memory_ops.count(((const struct delayed *)backend)->rules);
}

static void delayed_free(void *backend) {
  gost__ingress_memory_ops.free(((struct delayed *)backend)->rules);
}

static const struct gost_ingress_ops delayed_ops = {
    .name = "delayed", .lookup = delayed_lookup, .cancel = delayed_cancel,
    .set_rule = delayed_set, .remove_rule = NULL, .count = delayed_count, .free = delayed_free};

/* ---- the scenario ---- */

static struct ev_loop *loop;
static gost_ctx_t *ctx;
static struct delayed src;
static struct lp_backend http_be;
static int registered;
static char endpoint[256];

static void on_state(gost_tunnel_t *t, int state, const char *detail, void *user) {
  (void)user;
  if (state == GOST_TUNNEL_REGISTERED) registered++, snprintf(endpoint, sizeof endpoint, "%s", gost_tunnel_endpoint(t));
  (void)detail;
}

static gost_service_t *start_server(uint16_t *tport, uint16_t *eport) {
  gost_ingress_t *ing;
  src = (struct delayed){.loop = loop, .rules = gost__ingress_memory_new(ctx), .delay = 0.05};
  ck_assert_int_eq(gost__ingress_new_with(&ing, ctx, "delayed", &delayed_ops, &src), 0);
  ck_assert_int_eq(gost_ingress_set_rule(ing, "example.com", TID), 0);
  ck_assert_int_eq(gost_ingress_set_rule(ing, "web.example.com", TID), 0);
  ck_assert_uint_eq(gost_ingress_rule_count(ing), 2);
  gost_service_t *svc;
  ck_assert_int_eq(gost_service_new(&svc, ctx, "server"), 0);
  ck_assert_int_eq(gost_service_set_listener(svc, "tcp", "127.0.0.1:0"), 0);
  ck_assert_int_eq(gost_service_set_handler(svc, "tunnel"), 0);
  ck_assert_int_eq(gost_service_set_meta(svc, "handler", "entrypoint", "127.0.0.1:0"), 0);
  ck_assert_int_eq(gost_service_set_ingress(svc, ing), 0);
  gost_ingress_free(ing); /* the service holds it */
  ck_assert_int_eq(gost_service_start(svc), 0);
  *tport = gost_service_port(svc);
  *eport = gost_service_entrypoint_port(svc);
  return svc;
}

/* A client that asks for the custom name web.example.com (its own in the ingress). */
static gost_tunnel_t *start_client(uint16_t tport) {
  char url[64], a[32];
  snprintf(url, sizeof url, "tunnel://127.0.0.1:%u", tport);
  gost_tunnel_t *t;
  ck_assert_int_eq(gost_tunnel_new(&t, ctx, url, TID, "web.example.com"), 0);
  ck_assert_int_eq(gost_tunnel_set_state_cb(t, on_state, NULL), 0);
  snprintf(a, sizeof a, "127.0.0.1:%u", lp_backend_start(loop, &http_be, 'H', 0));
  ck_assert_int_eq(gost_tunnel_add_target(t, a, NULL), 0);
  ck_assert_int_eq(gost_tunnel_start(t), 0);
  return t;
}

static void setup(void) {
  loop = ev_loop_new(EVFLAG_AUTO);
  ck_assert_int_eq(gost_ctx_new_with_loop(&ctx, loop), 0);
  registered = 0;
}

static void teardown(void) {
  gost_ctx_free(ctx);
  lp_backend_stop(loop, &http_be);
  ev_loop_destroy(loop);
}

static int seen_connectors;
static void on_connector(gost_service_t *svc, const gost_connector_info_t *info, void *user) {
  ck_assert_ptr_eq(svc, user); /* handle first */
  ck_assert_uint_eq(info->size, sizeof *info);
  ck_assert_str_eq(info->tunnel_id, TID);
  ck_assert_int_eq(info->udp, 0);
  seen_connectors++;
}

START_TEST(routes_after_a_late_answer) {
  uint16_t tport, eport;
  gost_service_t *server = start_server(&tport, &eport);
  start_client(tport);
  int one = 0;
  for (double end = ev_time() + 10; !registered && ev_time() < end;) lp_spin(loop, &one, 0.02);
  ck_assert_int_eq(registered, 1);
  ck_assert_str_eq(endpoint, "web.example.com"); /* BIND kept the name after the lookup */
  ck_assert_int_ge(src.answers, 1);
  ck_assert_int_eq(gost_service_connectors(server, on_connector, server), 1);
  ck_assert_int_eq(seen_connectors, 1);

  char buf[4096];
  static const char req[] = "GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n";
  int fd = lp_connect(SOCK_STREAM, eport);
  lp_write_all(fd, req, sizeof req - 1);
  ck_assert_msg(lp_recv_until(loop, fd, buf, sizeof buf, "hello", 10), "HTTP reply: %s", buf);
  ck_assert(strstr(buf, "200 OK") != NULL);
  close(fd);

  static const char nope[] = "GET / HTTP/1.1\r\nHost: nope.test\r\nConnection: close\r\n\r\n";
  int before = src.answers;
  fd = lp_connect(SOCK_STREAM, eport);
  lp_write_all(fd, nope, sizeof nope - 1);
  ck_assert_msg(lp_recv_until(loop, fd, buf, sizeof buf, "502", 10), "HTTP reply: %s", buf);
  ck_assert_int_eq(src.answers, before + 1);
  close(fd);
  ck_assert_int_eq(src.cancels, 0);
}
END_TEST

START_TEST(pending_lookup_cancelled_when_the_server_goes) {
  uint16_t tport, eport;
  gost_service_t *svc = start_server(&tport, &eport);
  src.delay = 30; /* never answers within the test */
  static const char req[] = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
  int fd = lp_connect(SOCK_STREAM, eport);
  lp_write_all(fd, req, sizeof req - 1);
  int never = 0;
  for (double end = ev_time() + 5; src.lookups < 1 && ev_time() < end;) lp_spin(loop, &never, 0.01);
  ck_assert_int_eq(src.lookups, 1);
  gost_service_free(svc);
  ck_assert_int_eq(src.cancels, 1);
  ck_assert_int_eq(src.answers, 0);
  close(fd);
}
END_TEST

/* ---- an auther that answers later: accepts user "u" with password "p" ---- */

struct delayed_auth {
  ev_timer timer;
  struct gost_auth_query *q;
  int checks, cancels;
};
static struct delayed_auth dauth;

static void dauth_fire(struct ev_loop *l, ev_timer *w, int revents) {
  (void)l, (void)w, (void)revents;
  struct gost_auth_query *q = dauth.q;
  dauth.q = NULL;
  gost__auth_done(q, q->user && !strcmp(q->user, "u") && !strcmp(q->pass, "p"));
}

static void dauth_check(void *backend, struct gost_auth_query *q) {
  (void)backend;
  ck_assert_ptr_null(dauth.q); /* one at a time in this test */
  dauth.q = q;
  dauth.checks++;
  ev_timer_init(&dauth.timer, dauth_fire, 0.05, 0);
  ev_timer_start(loop, &dauth.timer);
}

static void dauth_cancel(void *backend, struct gost_auth_query *q) {
  (void)backend, (void)q;
  ev_timer_stop(loop, &dauth.timer);
  dauth.q = NULL;
  dauth.cancels++;
}

static const struct gost_auther_ops dauth_ops = {.name = "delayed", .check = dauth_check, .cancel = dauth_cancel};

static int lost;
static void on_client_state(gost_tunnel_t *t, int state, const char *detail, void *user) {
  (void)t, (void)detail, (void)user;
  if (state == GOST_TUNNEL_REGISTERED) registered++;
  if (state == GOST_TUNNEL_LOST) lost++;
}

START_TEST(auther_answers_later) {
  uint16_t tport, eport;
  gost_service_t *server = start_server(&tport, &eport);
  memset(&dauth, 0, sizeof dauth);
  server->auther = (struct gost_auther){&dauth_ops, NULL};
  char url[96];
  gost_tunnel_t *bad, *good;
  snprintf(url, sizeof url, "tunnel://u:wrong@127.0.0.1:%u", tport);
  ck_assert_int_eq(gost_tunnel_new(&bad, ctx, url, TID, NULL), 0);
  ck_assert_int_eq(gost_tunnel_set_state_cb(bad, on_client_state, NULL), 0);
  ck_assert_int_eq(gost_tunnel_add_target(bad, "127.0.0.1:9", NULL), 0);
  ck_assert_int_eq(gost_tunnel_start(bad), 0);
  int never = 0;
  for (double end = ev_time() + 10; !lost && ev_time() < end;) lp_spin(loop, &never, 0.02);
  ck_assert_int_ge(lost, 1); /* refused after the late answer */
  ck_assert_int_eq(registered, 0);
  gost_tunnel_free(bad);
  snprintf(url, sizeof url, "tunnel://u:p@127.0.0.1:%u", tport);
  ck_assert_int_eq(gost_tunnel_new(&good, ctx, url, TID, NULL), 0);
  ck_assert_int_eq(gost_tunnel_set_state_cb(good, on_client_state, NULL), 0);
  ck_assert_int_eq(gost_tunnel_add_target(good, "127.0.0.1:9", NULL), 0);
  ck_assert_int_eq(gost_tunnel_start(good), 0);
  for (double end = ev_time() + 10; !registered && ev_time() < end;) lp_spin(loop, &never, 0.02);
  ck_assert_int_eq(registered, 1);
  ck_assert_int_ge(dauth.checks, 2);
}
END_TEST

int main(void) {
  Suite *s = suite_create("ingress_async");
  TCase *tc = tcase_create("delayed_source");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, routes_after_a_late_answer);
  tcase_add_test(tc, pending_lookup_cancelled_when_the_server_goes);
  tcase_add_test(tc, auther_answers_later);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
