"""The resource budget (docs/limits.md) from Python: handshake.max through a URL and conns.max
through YAML take effect; the excess connections are closed by the server at once."""
import socket
import time
import unittest

import gost


def closed_by_server(port, n):
    socks, closed = [], 0
    for _ in range(n):
        try:
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        except ConnectionResetError:  # reset by the server before connect() returned
            closed += 1
    time.sleep(0.5)
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                closed += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
        s.close()
    return closed


class BudgetTest(unittest.TestCase):
    def run_server(self, load):
        ctx = gost.Context()
        load(ctx)
        ctx.start()
        ctx.run_in_thread()
        self.addCleanup(ctx.close)
        return ctx.services()[0].port

    def test_handshake_max_from_url(self):
        port = self.run_server(lambda c: c.load_urls(["tunnel://127.0.0.1:0?handshake.max=2&readTimeout=30s"]))
        self.assertGreaterEqual(closed_by_server(port, 8), 5)

    def test_conns_max_from_yaml(self):
        yaml = ("services:\n- name: t\n  addr: 127.0.0.1:0\n  handler:\n    type: tunnel\n"
                "    metadata: {conns.max: 3, readTimeout: 30s}\n  listener: {type: tcp}\n")
        port = self.run_server(lambda c: c.load_yaml(yaml))
        self.assertGreaterEqual(closed_by_server(port, 8), 4)

    def test_bad_budget_value_refused(self):
        ctx = gost.Context()
        self.addCleanup(ctx.close)
        with self.assertRaises(gost.GostError):
            ctx.load_urls(["tunnel://127.0.0.1:0?handshake.max=lots"])


if __name__ == "__main__":
    unittest.main()
