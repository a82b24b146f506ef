/* Intrusive doubly linked list (the libuv queue idea, typed for readability). */
#ifndef GOST_CORE_LIST_H
#define GOST_CORE_LIST_H

#include <stddef.h>

struct gost_list {
  struct gost_list *next, *prev;
};

#define gost_container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

static inline void gost_list_init(struct gost_list *h) { h->next = h->prev = h; }
static inline int gost_list_empty(const struct gost_list *h) { return h->next == h; }
static inline void gost_list_insert_tail(struct gost_list *h, struct gost_list *n) {
  n->prev = h->prev;
  n->next = h;
  h->prev->next = n;
  h->prev = n;
}
static inline void gost_list_remove(struct gost_list *n) {
  n->prev->next = n->next;
  n->next->prev = n->prev;
  n->next = n->prev = n;
}
#define gost_list_foreach(pos, head) for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)
#define gost_list_foreach_safe(pos, tmp, head) \
  for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); (pos) = (tmp), (tmp) = (pos)->next)

#endif
