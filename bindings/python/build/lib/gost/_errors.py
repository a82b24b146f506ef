"""GostError and one subclass per code, named from gost_error_name() (never copied by hand)."""
from ._lib import lib


class GostError(Exception):
    """A libgost call failed: .code (negative int), .name ("GOST_EINVAL"), .message."""

    def __init__(self, code, name, message):
        super().__init__("%s: %s" % (name, message))
        self.code = code
        self.name = name
        self.message = message


_by_code = {}
for _code in list(range(-1, -100, -1)) + [-900]:
    _name = lib.gost_error_name(_code).decode()
    if _name == "GOST_EUNKNOWN":
        continue
    _cls = type(_name[5:].capitalize() + "Error", (GostError,), {})
    _by_code[_code] = _cls
    globals()[_cls.__name__] = _cls


def check(rc, func=None, args=None):
    """errcheck for int-returning calls: negative return -> exception carrying the detail."""
    if isinstance(rc, int) and rc < 0:
        cls = _by_code.get(rc, GostError)
        raise cls(rc, lib.gost_error_name(rc).decode(), lib.gost_last_error().decode(errors="replace"))
    return rc


def error_class(code):
    return _by_code.get(code, GostError)
