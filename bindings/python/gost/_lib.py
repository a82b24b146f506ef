"""Loads libgost and declares every argtypes/restype in one place."""
import ctypes
import ctypes.util
import os

ABI_MAJOR = 0  # GOST_VERSION_MAJOR the binding was written for


class CtxHandle(ctypes.c_void_p):
    pass


class ServiceHandle(ctypes.c_void_p):
    pass


class IngressHandle(ctypes.c_void_p):
    pass


class SdHandle(ctypes.c_void_p):
    pass


class LimiterHandle(ctypes.c_void_p):  # gost/limiter.h
    pass


class TunnelHandle(ctypes.c_void_p):
    pass


LOG_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
TUNNEL_STATE_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
CONNECTOR_CB = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int,
                                ctypes.c_uint64, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_void_p)


# control plane (gost/control.h)
class Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("service", ctypes.c_char_p), ("tunnel_id", ctypes.c_char_p),
                ("connector_id", ctypes.c_char_p), ("client", ctypes.c_char_p), ("network", ctypes.c_char_p),
                ("weight", ctypes.c_int), ("bytes_in", ctypes.c_uint64), ("bytes_out", ctypes.c_uint64),
                ("detail", ctypes.c_char_p)]


EVENT_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(Event), ctypes.c_void_p)
CALL_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)


class ConnectorInfo(ctypes.Structure):
    """gost_connector_info_t (gost/service.h); fields may be appended, `size` says how many."""
    _fields_ = [("size", ctypes.c_size_t), ("tunnel_id", ctypes.c_char_p),
                ("connector_id", ctypes.c_char_p), ("udp", ctypes.c_int), ("weight", ctypes.c_int),
                ("streams", ctypes.c_uint64), ("bytes_in", ctypes.c_uint64),
                ("bytes_out", ctypes.c_uint64),
                ("client", ctypes.c_char_p), ("uptime_s", ctypes.c_double)]  # appended: control plane


CONNECTOR_INFO_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(ConnectorInfo), ctypes.c_void_p)


class TunnelStats(ctypes.Structure):
    """gost_tunnel_stats_t (gost/control.h): one tunnel's totals over all its connectors."""
    _fields_ = [("size", ctypes.c_size_t), ("tunnel_id", ctypes.c_char_p), ("connectors", ctypes.c_int),
                ("connections", ctypes.c_uint64), ("streams", ctypes.c_uint64), ("bytes_in", ctypes.c_uint64),
                ("bytes_out", ctypes.c_uint64), ("idle_s", ctypes.c_double)]


TUNNEL_STATS_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(TunnelStats), ctypes.c_void_p)


def _load():
    path = os.environ.get("GOST_LIBRARY")
    if path:
        return ctypes.CDLL(path)
    # Always the SONAME, never the unversioned dev symlink.
    found = ctypes.util.find_library("gost")
    if found and found.endswith(".so.%d" % ABI_MAJOR):
        return ctypes.CDLL(found)
    return ctypes.CDLL("libgost.so.%d" % ABI_MAJOR)


lib = _load()

