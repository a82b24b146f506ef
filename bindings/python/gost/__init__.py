"""libgost from Python: build a context from GOST configs or URLs, run it on a thread, stop it.

    import gost
    with gost.Context() as ctx:
        ctx.load_urls(["tcp://127.0.0.1:0/127.0.0.1:80"])
        ctx.start()
        ctx.run_in_thread()
        port = ctx.services()[0].port
"""
import ctypes
import threading

import json

from ._lib import lib, available, CtxHandle, IngressHandle, TunnelHandle, LOG_CB, TUNNEL_STATE_CB, CONNECTOR_INFO_CB
from ._lib import SdHandle
from ._lib import EVENT_CB, CALL_FN
from ._lib import LimiterHandle
from ._lib import TUNNEL_STATS_CB
from ._errors import GostError, check, error_class

__all__ = ["Context", "Service", "Ingress", "Tunnel", "GostError", "version", "endpoint_name", "error_class"]

# Service.stat(which): gost_service_stat's GOST_STAT_* (gost/service.h)
STAT_CONNECTIONS, STAT_ACTIVE, STAT_BYTES_IN, STAT_BYTES_OUT, STAT_VISITOR_SESSIONS = range(5)
TUNNEL_STATES = {0: "connecting", 1: "registered", 2: "lost", 3: "retrying", 4: "stopped"}


def _b(s):
    return None if s is None else (s.encode() if isinstance(s, str) else s)


def _call(name, *args):
    if name not in available:
        raise GostError(-6, "GOST_EUNSUPPORTED", "%s is not in this libgost" % name)
    return check(getattr(lib, name)(*args))


def version():
    return lib.gost_version_string().decode()


def endpoint_name(tunnel_id):
    """Public endpoint name of a tunnel ID: the first 16 hex digits of MD5 of the UUID."""
    buf = ctypes.create_string_buffer(64)
    _call("gost_tunnel_endpoint_name", _b(tunnel_id), buf, len(buf))
    return buf.value.decode()


