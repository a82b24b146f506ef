/* Control plane through the C API: gost_ctx_call from threads, gost_ctx_apply_config's diff
 * (unchanged objects untouched, ingress swapped in place, all-or-nothing), events, and the
 * YAML writer read back by the YAML loader. */
#include <check.h>
#include <glob.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "admin/admin.h"
#include "config/config_int.h"
#include "core/ctx_int.h"
#include "core/log.h"
#include "core/logsink.h"
#include "gost/gost.h"

/* ---- gost_ctx_call ---- */

#define THREADS 4
#define CALLS 1000

struct calls {
  gost_ctx_t *ctx;
  pthread_t loop_thread;
  int count;    /* touched on the loop thread only */
  int off_loop; /* calls that ran elsewhere: must stay 0 */
};

static void bump(gost_ctx_t *ctx, void *user) {
  struct calls *c = user;
  if (!pthread_equal(pthread_self(), c->loop_thread)) c->off_loop++;
  if (++c->count == THREADS * CALLS) gost_ctx_stop(ctx);
}

static void *submit(void *user) {
  struct calls *c = user;
  for (int i = 0; i < CALLS; i++) ck_assert_int_eq(gost_ctx_call(c->ctx, bump, c), 0);
  return NULL;
}

static void keep_alive(struct ev_loop *loop, ev_timer *w, int revents) {}

START_TEST(test_call_from_threads) {
  struct calls c = {0};
  ck_assert_int_eq(gost_ctx_new(&c.ctx), 0);
  c.loop_thread = pthread_self();
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, submit, &c);
  /* the loop must stay up until every call ran: a timer keeps it alive (calls do not) */
  ev_timer keep;
  ev_timer_init(&keep, keep_alive, 30., 0.);
  ev_timer_start(gost_ctx_loop(c.ctx), &keep);
  gost_ctx_run(c.ctx, GOST_RUN_DEFAULT);
  ev_timer_stop(gost_ctx_loop(c.ctx), &keep);
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  ck_assert_int_eq(c.count, THREADS * CALLS);
  ck_assert_int_eq(c.off_loop, 0);
  gost_ctx_free(c.ctx);
}
END_TEST

/* ---- apply ---- */

struct evlog {
  int applied, failed;
  char last[256];
};

static void on_event(gost_ctx_t *ctx, const gost_event_t *ev, void *user) {
  struct evlog *l = user;
  if (ev->type == GOST_EVENT_CONFIG_APPLIED) l->applied++;
  if (ev->type == GOST_EVENT_CONFIG_FAILED) l->failed++;
  snprintf(l->last, sizeof l->last, "%s", ev->detail ? ev->detail : "");
}

#define TID "4d21094e-b74c-4916-86c1-d9fa36ea677b"
#define TID2 "ac74d9dd-3125-442a-a7c1-f9e49e05faca"
#define SVC(name, target) \
  "{\"name\":\"" name "\",\"addr\":\"127.0.0.1:0\",\"handler\":{\"type\":\"tcp\"},\"listener\":{\"type\":\"tcp\"}," \
  "\"forwarder\":{\"nodes\":[{\"name\":\"n\",\"addr\":\"" target "\"}]}}"
#define ING(rules) ",\"ingresses\":[{\"name\":\"ing\",\"rules\":[" rules "]}]"
#define RULE(h, id) "{\"hostname\":\"" h "\",\"endpoint\":\"" id "\"}"

