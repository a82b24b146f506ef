/* Bypass patterns as stock GOST parses them (docs/bypass.md), and the target they are matched
 * against. Pure. */
#ifndef GOST_CODEC_BYPASSMATCH_H
#define GOST_CODEC_BYPASSMATCH_H

#include <stdint.h>

#include "core/addr.h"

enum { GOST__BYPASS_CIDR, GOST__BYPASS_RANGE, GOST__BYPASS_GLOB, GOST__BYPASS_ADDR };

struct gost_bypass_pat {
  int kind;
  int family;          /* CIDR and RANGE */
  unsigned prefix;     /* CIDR */
  uint8_t lo[16], hi[16]; /* CIDR: network and mask applied on match; RANGE: bounds */
  uint16_t plo, phi;   /* GLOB and ADDR ports (0-65535: any) */
  char host[GOST_ADDR_HOST_MAX]; /* GLOB pattern / ADDR host, lower-cased */
};

/* A target address taken apart once for all patterns: lower-case host, numeric form. */
struct gost_bypass_target {
  char host[GOST_ADDR_HOST_MAX];
  int family; /* AF_INET/AF_INET6 when host is an IP literal, else 0 */
  uint8_t ip[16];
  uint16_t port; /* 0 when absent */
};

/* 1 when s is a valid pattern (p filled), 0 otherwise. Classes, in stock's order: CIDR,
 * glob (has * or ?), IP range "a-b", address "host[:port|:lo-hi]". */
int gost__bypass_pat_parse(struct gost_bypass_pat *p, const char *s);
/* GOST_EINVAL for an empty or over-long addr ("host:port", "[v6]:port" or a bare host). */
int gost__bypass_target_parse(struct gost_bypass_target *t, const char *addr);
int gost__bypass_pat_match(const struct gost_bypass_pat *p, const struct gost_bypass_target *t);

#endif
