/* Raw public ports on the tunnel server: a TCP or UDP port mapped to one tunnel, routed by port
 * alone (no Host header, no SNI) — ssh, databases, game servers, DNS. Each public connection
 * (or UDP peer) becomes one tunnel stream whose header names `host` as the destination, so
 * the client picks its node by host as for any tunnel stream (filter.host). */
#include <stdio.h>
#include <string.h>

#include "codec/uuid.h"
#include "core/error.h"
#include "core/log.h"
#include "io/dgramframe.h"
#include "tunnel/entry.h"

struct gost_entry_port {
  struct gost_tunnel_server *srv;
  gost_service_t lsvc; /* private: tcp/udp listener + port_handle */
  uint8_t tid[16];
  char tid_str[GOST__UUID_STR_LEN + 1];
  int udp;
  char host[GOST__RELAY_HOST_MAX + 8]; /* stream header destination, "" for none */
};

static void port_handle(gost_service_t *lsvc, gost_stream *s, const struct gost_conn_info *info) {
  (void)info;
  struct gost_entry_port *p = lsvc->handler_state;
  struct gost_tunnel_server *srv = p->srv;
  char src[64];
  gost__tunnel_addr_str(&s->peer, src, sizeof src);
  gost_stream *ts;
  if (gost__tunnel_open(srv, p->tid, p->udp, src, p->host, &ts) != GOST_OK) {
    GOST_WARN(srv->ctx, "port %s/%s: tunnel %s: %s", lsvc->addr, p->udp ? "udp" : "tcp", p->tid_str,
              gost_last_error());
    gost_stream_close(s);
    return;
  }
  if (p->udp) { /* datagrams travel the tunnel stream in framing (A) */
    gost_stream *d = gost__dgramframe_new(srv->ctx, ts);
    if (!d) {
      gost_stream_close(ts);
      gost_stream_close(s);
      return;
    }
    ts = d;
  }
  GOST_DEBUG(srv->ctx, "port %s/%s: %s -> tunnel %s", lsvc->addr, p->udp ? "udp" : "tcp", src, p->tid_str);
  gost__tunnel_pipe_ex(srv, s, ts, p->udp);
}

static const struct gost_handler_ops port_handler = {"entrypoint-port", NULL, port_handle, NULL};

static int port_start(struct gost_tunnel_server *srv, const char *addr, int udp, const char *tunnel,
                      const char *host) {
  if (srv->nports == GOST_TUNNEL_MAX_PORTS) return gost__error(GOST_ECONFIG, "too many entrypoint ports");
  struct gost_entry_port *p = gost__calloc(srv->ctx, 1, sizeof *p);
  if (!p) return gost__error(GOST_ENOMEM, "entrypoint port");
  p->srv = srv;
  p->udp = udp;
  if (!tunnel || gost__uuid_parse(tunnel, strlen(tunnel), p->tid) != GOST_OK || gost__uuid_is_zero(p->tid)) {
    gost__free(srv->ctx, p);
    return gost__error(GOST_ECONFIG, "entrypoint port %s: invalid tunnel ID '%s'", addr, tunnel ? tunnel : "");
  }
  gost__uuid_format(p->tid, p->tid_str);
  if (host && strlen(host) >= sizeof p->host) {
    gost__free(srv->ctx, p);
    return gost__error(GOST_ECONFIG, "entrypoint port %s: host too long", addr);
  }
  snprintf(p->host, sizeof p->host, "%s", host ? host : "");
  int rc = gost__entry_listener_start(srv, &p->lsvc, udp ? "udp" : "tcp", addr, &port_handler, p);
  if (rc != GOST_OK) {
    gost__free(srv->ctx, p);
    return rc;
  }
  srv->ports[srv->nports++] = p;
  GOST_INFO(srv->ctx, "tunnel port %s/%s (port %u) -> tunnel %s%s%s", addr, udp ? "udp" : "tcp",
            (unsigned)p->lsvc.port, p->tid_str, p->host[0] ? ", host " : "", p->host);
  return GOST_OK;
}

static int network_udp(const char *n, int *udp) {
  if (!n || !strcmp(n, "tcp")) *udp = 0;
  else if (!strcmp(n, "udp")) *udp = 1;
  else return GOST_EINVAL;
  return GOST_OK;
}

int gost__entry_port_from_json(struct gost_tunnel_server *srv, const json_t *e, size_t i) {
  const char *addr = json_string_value(json_object_get(e, "addr"));
  const char *tunnel = json_string_value(json_object_get(e, "tunnel"));
  const char *host = json_string_value(json_object_get(e, "host"));
  const char *net = json_string_value(json_object_get(e, "network"));
  int udp;
  if (network_udp(net, &udp) != GOST_OK)
    return gost__error(GOST_ECONFIG, "entrypoints[%zu]: network must be tcp or udp, not '%s'", i, net);
  if (!tunnel) return gost__error(GOST_ECONFIG, "entrypoints[%zu]: tunnel must be a tunnel ID", i);
  return port_start(srv, addr, udp, tunnel, host);
}

int gost__entry_ports_parse(struct gost_tunnel_server *srv, const char *spec) {
  /* "[tcp/|udp/]ADDR/TUNNEL_ID[/HOST]" items separated by commas */
  const char *p = spec;
  while (*p) {
    size_t n = strcspn(p, ",");
    char item[512], *f[4] = {0};
    if (n == 0 || n >= sizeof item)
      return gost__error(GOST_ECONFIG, "entrypoint.ports: bad item in '%s'", spec);
    memcpy(item, p, n);
    item[n] = '\0';
    int nf = 0;
    for (char *tok = item;;) {
      if (nf == 4) {
        nf = 5; /* too many fields */
        break;
      }
      f[nf++] = tok;
      char *slash = strchr(tok, '/');
      if (!slash) break;
      *slash = '\0';
      tok = slash + 1;
    }
    int udp = 0, k = 0;
    if (!strcmp(f[0], "tcp") || !strcmp(f[0], "udp")) {
      udp = f[0][0] == 'u';
      k = 1;
    }
    if (nf - k < 2 || nf - k > 3)
      return gost__error(GOST_ECONFIG, "entrypoint.ports: '%s' is not [udp/]ADDR/TUNNEL_ID[/HOST]", item);
    int rc = port_start(srv, f[k], udp, f[k + 1], nf - k == 3 ? f[k + 2] : NULL);
    if (rc != GOST_OK) return rc;
    p += n;
    if (*p == ',') p++;
  }
  return GOST_OK;
}

void gost__entry_ports_stop(struct gost_tunnel_server *srv) {
  for (size_t i = 0; i < srv->nports; i++) {
    gost__entry_listener_stop(srv, &srv->ports[i]->lsvc);
    gost__free(srv->ctx, srv->ports[i]);
  }
  srv->nports = 0;
}
