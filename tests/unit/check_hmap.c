#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hmap.h"
#include "gost/error.h"
#include "harness.h"

/* Reference vectors of the SipHash paper (key 00..0f, message 00..len-1). */
START_TEST(siphash_vectors) {
  uint8_t key[16], msg[64];
  for (int i = 0; i < 16; i++) key[i] = (uint8_t)i;
  for (int i = 0; i < 64; i++) msg[i] = (uint8_t)i;
  uint64_t k0 = 0, k1 = 0;
  for (int i = 0; i < 8; i++) k0 |= (uint64_t)key[i] << (8 * i), k1 |= (uint64_t)key[8 + i] << (8 * i);
  ck_assert_uint_eq(gost__siphash24(k0, k1, msg, 0), 0x726fdb47dd0e0e31ULL);
  ck_assert_uint_eq(gost__siphash24(k0, k1, msg, 1), 0x74f839c593dc67fdULL);
  ck_assert_uint_eq(gost__siphash24(k0, k1, msg, 15), 0xa129ca6149be45e5ULL);
  ck_assert_uint_eq(gost__siphash24(k0, k1, msg, 63), 0x958a324ceb064572ULL);
}
END_TEST

struct item {
  struct gost_hnode node;
  char key[16];
};

static struct item *find(struct gost_hmap *m, const char *key) {
  uint64_t h = gost__hmap_hash(m, key, strlen(key));
  for (struct gost_hnode *n = gost__hmap_chain(m, h); n; n = n->next) {
    struct item *it = (struct item *)n;
    if (n->hash == h && !strcmp(it->key, key)) return it;
  }
  return NULL;
}

/* Many inserts (several growths), lookups of present and absent keys, removal of half. */
START_TEST(insert_find_remove) {
  enum { N = 2000 };
  struct gost_hmap m;
  gost__hmap_init(&m, &gost__mem_libc);
  ck_assert_ptr_null(find(&m, "absent"));
  struct item *items = calloc(N, sizeof *items);
  for (int i = 0; i < N; i++) {
    snprintf(items[i].key, sizeof items[i].key, "host-%d", i);
    ck_assert_int_eq(gost__hmap_insert(&m, &items[i].node,
                                       gost__hmap_hash(&m, items[i].key, strlen(items[i].key))), GOST_OK);
  }
  ck_assert_uint_eq(m.count, N);
  ck_assert_uint_ge(m.nslots, N);
  for (int i = 0; i < N; i++) ck_assert_ptr_eq(find(&m, items[i].key), &items[i]);
  ck_assert_ptr_null(find(&m, "host-2000"));
  for (int i = 0; i < N; i += 2) gost__hmap_remove(&m, &items[i].node);
  ck_assert_uint_eq(m.count, N / 2);
  for (int i = 0; i < N; i++) {
    if (i % 2) ck_assert_ptr_eq(find(&m, items[i].key), &items[i]);
    else ck_assert_ptr_null(find(&m, items[i].key));
  }
  gost__hmap_cleanup(&m);
  free(items);
}
END_TEST

/* Two tables hash the same key differently (per-table random key). */
START_TEST(keys_differ_per_table) {
  struct gost_hmap a, b;
  gost__hmap_init(&a, &gost__mem_libc);
  gost__hmap_init(&b, &gost__mem_libc);
  ck_assert_uint_ne(gost__hmap_hash(&a, "example.com", 11), gost__hmap_hash(&b, "example.com", 11));
}
END_TEST

int main(void) {
  Suite *s = suite_create("hmap");
  TCase *tc = tcase_create("hmap");
  tcase_add_test(tc, siphash_vectors);
  tcase_add_test(tc, insert_find_remove);
  tcase_add_test(tc, keys_differ_per_table);
  suite_add_tcase(s, tc);
  return gost_test_run(s);
}
