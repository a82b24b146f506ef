"""Limiters from Python (docs/limiters.md): a traffic limiter set on a running forward service
holds a transfer to its rate over real sockets, set_limits changes it live, a conn limiter
refuses the excess, and a bad line raises without changing anything."""
import socket
import threading
import time
import unittest

import gost


def sender(n):
    """A backend that sends n bytes to each connection; returns its port."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)

    def loop():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=lambda: (c.sendall(b"x" * n), c.close()), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()
    return srv


def download(port):
    t = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    got = 0
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += len(b)
    s.close()
    return got, time.monotonic() - t


class LimiterTest(unittest.TestCase):
    def setUp(self):
        self.backend = sender(1 << 20)
        self.addCleanup(self.backend.close)
        self.ctx = gost.Context()
        self.addCleanup(self.ctx.close)
        self.ctx.load_urls(["tcp://127.0.0.1:0/127.0.0.1:%d" % self.backend.getsockname()[1]])
        self.ctx.start()
        self.ctx.run_in_thread()
        self.svc = self.ctx.services()[0]

    def test_traffic_limit_live(self):
        got, secs = download(self.svc.port)
        self.assertEqual(got, 1 << 20)
        self.assertLess(secs, 1.0)  # unlimited (limited to 512 KB/s it takes 2 s)
        bw = self.ctx.limiter("bw", ["$ 512KB 512KB"])
        self.assertEqual((bw.name, bw.kind, bw.limits), ("bw", "traffic", ["$ 512KB 512KB"]))
        self.svc.set_limiter(bw)
        got, secs = download(self.svc.port)
        self.assertEqual(got, 1 << 20)
        self.assertGreaterEqual(secs, 1.75)  # 1 MiB at 512 KiB/s, less the 50 ms burst
        self.assertLess(secs, 4)
        self.assertGreater(bw.hits, 0)
        bw.set_limits(["$ 8MB 8MB"])
        got, secs = download(self.svc.port)
        self.assertLess(secs, 1.5)
        with self.assertRaises(gost.GostError):
            bw.set_limits(["$ 8MB 8MB", "$ lots"])
        self.assertEqual(bw.limits, ["$ 8MB 8MB"])

    def test_conn_limit(self):
        conns = self.ctx.limiter("one", ["$ 1"], kind="conn")
        self.svc.set_limiter(conns)
        self.assertEqual(self.ctx.limiter("one", kind="conn").limits, ["$ 1"])
        a = socket.create_connection(("127.0.0.1", self.svc.port), timeout=5)
        a.recv(1)  # admitted: the backend's bytes flow
        b = socket.create_connection(("127.0.0.1", self.svc.port), timeout=5)
        self.assertEqual(b.recv(1), b"")  # refused: closed at once
        a.close()
        b.close()
        self.assertEqual(conns.hits, 1)
        with self.assertRaises(gost.GostError):
            self.ctx.limiter("nope", kind="rate")


if __name__ == "__main__":
    unittest.main()
