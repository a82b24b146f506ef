/* The config schema tables: every key a YAML/JSON config or a -L/-F query may hold.
 * One table per object kind, one row per key. To add a key, add one row (docs/config.md,
 * "Adding a key"); a stock GOST key libgost does not implement stays here as UNSUP so that
 * it is refused by name instead of reported as a typo. */
#include <stddef.h>

#include "config/schema.h"

/* Row shorthands: K(name, type) a plain key; O/OL nested object / list of objects of a kind;
 * M(scope) the metadata member; NS a stock key libgost refuses. */
#define K(n, t) {.name = (n), .type = GOST_CV_##t}
#define O(n, k) {.name = (n), .type = GOST_CV_OBJ, .sub = &(k)}
#define OL(n, k) {.name = (n), .type = GOST_CV_OBJLIST, .sub = &(k)}
#define M(scope) {.name = "metadata", .type = GOST_CV_META, .where = GOST_MS_##scope}
#define NS(n) {.name = (n), .type = GOST_CV_ANY, .status = GOST_CK_UNSUP}
#define END {.name = NULL}

/* ---- leaves ---- */

static const struct gost_cfg_key auth_keys[] = {K("username", STR), K("password", STR), END};
static const struct gost_cfg_kind auth_kind = {"auth", auth_keys};

/* One user of an auther. bind/visit: per-user tunnel ownership (docs/security.md). */
static const struct gost_cfg_key auth_entry_keys[] = {
    K("username", STR), K("password", STR), K("bind", UUIDLIST), K("visit", UUIDLIST), END};
static const struct gost_cfg_kind auth_entry_kind = {"auth", auth_entry_keys};


/* bypasses (docs/bypass.md); `reverse` is stock's older name of `whitelist` */
static const struct gost_cfg_key bypass_keys[] = {
    K("name", STR), K("whitelist", BOOL), K("reverse", BOOL), K("matchers", STRLIST), NS("reload"),
    NS("file"),     NS("redis"),          NS("http"),        NS("plugin"),        END};
static const struct gost_cfg_kind bypass_kind = {"bypass", bypass_keys};

static const struct gost_cfg_key rule_keys[] = {K("hostname", STR), K("endpoint", STR), END};
static const struct gost_cfg_kind rule_kind = {"rule", rule_keys};

/* scale-out (docs/cluster.md): Redis behind an ingress and an sd */
static const struct gost_cfg_key ingress_redis_keys[] = {
    K("addr", STR), {.name = "db", .type = GOST_CV_INT, .min = 0, .max = 65535}, K("password", STR),
    K("key", STR),  K("type", STR), NS("username"), END};
static const struct gost_cfg_kind ingress_redis_kind = {"redis", ingress_redis_keys};
static const struct gost_cfg_key sd_redis_keys[] = {
    K("addr", STR), {.name = "db", .type = GOST_CV_INT, .min = 0, .max = 65535}, K("password", STR),
    K("key", STR),  K("ttl", DUR), NS("username"), END};
static const struct gost_cfg_kind sd_redis_kind = {"redis", sd_redis_keys};
static const struct gost_cfg_key sd_keys[] = {K("name", STR), O("redis", sd_redis_kind), NS("plugin"), END};
static const struct gost_cfg_kind sd_kind = {"sd", sd_keys};

static const struct gost_cfg_key auther_redis_keys[] = {
    K("addr", STR), {.name = "db", .type = GOST_CV_INT, .min = 0, .max = 65535}, K("password", STR),
    K("key", STR),  NS("username"), NS("type"), END};
static const struct gost_cfg_kind auther_redis_kind = {"redis", auther_redis_keys};

static const struct gost_cfg_key auther_keys[] = {
    K("name", STR), OL("auths", auth_entry_kind), K("reload", DUR), NS("file"), O("redis", auther_redis_kind),
    NS("http"),     NS("plugin"),                 END};
static const struct gost_cfg_kind auther_kind = {"auther", auther_keys};