class Service:
    """A service borrowed from its Context (the Context owns and frees it)."""

    def __init__(self, ctx, handle):
        self._ctx = ctx
        self._h = handle

    @property
    def name(self):
        return lib.gost_service_name(self._h).decode()

    @property
    def port(self):
        return lib.gost_service_port(self._h)

    @property
    def entrypoint_port(self):
        return lib.gost_service_entrypoint_port(self._h)

    def stat(self, which):
        return lib.gost_service_stat(self._h, which)

    def load_auth_redis(self, addr, key="gost:authers", db=0, password=None, reload_ms=0):
        """Credentials from a Redis hash (username -> password); see docs/cluster.md."""
        _call("gost_service_load_auth_redis", self._h, _b(addr), db, _b(password), _b(key), reload_ms)
    def add_auth(self, user, password, bind=None, visit=None):
        """Adds a user; on a tunnel server, bind/visit (lists of tunnel IDs) limit which tunnels
        it may register and visit. Neither: any tunnel; one given: none of the other kind.
        Call while the context is stopped."""
        def ids(v):
            return None if v is None else ",".join(v)
        _call("gost_service_add_auth_tunnels", self._h, _b(user), _b(password), _b(ids(bind)), _b(ids(visit)))

    def add_bypass(self, matchers, whitelist=False):
        """Adds a bypass (docs/bypass.md): targets it holds back are refused (HTTP 403, SOCKS5
        0x02, relay Forbidden). whitelist=True holds back everything not listed. Matchers:
        CIDR, "a-b" IP range, "*.glob[:port]", "[.]host[:port|:lo-hi]". Takes effect for the
        next connection; call on the loop thread or while the context is stopped."""
        arr = (ctypes.c_char_p * len(matchers))(*[_b(m) for m in matchers])
        _call("gost_service_add_bypass", self._h, 1 if whitelist else 0, arr, len(matchers))

    def clear_bypass(self):
        """Removes every bypass of the service."""
        if "gost_service_clear_bypass" not in available:
            raise GostError(-6, "GOST_EUNSUPPORTED", "gost_service_clear_bypass is not in this libgost")
        lib.gost_service_clear_bypass(self._h)

    def connectors(self):
        """Live tunnel connectors of a tunnel server: list of dicts."""
        out = []

        def cb(svc, info, user):
            i = info.contents
            out.append({"tunnel_id": i.tunnel_id.decode(), "connector_id": i.connector_id.decode(),
                        "udp": bool(i.udp), "weight": i.weight, "streams": i.streams,
                        "bytes_in": i.bytes_in, "bytes_out": i.bytes_out})

        keep = CONNECTOR_INFO_CB(cb)
        self._ctx._on_loop(lambda: _call("gost_service_connectors", self._h, keep, None))
        return out

    def connector_info(self):
        """Live connectors with client address and uptime (seconds): list of dicts."""
        out = []

        def cb(svc, p, user):
            c = p.contents
            out.append({"tunnel_id": c.tunnel_id.decode(), "connector_id": c.connector_id.decode(),
                        "client": (c.client or b"").decode(), "udp": bool(c.udp), "weight": c.weight,
                        "uptime": c.uptime_s, "streams": c.streams, "bytes_in": c.bytes_in,
                        "bytes_out": c.bytes_out})

        keep = CONNECTOR_INFO_CB(cb)
        self._ctx._on_loop(lambda: _call("gost_service_connectors", self._h, keep, None))
        return out

    def set_limiter(self, limiter, handler=False):
        """Attaches a Limiter (service `limiter`/`climiter`/`rlimiter` by its kind), or with
        handler=True a traffic limiter as `handler.limiter` (per tunnel on a tunnel server)."""
        if handler:
            self._ctx._on_loop(lambda: _call("gost_service_set_handler_limiter", self._h, limiter._h))
        else:
            k = LIMITER_KINDS[limiter.kind]
            self._ctx._on_loop(lambda: _call("gost_service_set_limiter", self._h, k, limiter._h))

    def tunnel_stats(self):
        """Per-tunnel totals over all connectors past and present (they survive a connector
        leaving and rejoining; an empty tunnel is kept for tunnel.statsTTL): list of dicts."""
        out = []

        def cb(svc, p, user):
            t = p.contents
            out.append({"tunnel_id": t.tunnel_id.decode(), "connectors": t.connectors,
                        "connections": t.connections, "streams": t.streams, "bytes_in": t.bytes_in,
                        "bytes_out": t.bytes_out, "idle": t.idle_s})

        keep = TUNNEL_STATS_CB(cb)
        self._ctx._on_loop(lambda: _call("gost_service_tunnel_stats", self._h, keep, None))
        return out

    def disconnect(self, connector_id):
        """Ends a tunnel client's session (it reconnects by itself)."""
        self._ctx._on_loop(lambda: _call("gost_service_disconnect", self._h, _b(connector_id)))


class Ingress:
    """Host rules of a Context, changeable while it runs: from another thread the change is
    handed to the loop thread (gost_ctx_call) and waited for, so it never races the loop."""

    def __init__(self, ctx, handle):
        self._ctx = ctx
        self._h = handle

    def set_rule(self, hostname, endpoint):
        self._ctx._on_loop(lambda: _call("gost_ingress_set_rule", self._h, _b(hostname), _b(endpoint)))

    def remove_rule(self, hostname):
        self._ctx._on_loop(lambda: _call("gost_ingress_remove_rule", self._h, _b(hostname)))

    def lookup(self, host):
        """(tunnel_id, private) for host, or None when no rule matches."""
        buf = ctypes.create_string_buffer(64)
        priv = ctypes.c_int(0)
        rc = lib.gost_ingress_lookup(self._h, _b(host), buf, len(buf), ctypes.byref(priv))
        if rc == -4:
            return None
        check(rc)
        return buf.value.decode(), bool(priv.value)

    def __len__(self):
        return lib.gost_ingress_rule_count(self._h)

    def load_redis(self, addr, key="gost:ingress", db=0, password=None, type="hash", reload_ms=0):
        """Follow a Redis hash (hostname -> endpoint) or set; see docs/cluster.md."""
        _call("gost_ingress_load_redis", self._h, _b(addr), db, _b(password), _b(key), _b(type), reload_ms)


