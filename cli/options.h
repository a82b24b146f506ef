/* The gost command line, written once: --help and the gost(1) man page are both printed from
 * this table, so they cannot drift apart. */
#ifndef GOST_CLI_OPTIONS_H
#define GOST_CLI_OPTIONS_H
#include <stdio.h>

struct gost_cli_option {
  const char *flag; /* "-L" */
  const char *arg;  /* "url", or NULL for a switch */
  const char *help; /* one line */
};

extern const struct gost_cli_option gost_cli_options[];

/* The short usage text of `gost --help`. */
void gost_cli_usage(FILE *f);
/* The gost(1) page in roff (man(7) macros), dated by `date` ("2026-11-30"). */
void gost_cli_man(FILE *f, const char *version, const char *date);

#endif
