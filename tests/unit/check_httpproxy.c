/* HTTP proxy analysis (CONNECT, absolute-form, Basic auth), base64, 407/200 builders. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/base64.h"
#include "codec/httpproxy.h"
#include "harness.h"

static struct gost_http_req req;
static struct gost_httpproxy_req pr;

static int sl_eq(struct gost_http_slice s, const char *want) {
  return s.n == strlen(want) && memcmp(s.p, want, s.n) == 0;
}

static int analyze(const char *in) {
  ck_assert_int_eq(gost__httphead_parse_request(in, strlen(in), &req), GOST_OK);
  return gost__httpproxy_analyze(&req, &pr);
}

START_TEST(connect_request) {
  ck_assert_int_eq(analyze("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"), GOST_OK);
  ck_assert(pr.is_connect && !pr.absolute && sl_eq(pr.host, "example.com") && pr.port == 443);
  ck_assert_uint_eq(pr.path.n, 0);
  ck_assert_int_eq(analyze("CONNECT [2001:db8::1]:8443 HTTP/1.1\r\n\r\n"), GOST_OK);
  ck_assert(sl_eq(pr.host, "2001:db8::1") && pr.port == 8443);
  ck_assert_int_eq(analyze("CONNECT example.com HTTP/1.1\r\n\r\n"), GOST_EPROTO);
  ck_assert_int_eq(analyze("CONNECT u@example.com:443 HTTP/1.1\r\n\r\n"), GOST_EPROTO);
  ck_assert_int_eq(analyze("CONNECT example.com:99999 HTTP/1.1\r\n\r\n"), GOST_EPROTO);
}
END_TEST

START_TEST(absolute_form) {
  ck_assert_int_eq(analyze("GET http://example.com:8080/path/x?q=1 HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"),
                   GOST_OK);
  ck_assert(!pr.is_connect && pr.absolute && sl_eq(pr.host, "example.com") && pr.port == 8080);
  ck_assert(sl_eq(pr.path, "/path/x?q=1"));
  ck_assert_int_eq(analyze("GET HTTP://Example.com HTTP/1.1\r\n\r\n"), GOST_OK);
  ck_assert(sl_eq(pr.host, "Example.com") && pr.port == 80 && sl_eq(pr.path, "/"));
  ck_assert_int_eq(analyze("GET https://[::1]/ HTTP/1.1\r\n\r\n"), GOST_OK);
  ck_assert(sl_eq(pr.host, "::1") && pr.port == 443);
  ck_assert_int_eq(analyze("GET ftp://example.com/ HTTP/1.1\r\n\r\n"), GOST_EPROTO);
  ck_assert_int_eq(analyze("GET http://u:p@example.com/ HTTP/1.1\r\n\r\n"), GOST_EPROTO);
  ck_assert_int_eq(analyze("GET http:///x HTTP/1.1\r\n\r\n"), GOST_EPROTO);
  /* Origin-form: transparent, destination from Host. */
  ck_assert_int_eq(analyze("GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n"), GOST_OK);
  ck_assert(!pr.absolute && sl_eq(pr.host, "example.com") && pr.port == 80 && sl_eq(pr.path, "/a"));
  ck_assert_int_eq(analyze("GET /a HTTP/1.0\r\n\r\n"), GOST_EPROTO);
}
END_TEST