START_TEST(test_apply_diff) {
  gost_ctx_t *ctx;
  struct evlog l = {0};
  ck_assert_int_eq(gost_ctx_new(&ctx), 0);
  gost_ctx_set_log_level(ctx, GOST_LOG_OFF);
  gost_ctx_set_event_cb(ctx, on_event, &l);
  const char *v1 = "{\"services\":[" SVC("a", "127.0.0.1:1") "," SVC("b", "127.0.0.1:2") "]" ING(RULE("x.example.com", TID)) "}";
  ck_assert_int_eq(gost_ctx_load_json(ctx, v1, strlen(v1)), 0);
  ck_assert_int_eq(gost_ctx_start(ctx), 0);
  gost_service_t *a = gost_ctx_service(ctx, "a");
  gost_ingress_t *ing = gost_ctx_ingress(ctx, "ing");
  uint16_t pa = gost_service_port(a), pb = gost_service_port(gost_ctx_service(ctx, "b"));

  /* b changes, c is new, a and the ingress object stay; the rule changes in place */
  const char *v2 = "{\"services\":[" SVC("a", "127.0.0.1:1") "," SVC("b", "127.0.0.1:3") "," SVC("c", "127.0.0.1:4") "]"
                   ING(RULE("x.example.com", TID2) "," RULE("y.example.com", TID)) "}";
  ck_assert_msg(gost_ctx_apply_config(ctx, v2, strlen(v2)) == 0, "%s", gost_last_error());
  ck_assert_ptr_eq(gost_ctx_service(ctx, "a"), a);
  ck_assert_uint_eq(gost_service_port(a), pa);
  gost_service_t *b = gost_ctx_service(ctx, "b");
  ck_assert_ptr_nonnull(b);
  ck_assert_uint_ne(gost_service_port(b), 0); /* restarted: ":0" may bind another port */
  (void)pb;
  ck_assert_uint_ne(gost_service_port(gost_ctx_service(ctx, "c")), 0);
  ck_assert_ptr_eq(gost_ctx_ingress(ctx, "ing"), ing);
  char id[40];
  int priv;
  ck_assert_int_eq(gost_ingress_lookup(ing, "x.example.com", id, sizeof id, &priv), 0);
  ck_assert_str_eq(id, TID2);
  ck_assert_int_eq(gost_ingress_rule_count(ing), 2);
  ck_assert_int_eq(l.applied, 1);
  ck_assert_msg(strstr(l.last, "1 added, 1 changed, 0 removed, 1 unchanged") != NULL, "%s", l.last);

  /* invalid: nothing changes, the error names the path */
  const char *bad = "{\"services\":[" SVC("a", "127.0.0.1:1") ",{\"name\":\"d\",\"addr\":\":1\",\"handler\":{\"type\":\"nope\"}}]}";
  ck_assert_int_eq(gost_ctx_apply_config(ctx, bad, strlen(bad)), GOST_ECONFIG);
  ck_assert_msg(strstr(gost_last_error(), "services[1].handler.type") != NULL, "%s", gost_last_error());
  ck_assert_int_eq(l.failed, 1);
  ck_assert_ptr_nonnull(gost_ctx_service(ctx, "c"));
  ck_assert_int_eq(gost_ingress_rule_count(ing), 2);
  size_t n = 0;
  gost_ctx_config_json(ctx, NULL, &n);
  char *buf = malloc(n);
  ck_assert_int_eq(gost_ctx_config_json(ctx, buf, &n), 0);
  ck_assert_ptr_nonnull(strstr(buf, "\"c\""));
  free(buf);

  /* a removed, ingress removed (emptied in place: entrypoints may point at it) */
  const char *v3 = "{\"services\":[" SVC("b", "127.0.0.1:3") "," SVC("c", "127.0.0.1:4") "]}";
  ck_assert_int_eq(gost_ctx_apply_config(ctx, v3, strlen(v3)), 0);
  ck_assert_ptr_null(gost_ctx_service(ctx, "a"));
  ck_assert_ptr_eq(gost_ctx_service(ctx, "b"), b);
  ck_assert_int_eq(gost_ingress_rule_count(ing), 0);
  /* and back: the kept object is reused */
  ck_assert_int_eq(gost_ctx_apply_config(ctx, v2, strlen(v2)), 0);
  ck_assert_ptr_eq(gost_ctx_ingress(ctx, "ing"), ing);
  ck_assert_int_eq(gost_ingress_rule_count(ing), 2);
  ck_assert_int_eq(gost_ctx_reload(ctx), GOST_ESTATE); /* no file */
  gost_ctx_free(ctx);
}
END_TEST

/* ---- YAML writer ---- */

START_TEST(test_yaml_roundtrip) {
  const char *j = "{\"a\":\"x: y # z\",\"b\":[1,2.5,true,false,null,\"\",\"-\",\"'q'\\n\\\"\"],"
                  "\"c\":{\"d\":[],\"e\":{},\"f\":[{\"g\":\"h\",\"i\":[[1,2],{\"j\":\"k\"}]}]},"
                  "\"weird key\":\"yes\",\"n\":\"010\"}";
  json_t *in = json_loads(j, 0, NULL);
  ck_assert_ptr_nonnull(in);
  char *y = gost__admin_yaml(in);
  ck_assert_ptr_nonnull(y);
#ifdef GOST_WITH_YAML
  json_t *back = gost__yaml_to_json(y, strlen(y));
  ck_assert_msg(back && json_equal(in, back), "YAML did not read back:\n%s", y);
  json_decref(back);
#endif
  free(y);
  json_decref(in);
}
END_TEST

/* ---- log file: rotation by size, backups pruned, reopen after a move ---- */