static const struct gost_cfg_key ingress_keys[] = {
    K("name", STR), OL("rules", rule_kind), K("reload", DUR), NS("file"), O("redis", ingress_redis_kind),
    NS("http"),     NS("plugin"),           END};
static const struct gost_cfg_kind ingress_kind = {"ingress", ingress_keys};

/* stock limiters (docs/limiters.md): traffic, connection and request-rate */
static const struct gost_cfg_key limiter_keys[] = {
    K("name", STR), K("limits", STRLIST),
    {.name = "reload", .type = GOST_CV_DUR, .status = GOST_CK_NOEFFECT,
     .note = "limits come from the config only (no file, redis or http source): a change applies through reload or the API"},
    NS("file"), NS("redis"), NS("http"), NS("plugin"), END};
static const struct gost_cfg_kind limiter_kind = {"limiter", limiter_keys};

/* Control plane (lib/admin, core/logsink.c; docs/operations.md). */
static const struct gost_cfg_key rotation_keys[] = {K("maxSize", INT),    K("maxAge", INT),
                                                    K("maxBackups", INT), K("localTime", BOOL),
                                                    K("compress", BOOL),  END};
static const struct gost_cfg_kind rotation_kind = {"rotation", rotation_keys};
static const struct gost_cfg_key log_keys[] = {K("level", STR), K("output", STR), K("format", STR),
                                               O("rotation", rotation_kind), END};
static const struct gost_cfg_kind log_kind = {"log", log_keys};
static const struct gost_cfg_key api_keys[] = {K("addr", STR),      K("pathPrefix", STR),
                                               K("accesslog", BOOL), O("auth", auth_kind),
                                               K("auther", STR),    END};
static const struct gost_cfg_kind api_kind = {"api", api_keys};
static const struct gost_cfg_key metrics_keys[] = {K("addr", STR), K("path", STR), O("auth", auth_kind),
                                                   K("auther", STR), END};
static const struct gost_cfg_kind metrics_kind = {"metrics", metrics_keys};

/* ---- services ---- */

static const struct gost_cfg_key handler_keys[] = {
    K("type", STR),     K("chain", STR),    O("auth", auth_entry_kind), K("auther", STR),
    K("authers", STRLIST), M(HANDLER),      NS("retries"),        NS("chainGroup"),
    NS("tls"),          K("limiter", STR),  NS("observer"),       END};
static const struct gost_cfg_kind handler_kind = {"handler", handler_keys};

static const struct gost_cfg_key listener_keys[] = {
    K("type", STR), K("chain", STR), M(LISTENER), NS("chainGroup"), NS("auther"),
    NS("authers"),  NS("auth"),      NS("tls"),   END};
static const struct gost_cfg_kind listener_kind = {"listener", listener_keys};

static const struct gost_cfg_key filter_keys[] = {K("host", STR), K("protocol", STR), K("path", STR),
                                                  END};
static const struct gost_cfg_kind filter_kind = {"filter", filter_keys};

static const struct gost_cfg_key fwd_node_keys[] = {
    K("name", STR),  K("addr", STR),   K("host", STR),    K("protocol", STR), K("path", STR),
    O("filter", filter_kind), M(FORWARD), NS("network"),  NS("bypass"),       NS("bypasses"),
    NS("http"),      NS("tls"),        NS("auth"),        NS("matcher"),      END};
static const struct gost_cfg_kind fwd_node_kind = {"node", fwd_node_keys};

static const struct gost_cfg_key forwarder_keys[] = {K("name", STR), OL("nodes", fwd_node_kind),
                                                     NS("selector"), END};
static const struct gost_cfg_kind forwarder_kind = {"forwarder", forwarder_keys};

