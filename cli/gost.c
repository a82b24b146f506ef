#include <gost/gost.h>
#include <stdio.h>
int main(void) { printf("gost %s\n", gost_version_string()); return 0; }