LIMITER_KINDS = {"traffic": 0, "conn": 1, "rate": 2}  # gost_limiter_kind_t


class Limiter:
    """A stock limiter (docs/limiters.md): traffic ("$ 10MB 10MB"), conn ("$$ 20") or rate
    ("$ 100") lines. Changes apply at once to its services and their open connections; from
    another thread they are handed to the loop thread like Ingress changes."""

    def __init__(self, ctx, handle):
        self._ctx = ctx
        self._h = handle

    @property
    def name(self):
        n = lib.gost_limiter_name(self._h)
        return n.decode() if n else None

    @property
    def kind(self):
        return {v: k for k, v in LIMITER_KINDS.items()}[lib.gost_limiter_kind(self._h)]

    def set_limits(self, limits):
        """Replaces every line (all or nothing: a bad line raises and changes nothing)."""
        arr = (ctypes.c_char_p * max(len(limits), 1))(*[_b(x) for x in limits])
        self._ctx._on_loop(lambda: _call("gost_limiter_set_limits", self._h, arr, len(limits)))

    @property
    def limits(self):
        return [lib.gost_limiter_limit_at(self._h, i).decode() for i in range(lib.gost_limiter_limit_count(self._h))]

    @property
    def hits(self):
        """Connections refused (conn, rate) or reads paused (traffic)."""
        return lib.gost_limiter_hits(self._h)


class Sd:
    """A tunnel registry shared through Redis by several tunnel servers (docs/cluster.md).
    A tunnel service uses it through its handler metadata `sd`."""

    def __init__(self, ctx, handle):
        self._ctx = ctx
        self._h = handle

    def set(self, option, value):
        """option: "db", "password", "key" or "ttl" (a duration such as "10s")."""
        _call("gost_sd_set", self._h, _b(option), _b(str(value)))

    @property
    def connected(self):
        return bool(lib.gost_sd_is_connected(self._h))


class Tunnel:
    """Publishes local targets through a tunnel server (client side)."""

    def __init__(self, ctx, server_url, tunnel_id, bind=":0", on_state=None):
        self._ctx = ctx
        self._h = TunnelHandle()
        _call("gost_tunnel_new", ctypes.byref(self._h), ctx._h, _b(server_url), _b(tunnel_id), _b(bind))
        self.states = []
        self._user_cb = on_state

        def cb(t, state, detail, user):
            item = (TUNNEL_STATES.get(state, state), (detail or b"").decode(errors="replace"))
            self.states.append(item)
            if self._user_cb:
                self._user_cb(*item)

        self._cb = TUNNEL_STATE_CB(cb)  # kept on the wrapper: ctypes would otherwise free it
        _call("gost_tunnel_set_state_cb", self._h, self._cb, None)

    def add_target(self, addr, filter_host=None):
        _call("gost_tunnel_add_target", self._h, _b(addr), _b(filter_host))

    def set_weight(self, weight):
        _call("gost_tunnel_set_weight", self._h, weight)

    def set_udp(self, udp=True):
        _call("gost_tunnel_set_udp", self._h, 1 if udp else 0)

    def start(self):
        _call("gost_tunnel_start", self._h)

    @property
    def state(self):
        return TUNNEL_STATES.get(lib.gost_tunnel_state(self._h))

    @property
    def endpoint(self):
        return (lib.gost_tunnel_endpoint(self._h) or b"").decode()

    def close(self):
        if self._h:
            lib.gost_tunnel_free(self._h)
            self._h = None