/* A context logging as text into dir/gost.log (dir made from its template) with rot, after
 * 4000 records of ~0.9 KB (~3.7 MB: three 1 MB rotations). */
static gost_ctx_t *rotated_log(char *dir, char *path, size_t cap, const struct gost_log_rotation *rot) {
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(path, cap, "%s/gost.log", dir);
  gost_ctx_t *ctx;
  ck_assert_int_eq(gost_ctx_new(&ctx), 0);
  ck_assert_int_eq(gost__log_configure(ctx, "text", path, rot), 0);
  char filler[900];
  memset(filler, 'x', sizeof filler - 1);
  filler[sizeof filler - 1] = '\0';
  for (int i = 0; i < 4000; i++) GOST_INFO(ctx, "record %d %s", i, filler);
  return ctx;
}

START_TEST(test_log_rotation) {
  char dir[] = "/tmp/gost-logrot-XXXXXX", path[128], pat[160];
  struct gost_log_rotation rot = {1, 2, 0, 0, 0}; /* 1 MB, keep 2 backups */
  gost_ctx_t *ctx = rotated_log(dir, path, sizeof path, &rot);
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_int_le(st.st_size, 1024 * 1024);
  snprintf(pat, sizeof pat, "%s.*", path);
  glob_t g;
  ck_assert_int_eq(glob(pat, 0, NULL, &g), 0);
  ck_assert_int_eq(g.gl_pathc, 2); /* older backups were deleted */
  globfree(&g);
  char moved[200];
  snprintf(moved, sizeof moved, "%s/moved.log", dir);
  ck_assert_int_eq(rename(path, moved), 0);
  ck_assert_int_eq(gost_ctx_reopen_log(ctx), 0);
  GOST_INFO(ctx, "after reopen");
  FILE *f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  char line[256] = "";
  ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
  fclose(f);
  ck_assert_msg(strstr(line, " INFO  after reopen") != NULL, "%s", line);
  gost_ctx_free(ctx);
  char cmd[200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir); /* this test's directory only */
  ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* log.rotation.compress: the backups become .gz files (made off the loop) whose text is the
 * records written; no plain backup or temporary stays, and maxBackups counts the .gz files. */
START_TEST(test_log_rotation_compress) {
  char dir[] = "/tmp/gost-loggz-XXXXXX", path[128], pat[160];
  struct gost_log_rotation rot = {1, 2, 0, 0, 1}; /* 1 MB, keep 2, gzip */
  gost_ctx_t *ctx = rotated_log(dir, path, sizeof path, &rot);
  snprintf(pat, sizeof pat, "%s.*", path);
  glob_t g = {0};
  for (int tries = 0; tries < 200; tries++) { /* the threads finish within a few seconds */
    globfree(&g);
    memset(&g, 0, sizeof g);
    int all_gz = glob(pat, 0, NULL, &g) == 0 && g.gl_pathc == 2;
    for (size_t i = 0; all_gz && i < g.gl_pathc; i++) all_gz = strstr(g.gl_pathv[i], ".gz") && !strstr(g.gl_pathv[i], ".tmp");
    if (all_gz) break;
    usleep(50 * 1000);
  }
  ck_assert_int_eq(g.gl_pathc, 2);
  size_t total = 0;
  for (size_t i = 0; i < g.gl_pathc; i++) {
    ck_assert_msg(strlen(g.gl_pathv[i]) > 3 && !strcmp(g.gl_pathv[i] + strlen(g.gl_pathv[i]) - 3, ".gz"), "%s",
                  g.gl_pathv[i]);
    gzFile z = gzopen(g.gl_pathv[i], "rb");
    ck_assert_ptr_nonnull(z);
    static char text[2 << 20];
    int n = gzread(z, text, sizeof text - 1);
    ck_assert_int_eq(gzclose(z), Z_OK);
    ck_assert_int_gt(n, 900 * 1000);
    ck_assert_int_le(n, 1024 * 1024);
    text[n] = '\0';
    ck_assert_ptr_nonnull(strstr(text, " INFO  record "));
    total += (size_t)n;
  }
  globfree(&g);
  ck_assert_int_gt(total, 2 * 900 * 1000);
  gost_ctx_free(ctx);
  char cmd[200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir); /* this test's directory only */
  ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("control");
  TCase *tc = tcase_create("control");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_call_from_threads);
  tcase_add_test(tc, test_apply_diff);
  tcase_add_test(tc, test_yaml_roundtrip);
  tcase_add_test(tc, test_log_rotation_compress);
  tcase_add_test(tc, test_log_rotation);
  suite_add_tcase(s, tc);
  SRunner *r = srunner_create(s);
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? 1 : 0;
}
