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

from ._lib import lib, available, CtxHandle, IngressHandle, TunnelHandle, LOG_CB, TUNNEL_STATE_CB, CONNECTOR_INFO_CB
from ._errors import GostError, check, error_class

__all__ = ["Context", "Service", "Ingress", "Tunnel", "GostError", "version", "endpoint_name", "error_class"]

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

    def connectors(self):
        """Live tunnel connectors of a tunnel server: list of dicts."""
        out = []

        def cb(svc, info, user):
            i = info.contents
            out.append({"tunnel_id": i.tunnel_id.decode(), "connector_id": i.connector_id.decode(),
                        "udp": bool(i.udp), "weight": i.weight, "streams": i.streams,
                        "bytes_in": i.bytes_in, "bytes_out": i.bytes_out})

        keep = CONNECTOR_INFO_CB(cb)
        _call("gost_service_connectors", self._h, keep, None)
        return out


class Ingress:
    """Host rules of a Context, changeable while it runs (from the loop's thread or when stopped)."""

    def __init__(self, ctx, handle):
        self._ctx = ctx
        self._h = handle

    def set_rule(self, hostname, endpoint):
        _call("gost_ingress_set_rule", self._h, _b(hostname), _b(endpoint))

    def remove_rule(self, hostname):
        _call("gost_ingress_remove_rule", self._h, _b(hostname))

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

    def new_ingress(self, name):
        h = IngressHandle()
        _call("gost_ingress_new", ctypes.byref(h), self._h, _b(name))
        return Ingress(self, h)

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
