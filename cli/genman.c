/* Build-time tool: writes gost(1) from the option table (see cli/options.h).
 * usage: gost_genman DATE OUTPUT */
#include <gost/version.h>
#include <stdio.h>

#include "options.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    fputs("usage: gost_genman DATE OUTPUT\n", stderr);
    return 2;
  }
  FILE *f = fopen(argv[2], "w");
  if (!f) {
    perror(argv[2]);
    return 1;
  }
  gost_cli_man(f, GOST_VERSION_STRING, argv[1]);
  return fclose(f) == 0 ? 0 : 1;
}
