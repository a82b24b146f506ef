/* TEMPORARY: weak NULL-returning registries so the api layer links before
 * lib/service/registry.c lands. A strong definition overrides these in the shared library.
 * Delete this file once registry.c is merged: in a static archive the linker may pick
 * whichever member comes first in its index. */
#include "service/service.h"

__attribute__((weak)) const struct gost_listener_ops *gost__listener_find(const char *name) {
  (void)name;
  return NULL;
}
__attribute__((weak)) const struct gost_handler_ops *gost__handler_find(const char *name) {
  (void)name;
  return NULL;
}
__attribute__((weak)) const struct gost_dialer_ops *gost__dialer_find(const char *name) {
  (void)name;
  return NULL;
}
__attribute__((weak)) const struct gost_connector_ops *gost__connector_find(const char *name) {
  (void)name;
  return NULL;
}