static const struct gost_cfg_key service_keys[] = {
    K("name", STR),       K("addr", STR),      O("handler", handler_kind),
    O("listener", listener_kind), O("forwarder", forwarder_kind), M(SERVICE),
    NS("interface"),      NS("sockopts"),      NS("admission"),   NS("admissions"),
    K("bypass", STR),     K("bypasses", STRLIST), NS("resolver"),  NS("hosts"),
    K("limiter", STR),    K("climiter", STR),  K("rlimiter", STR), NS("logger"),
    NS("loggers"),        NS("observer"),      NS("recorders"),   NS("status"),
    END};
static const struct gost_cfg_kind service_kind = {"service", service_keys};

/* ---- chains ---- */

static const struct gost_cfg_key dialer_keys[] = {K("type", STR), M(DIALER), NS("auth"), NS("tls"),
                                                  END};
static const struct gost_cfg_kind dialer_kind = {"dialer", dialer_keys};

static const struct gost_cfg_key connector_keys[] = {
    K("type", STR), O("auth", auth_kind), M(CONNECTOR), NS("tls"),
    /* GOST's docs indent `dialer` one level too deep in one example (seed 000); stock ignores
     * it there, so we accept it, check it, and say at load that it has no effect. */
    {.name = "dialer", .type = GOST_CV_OBJ, .sub = &dialer_kind, .status = GOST_CK_NOEFFECT,
     .note = "a dialer belongs to the node, one level up; this one is ignored as in stock GOST"},
    END};
static const struct gost_cfg_kind connector_kind = {"connector", connector_keys};

static const struct gost_cfg_key node_keys[] = {
    K("name", STR),     K("addr", STR),        O("connector", connector_kind),
    O("dialer", dialer_kind), M(NODE),         NS("host"),      NS("network"),
    NS("protocol"),     NS("path"),            NS("interface"), NS("sockopts"),
    K("bypass", STR),   K("bypasses", STRLIST), NS("resolver"), NS("hosts"),
    NS("http"),         NS("tls"),             NS("auth"),      END};
static const struct gost_cfg_kind node_kind = {"node", node_keys};

static const struct gost_cfg_key hop_keys[] = {
    K("name", STR),  OL("nodes", node_kind), NS("interface"), NS("sockopts"), NS("selector"),
    K("bypass", STR), K("bypasses", STRLIST), NS("resolver"), NS("hosts"),    NS("reload"),
    NS("file"),      NS("redis"),            NS("http"),      NS("plugin"),   END};
static const struct gost_cfg_kind hop_kind = {"hop", hop_keys};

static const struct gost_cfg_key chain_keys[] = {K("name", STR), OL("hops", hop_kind),
                                                 NS("metadata"), END};
static const struct gost_cfg_kind chain_kind = {"chain", chain_keys};

/* ---- the document ---- */

static const struct gost_cfg_key root_keys[] = {
    OL("services", service_kind), OL("chains", chain_kind), OL("authers", auther_kind),
    OL("ingresses", ingress_kind), O("log", log_kind),
    NS("hops"),       NS("admissions"), OL("bypasses", bypass_kind), NS("resolvers"), NS("hosts"),
    NS("routers"),    OL("sds", sd_kind),  NS("recorders"), OL("limiters", limiter_kind),
    OL("climiters", limiter_kind), OL("rlimiters", limiter_kind), NS("observers"),  NS("loggers"),   NS("tls"),       NS("profiling"),
    O("api", api_kind), O("metrics", metrics_kind), END};
const struct gost_cfg_kind gost__cfg_root = {"config", root_keys};

/* ---- kinds used inside metadata values ---- */

/* tunnel/host/network: a raw public port routed to one tunnel (docs/tunnel-ports.md) */
static const struct gost_cfg_key entrypoint_keys[] = {K("addr", STR), K("ingress", STR), K("tunnel", UUID),
                                                      K("host", STR), K("network", STR), END};
static const struct gost_cfg_kind entrypoint_kind = {"entrypoint", entrypoint_keys};

/* ---- metadata: key, type, the objects whose metadata may hold it ---- */