_c = ctypes
_SIGS = {
    "gost_version": (_c.c_uint, []),
    "gost_version_string": (_c.c_char_p, []),
    "gost_strerror": (_c.c_char_p, [_c.c_int]),
    "gost_error_name": (_c.c_char_p, [_c.c_int]),
    "gost_last_error": (_c.c_char_p, []),
    "gost_ctx_new": (_c.c_int, [_c.POINTER(CtxHandle)]),
    "gost_ctx_free": (None, [CtxHandle]),
    "gost_ctx_run": (_c.c_int, [CtxHandle, _c.c_int]),
    "gost_ctx_stop": (_c.c_int, [CtxHandle]),
    "gost_ctx_start": (_c.c_int, [CtxHandle]),
    "gost_ctx_set_log_cb": (None, [CtxHandle, _c.c_int, LOG_CB, _c.c_void_p]),
    "gost_ctx_set_log_level": (None, [CtxHandle, _c.c_int]),
    "gost_ctx_load_json": (_c.c_int, [CtxHandle, _c.c_char_p, _c.c_size_t]),
    "gost_ctx_load_yaml": (_c.c_int, [CtxHandle, _c.c_char_p, _c.c_size_t]),
    "gost_ctx_load_file": (_c.c_int, [CtxHandle, _c.c_char_p]),
    "gost_ctx_load_urls": (_c.c_int, [CtxHandle, _c.POINTER(_c.c_char_p), _c.c_size_t,
                                      _c.POINTER(_c.c_char_p), _c.c_size_t]),
    "gost_ctx_service": (ServiceHandle, [CtxHandle, _c.c_char_p]),
    "gost_ctx_ingress": (IngressHandle, [CtxHandle, _c.c_char_p]),
    "gost_ctx_service_count": (_c.c_size_t, [CtxHandle]),
    "gost_ctx_service_at": (ServiceHandle, [CtxHandle, _c.c_size_t]),
    "gost_service_name": (_c.c_char_p, [ServiceHandle]),
    "gost_service_port": (_c.c_uint16, [ServiceHandle]),
    "gost_service_entrypoint_port": (_c.c_uint16, [ServiceHandle]),
    "gost_service_stat": (_c.c_uint64, [ServiceHandle, _c.c_int]),
    "gost_service_foreach_connector": (_c.c_int, [ServiceHandle, CONNECTOR_CB, _c.c_void_p]),
    "gost_service_connectors": (_c.c_int, [ServiceHandle, CONNECTOR_INFO_CB, _c.c_void_p]),
    "gost_service_tunnel_stats": (_c.c_int, [ServiceHandle, TUNNEL_STATS_CB, _c.c_void_p]),
    "gost_service_add_auth_tunnels": (_c.c_int, [ServiceHandle, _c.c_char_p, _c.c_char_p, _c.c_char_p,
                                                 _c.c_char_p]),
    # bypass (docs/bypass.md)
    "gost_service_add_bypass": (_c.c_int, [ServiceHandle, _c.c_int, _c.POINTER(_c.c_char_p), _c.c_size_t]),
    "gost_service_clear_bypass": (None, [ServiceHandle]),
    # limiters (gost/limiter.h)
    "gost_limiter_new": (_c.c_int, [_c.POINTER(LimiterHandle), CtxHandle, _c.c_int, _c.c_char_p]),
    "gost_limiter_set_limits": (_c.c_int, [LimiterHandle, _c.POINTER(_c.c_char_p), _c.c_size_t]),
    "gost_limiter_limit_count": (_c.c_size_t, [LimiterHandle]),
    "gost_limiter_limit_at": (_c.c_char_p, [LimiterHandle, _c.c_size_t]),
    "gost_limiter_hits": (_c.c_uint64, [LimiterHandle]),
    "gost_limiter_name": (_c.c_char_p, [LimiterHandle]),
    "gost_limiter_kind": (_c.c_int, [LimiterHandle]),
    "gost_limiter_free": (None, [LimiterHandle]),
    "gost_ctx_limiter": (LimiterHandle, [CtxHandle, _c.c_int, _c.c_char_p]),
    "gost_service_set_limiter": (_c.c_int, [ServiceHandle, _c.c_int, LimiterHandle]),
    "gost_service_set_handler_limiter": (_c.c_int, [ServiceHandle, LimiterHandle]),
    "gost_ingress_new": (_c.c_int, [_c.POINTER(IngressHandle), CtxHandle, _c.c_char_p]),
    "gost_ingress_set_rule": (_c.c_int, [IngressHandle, _c.c_char_p, _c.c_char_p]),
    "gost_ingress_remove_rule": (_c.c_int, [IngressHandle, _c.c_char_p]),
    "gost_ingress_lookup": (_c.c_int, [IngressHandle, _c.c_char_p, _c.c_char_p, _c.c_size_t,
                                       _c.POINTER(_c.c_int)]),
    "gost_ingress_rule_count": (_c.c_size_t, [IngressHandle]),
    "gost_tunnel_new": (_c.c_int, [_c.POINTER(TunnelHandle), CtxHandle, _c.c_char_p, _c.c_char_p,
                                   _c.c_char_p]),
    "gost_tunnel_set_weight": (_c.c_int, [TunnelHandle, _c.c_int]),
    "gost_tunnel_set_udp": (_c.c_int, [TunnelHandle, _c.c_int]),
    "gost_tunnel_add_target": (_c.c_int, [TunnelHandle, _c.c_char_p, _c.c_char_p]),
    "gost_tunnel_set_state_cb": (_c.c_int, [TunnelHandle, TUNNEL_STATE_CB, _c.c_void_p]),
    "gost_tunnel_start": (_c.c_int, [TunnelHandle]),
    "gost_tunnel_state": (_c.c_int, [TunnelHandle]),
    "gost_tunnel_endpoint": (_c.c_char_p, [TunnelHandle]),
    "gost_tunnel_free": (None, [TunnelHandle]),
    "gost_tunnel_endpoint_name": (_c.c_int, [_c.c_char_p, _c.c_char_p, _c.c_size_t]),
    # scale-out (docs/cluster.md)
    "gost_sd_new": (_c.c_int, [_c.POINTER(SdHandle), CtxHandle, _c.c_char_p, _c.c_char_p]),
    "gost_sd_set": (_c.c_int, [SdHandle, _c.c_char_p, _c.c_char_p]),
    "gost_ctx_sd": (SdHandle, [CtxHandle, _c.c_char_p]),
    "gost_sd_is_connected": (_c.c_int, [SdHandle]),
    "gost_sd_free": (_c.c_int, [SdHandle]),
    "gost_ingress_load_redis": (_c.c_int, [IngressHandle, _c.c_char_p, _c.c_int, _c.c_char_p, _c.c_char_p,
                                           _c.c_char_p, _c.c_int64]),
    "gost_service_load_auth_redis": (_c.c_int, [ServiceHandle, _c.c_char_p, _c.c_int, _c.c_char_p, _c.c_char_p,
                                                _c.c_int64]),
    # control plane
    "gost_ctx_set_event_cb": (None, [CtxHandle, EVENT_CB, _c.c_void_p]),
    "gost_event_type_name": (_c.c_char_p, [_c.c_int]),
    "gost_ctx_call": (_c.c_int, [CtxHandle, CALL_FN, _c.c_void_p]),
    "gost_ctx_apply_config": (_c.c_int, [CtxHandle, _c.c_char_p, _c.c_size_t]),
    "gost_ctx_reload": (_c.c_int, [CtxHandle]),
    "gost_ctx_config_json": (_c.c_int, [CtxHandle, _c.c_char_p, _c.POINTER(_c.c_size_t)]),
    "gost_service_disconnect": (_c.c_int, [ServiceHandle, _c.c_char_p]),
    "gost_ctx_serve_api": (_c.c_int, [CtxHandle, _c.c_char_p, _c.c_char_p, _c.c_char_p, _c.c_char_p]),
    "gost_ctx_serve_metrics": (_c.c_int, [CtxHandle, _c.c_char_p, _c.c_char_p]),
    "gost_ctx_api_port": (_c.c_uint16, [CtxHandle]),
    "gost_ctx_metrics_port": (_c.c_uint16, [CtxHandle]),
    "gost_ctx_reopen_log": (_c.c_int, [CtxHandle]),
}

available = set()
for _name, (_res, _args) in _SIGS.items():
    fn = getattr(lib, _name, None)
    if fn is None:  # an older library: the wrapper raises when this is used
        continue
    fn.restype = _res
    fn.argtypes = _args
    available.add(_name)

if (lib.gost_version() >> 16) != ABI_MAJOR:
    raise ImportError("libgost major version %d, binding expects %d" % (lib.gost_version() >> 16, ABI_MAJOR))
