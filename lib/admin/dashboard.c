/* Serves the embedded dashboard (lib/admin/web, compiled in by cmake/embed.cmake) under the API
 * prefix. The page only talks to this same API, so its policy allows nothing from elsewhere. */
#include "admin/dashboard.h"

#include <string.h>

#include "admin/http.h"

const struct gost_web_asset *gost__dashboard_find(const char *path) {
  if (!*path || !strcmp(path, "/")) path = "/index.html";
  if (*path != '/') return NULL;
  for (const struct gost_web_asset *a = gost__dashboard_assets; a->name; a++)
    if (!strcmp(path + 1, a->name)) return a;
  return NULL;
}

void gost__dashboard_serve(struct gost_httpd_conn *c, const struct gost_web_asset *a) {
  gost__httpd_respond(c, 200, a->type,
                      "X-Content-Type-Options: nosniff\r\n"
                      "Referrer-Policy: no-referrer\r\n"
                      "Content-Security-Policy: default-src 'self'; img-src 'self' data:; "
                      "frame-ancestors 'none'; base-uri 'none'; form-action 'none'\r\n",
                      (const char *)a->data, a->size);
}