START_TEST(basic_auth) {
  ck_assert_int_eq(analyze("GET http://a/ HTTP/1.1\r\nProxy-Authorization: Basic YWxpY2U6czNjcjN0OndpdGg6Y29sb25z\r\n\r\n"),
                   GOST_OK);
  ck_assert_int_eq(pr.auth, GOST__HTTPPROXY_AUTH_BASIC);
  ck_assert_str_eq(pr.user, "alice");
  ck_assert_str_eq(pr.pass, "s3cr3t:with:colons");
  ck_assert_int_eq(analyze("GET http://a/ HTTP/1.1\r\nproxy-authorization: basic Og==\r\n\r\n"), GOST_OK);
  ck_assert(pr.auth == GOST__HTTPPROXY_AUTH_BASIC && pr.user[0] == 0 && pr.pass[0] == 0);
  static const char *bad[] = {"Bearer abc", "Basic !!!!", "Basic YWxpY2U=", "Basic", "Basic YQ"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char buf[256];
    snprintf(buf, sizeof buf, "GET http://a/ HTTP/1.1\r\nProxy-Authorization: %s\r\n\r\n", bad[i]);
    ck_assert_int_eq(analyze(buf), GOST_OK);
    ck_assert_msg(pr.auth == GOST__HTTPPROXY_AUTH_INVALID, "accepted %s", bad[i]);
  }
  ck_assert_int_eq(analyze("GET http://a/ HTTP/1.1\r\n\r\n"), GOST_OK);
  ck_assert_int_eq(pr.auth, GOST__HTTPPROXY_AUTH_NONE);
}
END_TEST

START_TEST(base64_vectors) {
  /* RFC 4648 section 10 test vectors. */
  static const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  static const char *enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  char out[16];
  uint8_t dec[16];
  size_t n;
  for (size_t i = 0; i < 7; i++) {
    ck_assert_int_eq(gost__base64_encode((const uint8_t *)plain[i], strlen(plain[i]), out, sizeof out, &n), GOST_OK);
    ck_assert_str_eq(out, enc[i]);
    ck_assert_uint_eq(n, GOST__BASE64_ENCODED_LEN(strlen(plain[i])));
    ck_assert_int_eq(gost__base64_decode(enc[i], strlen(enc[i]), dec, sizeof dec, &n), GOST_OK);
    ck_assert(n == strlen(plain[i]) && memcmp(dec, plain[i], n) == 0);
  }
  ck_assert_int_eq(gost__base64_decode("Zm9vYg", 6, dec, sizeof dec, &n), GOST_OK);
  ck_assert_uint_eq(n, 4);
  ck_assert_int_eq(gost__base64_decode("Zm9vY", 5, dec, sizeof dec, &n), GOST_EPROTO);
  ck_assert_int_eq(gost__base64_decode("Zm=v", 4, dec, sizeof dec, &n), GOST_EPROTO);
  ck_assert_int_eq(gost__base64_decode("Zg===", 5, dec, sizeof dec, &n), GOST_EPROTO);
  ck_assert_int_eq(gost__base64_decode("Zm9vYmFy", 8, dec, 5, &n), GOST_EINVAL);
  ck_assert_int_eq(gost__base64_encode((const uint8_t *)"foo", 3, out, 4, &n), GOST_EINVAL);
}
END_TEST

START_TEST(responses) {
  char out[256];
  size_t n;
  ck_assert_int_eq(gost__httpproxy_407("gost", 1, out, sizeof out, &n), GOST_OK);
  ck_assert_str_eq(out, "HTTP/1.1 407 Proxy Authentication Required\r\n"
                        "Proxy-Authenticate: Basic realm=\"gost\"\r\n"
                        "Content-Length: 0\r\nConnection: close\r\n\r\n");
  ck_assert_uint_eq(n, strlen(out));
  ck_assert_int_eq(gost__httpproxy_407("a\"b", 1, out, sizeof out, &n), GOST_EINVAL);
  ck_assert_int_eq(gost__httpproxy_407("gost", 1, out, 30, &n), GOST_EINVAL);
  ck_assert_int_eq(gost__httpproxy_connect_ok(0, out, sizeof out, &n), GOST_OK);
  ck_assert_str_eq(out, "HTTP/1.0 200 Connection established\r\n\r\n");
}
END_TEST

int main(void) {
  Suite *s = suite_create("httpproxy");
  TCase *tc = tcase_create("proxy");
  tcase_add_test(tc, connect_request);
  tcase_add_test(tc, absolute_form);
  tcase_add_test(tc, basic_auth);
  tcase_add_test(tc, base64_vectors);
  tcase_add_test(tc, responses);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
