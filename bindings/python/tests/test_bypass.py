"""Service bypass from Python (docs/bypass.md): an HTTP proxy refuses a held-back target with
403 and serves others; a bad matcher raises; clearing lifts the refusal."""
import socket
import unittest

import gost
from gost import GostError

from .helpers import start_echo


def proxy_get(port, target):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (target.encode(), target.encode()))
        return s.recv(200).split(b"\r\n")[0]


class BypassTest(unittest.TestCase):
    def test_refuse_then_clear(self):
        echo = start_echo()
        echo_port = echo.server_address[1]
        try:
            with gost.Context() as ctx:
                ctx.load_urls(["http://127.0.0.1:0"])
                svc = ctx.services()[0]
                with self.assertRaises(GostError):
                    svc.add_bypass(["10.0.0.0/99"])
                svc.add_bypass(["127.0.0.0/8"])
                ctx.start()
                ctx.run_in_thread()
                target = "127.0.0.1:%d" % echo_port
                self.assertIn(b" 403 ", proxy_get(svc.port, target) + b" ")
                ctx.call(svc.clear_bypass)
                self.assertIn(b" 200", proxy_get(svc.port, target))
        finally:
            echo.shutdown()
            echo.server_close()


if __name__ == "__main__":
    unittest.main()