class Context:
    """A libgost context owning its loop. Load a config, start, run on a thread, stop."""

    def __init__(self, log=None, log_level=2):
        self._h = CtxHandle()
        _call("gost_ctx_new", ctypes.byref(self._h))
        self._thread = None
        self._tunnels = []
        self._log_cb = None
        self._event_cb = None
        self._calls = {}
        self._call_seq = 0
        self._call_lock = threading.Lock()
        self._call_tramp = CALL_FN(self._run_call)
        if log is not None:
            self._log_cb = LOG_CB(lambda c, lvl, msg, u: log(lvl, msg.decode(errors="replace")))
            lib.gost_ctx_set_log_cb(self._h, log_level, self._log_cb, None)
        else:
            lib.gost_ctx_set_log_level(self._h, log_level)

    def load_json(self, text):
        data = _b(text)
        _call("gost_ctx_load_json", self._h, data, len(data))

    def load_yaml(self, text):
        data = _b(text)
        _call("gost_ctx_load_yaml", self._h, data, len(data))

    def load_file(self, path):
        _call("gost_ctx_load_file", self._h, _b(path))

    def load_urls(self, services, nodes=()):
        sv = (ctypes.c_char_p * max(1, len(services)))(*[_b(s) for s in services])
        nv = (ctypes.c_char_p * max(1, len(nodes)))(*[_b(n) for n in nodes])
        _call("gost_ctx_load_urls", self._h, sv, len(services), nv, len(nodes))

    def start(self):
        _call("gost_ctx_start", self._h)

    # ---- run-time control (gost/control.h) ----

    def _run_call(self, ctx, user):
        with self._call_lock:
            fn = self._calls.pop(user or 0, None)
        if fn is not None:
            fn()

    def call(self, fn, timeout=10):
        """Runs fn() on the loop thread (gost_ctx_call) and returns its result or raises its
        exception. Called on the loop thread, or with no loop thread running, fn runs at once."""
        return self._on_loop(fn, timeout)

    def _on_loop(self, fn, timeout=10):
        t = self._thread
        if t is None or not t.is_alive() or threading.current_thread() is t:
            return fn()
        done, box = threading.Event(), {}

        def run():
            try:
                box["value"] = fn()
            except BaseException as e:  # handed back to the calling thread
                box["error"] = e
            finally:
                done.set()

        with self._call_lock:
            self._call_seq += 1
            key = self._call_seq
            self._calls[key] = run
        _call("gost_ctx_call", self._h, self._call_tramp, ctypes.c_void_p(key))
        if not done.wait(timeout):
            with self._call_lock:
                self._calls.pop(key, None)
            raise TimeoutError("the loop thread did not run the call within %s s" % timeout)
        if "error" in box:
            raise box["error"]
        return box.get("value")

    def on_event(self, callback):
        """callback(dict) on the loop thread for connector_up/down, stream_open/close,
        config_applied/failed. None turns it off."""
        if callback is None:
            self._event_cb = None
            self._on_loop(lambda: lib.gost_ctx_set_event_cb(self._h, EVENT_CB(), None))
            return

        def cb(ctx, p, user):
            e = p.contents
            d = {"type": (lib.gost_event_type_name(e.type) or b"").decode()}
            for k in ("service", "tunnel_id", "connector_id", "client", "network", "detail"):
                v = getattr(e, k)
                if v is not None:
                    d[k] = v.decode(errors="replace")
            d.update(weight=e.weight, bytes_in=e.bytes_in, bytes_out=e.bytes_out)
            callback(d)

        self._event_cb = EVENT_CB(cb)
        self._on_loop(lambda: _call("gost_ctx_set_event_cb", self._h, self._event_cb, None))

    def apply_config(self, text):
        """Diff and apply a whole config (JSON or YAML text, or a dict) to the running context."""
        data = _b(json.dumps(text) if isinstance(text, dict) else text)
        self._on_loop(lambda: _call("gost_ctx_apply_config", self._h, data, len(data)))

    def reload(self):
        """Re-reads the file given to load_file and applies the difference."""
        self._on_loop(lambda: _call("gost_ctx_reload", self._h))

    def config(self):
        """The running config as a dict (names filled in)."""
        def get():
            n = ctypes.c_size_t(0)
            lib.gost_ctx_config_json(self._h, None, ctypes.byref(n))
            buf = ctypes.create_string_buffer(n.value)
            _call("gost_ctx_config_json", self._h, buf, ctypes.byref(n))
            return json.loads(buf.value.decode())
        return self._on_loop(get)

    def serve_api(self, addr="127.0.0.1:0", user=None, password=None, prefix=None):
        """Starts the web API (docs/api.md); returns its port."""
        return self._on_loop(lambda: (_call("gost_ctx_serve_api", self._h, _b(addr), _b(user), _b(password),
                                            _b(prefix)), lib.gost_ctx_api_port(self._h))[1])

    def serve_metrics(self, addr="127.0.0.1:0", path=None):
        """Starts the Prometheus endpoint; returns its port."""
        return self._on_loop(lambda: (_call("gost_ctx_serve_metrics", self._h, _b(addr), _b(path)),
                                      lib.gost_ctx_metrics_port(self._h))[1])

    def services(self):
        n = lib.gost_ctx_service_count(self._h)
        return [Service(self, lib.gost_ctx_service_at(self._h, i)) for i in range(n)]

    def service(self, name):
        h = lib.gost_ctx_service(self._h, _b(name))
        if not h:
            raise error_class(-4)(-4, "GOST_ENOTFOUND", "no service %r" % name)
        return Service(self, h)

    def ingress(self, name):
        h = lib.gost_ctx_ingress(self._h, _b(name))
        if not h:
            raise error_class(-4)(-4, "GOST_ENOTFOUND", "no ingress %r" % name)
        return Ingress(self, h)

    def limiter(self, name, limits=None, kind="traffic"):
        """The limiter of that kind and name; created when limits are given and it does not
        exist yet (then limits are set either way)."""
        k = LIMITER_KINDS[kind]
        h = lib.gost_ctx_limiter(self._h, k, _b(name))
        if not h and limits is None:
            raise error_class(-4)(-4, "GOST_ENOTFOUND", "no %s limiter %r" % (kind, name))
        if not h:
            h = LimiterHandle()
            _call("gost_limiter_new", ctypes.byref(h), self._h, k, _b(name))
        lim = Limiter(self, h)
        if limits is not None:
            lim.set_limits(limits)
        return lim

    def new_ingress(self, name):
        h = IngressHandle()
        _call("gost_ingress_new", ctypes.byref(h), self._h, _b(name))
        return Ingress(self, h)

    def new_sd(self, name, redis_addr, **options):
        """A shared tunnel registry in Redis; options: db, password, key, ttl."""
        h = SdHandle()
        _call("gost_sd_new", ctypes.byref(h), self._h, _b(name), _b(redis_addr))
        sd = Sd(self, h)
        for k, v in options.items():
            sd.set(k, v)
        return sd

    def sd(self, name):
        h = lib.gost_ctx_sd(self._h, _b(name))
        if not h:
            raise error_class(-4)(-4, "GOST_ENOTFOUND", "no sd %r" % name)
        return Sd(self, SdHandle(h))

    def tunnel(self, server_url, tunnel_id, bind=":0", on_state=None):
        t = Tunnel(self, server_url, tunnel_id, bind, on_state)
        self._tunnels.append(t)
        return t

    def run(self):
        """Runs the loop on this thread until stop(); ctypes releases the GIL meanwhile."""
        _call("gost_ctx_run", self._h, 0)

    def run_in_thread(self):
        self._thread = threading.Thread(target=self.run, name="gost-loop", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout=10):
        """Safe from any thread."""
        lib.gost_ctx_stop(self._h)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def close(self):
        if self._h:
            self.stop()
            for t in self._tunnels:
                t._h = None  # freed with the context
            lib.gost_ctx_free(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
