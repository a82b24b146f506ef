/* The dashboard's files (lib/admin/web), embedded at build time by cmake/embed.cmake. */
#ifndef GOST_ADMIN_DASHBOARD_H
#define GOST_ADMIN_DASHBOARD_H
#include <stddef.h>

struct gost_web_asset {
  const char *name; /* "index.html" */
  const char *type; /* Content-Type */
  const unsigned char *data;
  size_t size;
};

/* Terminated by an entry with name NULL. */
extern const struct gost_web_asset gost__dashboard_assets[];

/* The asset for a request path below the API prefix ("" and "/" give index.html), or NULL. */
const struct gost_web_asset *gost__dashboard_find(const char *path);

struct gost_httpd_conn;
/* Answers 200 with the asset and headers that keep the page to its own origin. */
void gost__dashboard_serve(struct gost_httpd_conn *c, const struct gost_web_asset *a);

#endif