#define H GOST_MS_HANDLER
#define L GOST_MS_LISTENER
#define S GOST_MS_SERVICE
#define C GOST_MS_CONNECTOR
#define D GOST_MS_DIALER
#define N GOST_MS_NODE
#define F GOST_MS_FORWARD
#define MK(n, t, w) {.name = (n), .type = GOST_CV_##t, .where = (w)}
#define MR(n, t, w, lo, hi) {.name = (n), .type = GOST_CV_##t, .where = (w), .min = (lo), .max = (hi)}
#define MNS(n, w) {.name = (n), .type = GOST_CV_ANY, .where = (w), .status = GOST_CK_UNSUP}

const struct gost_cfg_key gost__cfg_meta_keys[] = {
    /* tunnel server (handler tunnel/relay) */
    MK("entrypoint", STR, H),
    MK("entrypoint.id", UUID, H),
    MK("entrypoint.readTimeout", DUR, H),
    MK("entrypoint.keepalive", BOOL, H),
    MK("entrypoint.accesslog", BOOL, H), /* one info line per public request (docs/operations.md) */
    MK("entrypoint.relay.unsafe", BOOL, H),
    MR("entrypoint.proxyProtocol", INT, H, 0, 2),
    {.name = "entrypoints", .type = GOST_CV_OBJLIST, .where = H, .sub = &entrypoint_kind},
    MK("entrypoint.ports", STR, H), /* raw public ports: "[udp/]ADDR/TUNNEL_ID[/HOST],..." */
    /* the public tunnel service (docs/tunnel-public.md); also as one `tunnel.public` object */
    MK("tunnel.public", ANY, H),
    MK("tunnel.public.domain", STR, H),
    MK("tunnel.public.names", BOOL, H),
    MK("tunnel.public.expire", DUR, H),
    MK("tunnel.public.state", STR, H),
    MR("tunnel.public.rate", INT, H, 0, 1000000),
    MK("tunnel.public.certFile", STR, H),
    MK("tunnel.public.keyFile", STR, H),
    MK("ingress", STR, H),
    MK("bypass", STR, H | S | N), /* -L/-F ?bypass=a,b (~a,b: whitelist), as stock's command line */
    MK("tunnel", STR, H),
    MK("tunnel.direct", BOOL, H),
    MK("tunnel.statsTTL", DUR, H), /* how long an empty tunnel's totals are kept (docs/operations.md) */
    {.name = "tunnel.ttl", .type = GOST_CV_DUR, .where = H, .status = GOST_CK_NOEFFECT,
     .note = "libgost drops a connector the moment its session closes, so there is nothing to expire"},
    /* smux: server side on the handler, client side on the connector */
    MR("mux.version", INT, H | C | N, 1, 2),
    MK("mux.keepaliveInterval", DUR, H | C),
    MK("mux.keepaliveTimeout", DUR, H | C),
    MK("mux.keepaliveDisabled", BOOL, H | C),
    MR("mux.maxFrameSize", INT, H | C, 1, 65535),
    MR("mux.maxStreamBuffer", INT, H | C, 1, 2147483647),
    MR("mux.maxStreams", INT, H | C, 1, 1000000),
    MR("mux.maxStreamWindow", INT, H | C, 1, 2147483647), /* adaptive window ceiling (perf) */
    MNS("mux.maxReceiveBuffer", H | C),
    /* proxies and forwarders */
    MK("readTimeout", DUR, H),
    MK("idleTimeout", DUR, H),
    MK("realm", STR, H),
    MK("sniffing", BOOL, H),
    MK("sniffing.timeout", DUR, H),
    MR("proxyProtocol", INT, H, 0, 2),
    /* resource budget (docs/limits.md) */
    MK("writeTimeout", DUR, H | L | S),
    MR("handshake.max", INT, H, 1, 1000000),
    MR("conns.max", INT, H | L | S, 1, 100000000),
    MR("udp.maxFlows", INT, L | S, 1, 1000000),
    /* remote forwarding without a tunnel (docs/remote-forwarding.md): relay/socks5 binds, SOCKS5 UDP */
    MK("bind", BOOL, H),
    MK("udp", BOOL, H),
    MK("udp.ttl", DUR, H),
    /* UDP listener */
    MK("keepalive", BOOL, L),
    MK("ttl", DUR, L),
    MK("keepalive.ttl", DUR, L),
    MR("readBufferSize", INT, L, 1, 65535),
    MR("udp.bufferSize", INT, L, 1, 65535),
    MR("readQueueSize", INT, L, 1, 4096),
    /* rtcp/rudp listener */
    MK("header.timeout", DUR, L),
    /* TLS and WebSocket listeners (service metadata is their fallback) and dialers */
    MK("certFile", STR, L | S | D | N),
    MK("keyFile", STR, L | S | D | N),
    MK("caFile", STR, L | S | D | N),
    MK("serverName", STR, L | S | D | N),
    MK("alpn", STR, L | S | D | N),
    MK("secure", BOOL, L | S | D | N),
    MK("handshakeTimeout", DUR, L | S | D | N),
    MK("path", STR, L | S | D | N),
    MK("host", STR, L | S | D | N),
    MR("maxMessageSize", INT, L | S | D | N, 1, 1LL << 30),
    /* tunnel client (connector tunnel/relay) */
    MK("tunnel.id", UUID, C | N),
    MK("tunnelID", UUID, C | N),
    MR("tunnel.weight", INT, C | N, 0, 255),
    /* multiplexed visitor sessions (docs/tunnel.md): visitor node on, server off */
    MK("tunnel.mux", BOOL, H | C | N),
    MK("connectTimeout", DUR, C | N),
    /* scale-out (docs/cluster.md) */
    MK("sd", STR, H),
    MK("node.addr", STR, H),
    MK("node.id", STR, H),
    MK("node.secret", STR, H),
    MK("node.listen", STR, H),
    MK("node.tls", BOOL, H),
    MK("node.tls.caFile", STR, H),
    MK("node.tls.certFile", STR, H),
    MK("node.tls.keyFile", STR, H),
    MK("node.tls.serverName", STR, H),
    MK("node.tls.secure", BOOL, H),
    MK("tunnel.connections.all", BOOL, L | C | N),
    MK("so_reuseport", BOOL, L | S | H),
    /* node selection */
    MK("backup", BOOL, N | F),
    /* stock GOST keys libgost does not implement */
    MNS("entrypoint.compression", H),
    MNS("sniffing.websocket", H),
    MNS("sniffing.websocket.sampleRate", H),
    MNS("observePeriod", H | S),
    MNS("observer.period", H | S),
    MNS("observer.observePeriod", H | S),
    MNS("observer.resetTraffic", H | S),
    MNS("limiter.refreshInterval", H | S),
    MNS("limiter.scope", H | S),
    MNS("hash", H),
    MNS("header", H | C),
    MNS("probeResistance", H),
    MNS("knock", H),
    MNS("udpBufferSize", H),
    MNS("compatibilityMode", H),
    MNS("mitm.certFile", H),
    MNS("mitm.keyFile", H),
    MNS("mitm.alpn", H),
    MNS("mitm.bypass", H),
    MNS("certificate", H),
    MNS("privateKey", H),
    MNS("backlog", L),
    MNS("mptcp", L | D),
    MNS("interface", S),
    MNS("so_mark", S),
    MNS("netns", S),
    MNS("netns.out", S),
    MNS("preUp", S),
    MNS("postUp", S),
    MNS("preDown", S),
    MNS("postDown", S),
    MNS("ignoreChain", S),
    MNS("enableStats", S),
    MNS("dialTimeout", S),
    MNS("maxFails", F | N),
    MNS("failTimeout", F | N),
    MNS("noTLS", C),
    MNS("userAgent", C),
    {.name = NULL}};
