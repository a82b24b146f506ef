/* The option table of the gost binary and its two renderings: --help and gost(1). */
#include "options.h"

#include <string.h>

const struct gost_cli_option gost_cli_options[] = {
    {"-L", "url", "service, scheme handler+listener, e.g. tunnel://:8443?entrypoint=:80"},
    {"-F", "url", "chain node (one hop per -F), scheme connector+dialer, e.g. tunnel+wss://host:443"},
    {"-C", "file", "configuration file (YAML or JSON); SIGHUP reloads it (services diffed)"},
    {"-api", "[user:pass@]addr", "web API (docs/api.md), e.g. :18080 (loopback) or 0.0.0.0:18080"},
    {"-metrics", "addr", "Prometheus metrics at /metrics, e.g. :9000 (loopback)"},
    {"-D", NULL, "debug logging"},
    {"-V", NULL, "print the version and exit"},
    {"-h", NULL, "print this help and exit"},
    {NULL, NULL, NULL},
};

void gost_cli_usage(FILE *f) {
  fputs("Usage: gost", f);
  for (const struct gost_cli_option *o = gost_cli_options; o->flag; o++)
    fprintf(f, o->arg ? " [%s %s]" : " [%s]", o->flag, o->arg);
  fputc('\n', f);
  for (const struct gost_cli_option *o = gost_cli_options; o->flag; o++)
    fprintf(f, "  %-3s %-6s %s\n", o->flag, o->arg ? o->arg : "", o->help);
}

/* roff treats a leading '.' or '\'' as a request and '\' as an escape: quote them. */
static void roff_text(FILE *f, const char *s) {
  if (*s == '.' || *s == '\'') fputs("\\&", f);
  for (; *s; s++) {
    if (*s == '\\') fputs("\\e", f);
    else if (*s == '-') fputs("\\-", f);
    else fputc(*s, f);
  }
}

static const char *const man_body =
    ".SH DESCRIPTION\n"
    "gost is the reference binary of libgost, a C implementation of GOST v3's reverse-proxy\n"
    "tunnel and forwarding core. It accepts stock GOST's command line and YAML/JSON\n"
    "configuration files.\n"
    ".SH EXAMPLES\n"
    "A tunnel server with a public entrypoint on port 80:\n"
    ".PP\n"
    ".nf\n"
    "gost \\-L \"tunnel://:8443?entrypoint=:80&tunnel=.example.com:4d21094e\\-b74c\\-4916\\-86c1\\-d9fa36ea677b\"\n"
    ".fi\n"
    ".PP\n"
    "A tunnel client publishing 192.168.1.1:80:\n"
    ".PP\n"
    ".nf\n"
    "gost \\-L rtcp://:0/192.168.1.1:80 \\-F \"tunnel://server:8443?tunnel.id=4d21094e\\-b74c\\-4916\\-86c1\\-d9fa36ea677b\"\n"
    ".fi\n"
    ".SH SIGNALS\n"
    "SIGINT and SIGTERM stop every service and exit. SIGHUP re-reads the \\-C file, validates\n"
    "all of it and applies the difference (the old config is kept on error). SIGUSR1 reopens\n"
    "the log file (log.output) after logrotate moved it.\n"
    ".SH SEE ALSO\n"
    "The documentation in /usr/share/doc/libgost, and https://gost.run for stock GOST.\n";

void gost_cli_man(FILE *f, const char *version, const char *date) {
  fprintf(f, ".TH GOST 1 \"%s\" \"libgost %s\" \"User Commands\"\n", date, version);
  fputs(".SH NAME\ngost \\- tunnel server, tunnel client and proxy (libgost)\n.SH SYNOPSIS\n.B gost\n", f);
  for (const struct gost_cli_option *o = gost_cli_options; o->flag; o++) {
    fprintf(f, o->arg ? "[\\fB\\%s\\fR \\fI%s\\fR]\n" : "[\\fB\\%s\\fR]\n", o->flag, o->arg);
  }
  fputs(".SH OPTIONS\n", f);
  for (const struct gost_cli_option *o = gost_cli_options; o->flag; o++) {
    fprintf(f, o->arg ? ".TP\n.BI \\%s \" %s\"\n" : ".TP\n.B \\%s\n", o->flag, o->arg);
    roff_text(f, o->help);
    fputc('\n', f);
  }
  fputs(man_body, f);
}
