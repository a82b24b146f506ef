/* Test support: loopback helpers and a watchdog for integration tests. */
#ifndef GOST_TEST_HARNESS_H
#define GOST_TEST_HARNESS_H

#include <stddef.h>
#include <stdint.h>

/* Hex string ("01 02 0a" or "01020a", spaces ignored) to bytes; returns length. */
size_t gost_test_hex(const char *hex, uint8_t *out, size_t cap);

#endif
