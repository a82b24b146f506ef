"""Scale-out from Python: two tunnel servers sharing an sd in a real redis-server; a client
registered on B is reached through A's entrypoint (docs/cluster.md)."""
import shutil
import socket
import subprocess
import unittest

import gost

from .helpers import start_http, wait_for, http_get

TID = "4d21094e-b74c-4916-86c1-d9fa36ea677b"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


@unittest.skipUnless(shutil.which("redis-server") and shutil.which("redis-cli"), "redis-server/redis-cli absent")
class ClusterTest(unittest.TestCase):
    def test_cross_node_http(self):
        rport = free_port()
        redis = subprocess.Popen(["redis-server", "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        web = start_http("py-cluster")
        ctxs = []
        try:
            self.assertTrue(wait_for(lambda: listening(rport)))
            entries = []
            for name in ("A", "B"):
                ctx = gost.Context()
                ctxs.append(ctx)
                sd = ctx.new_sd("sd-0", "127.0.0.1:%d" % rport, key="gost:py", ttl="2s")
                with self.assertRaises(gost.GostError):
                    sd.set("ttl", "5ms")
                entry = free_port()
                entries.append(entry)
                ctx.load_urls(["tunnel://127.0.0.1:0?entrypoint=127.0.0.1:%d&tunnel=.example.com:%s&sd=sd-0&node.id=py-%s"
                               % (entry, TID, name)])
                ctx.start()
                ctx.run_in_thread()
                self.assertTrue(wait_for(lambda: sd.connected))
            b_port = ctxs[1].services()[0].port
            client = gost.Context()
            ctxs.append(client)
            t = client.tunnel("tunnel://127.0.0.1:%d" % b_port, TID)
            t.add_target("127.0.0.1:%d" % web.server_address[1])
            t.start()
            client.run_in_thread()
            self.assertTrue(wait_for(lambda: t.state == "registered"), t.states)

            def via_a():
                return "hello from py-cluster via app.example.com" in http_get(entries[0], "app.example.com")
            self.assertTrue(wait_for(via_a), http_get(entries[0], "app.example.com"))

            # an ingress following a Redis hash: a rule written there is seen at once
            watcher = gost.Context()
            ctxs.append(watcher)
            ing = watcher.new_ingress("ing-py")
            ing.load_redis("127.0.0.1:%d" % rport, key="gost:py:ing")
            with self.assertRaises(gost.GostError):
                ing.load_redis("127.0.0.1:%d" % rport, type="list")
            watcher.run_in_thread()
            cli = ["redis-cli", "-p", str(rport)]
            subprocess.run(cli + ["hset", "gost:py:ing", "py.test", TID], check=True, stdout=subprocess.DEVNULL)
            subprocess.run(cli + ["publish", "gost:py:ing:changed", "py.test"], check=True, stdout=subprocess.DEVNULL)

            def sees(expect):  # rules are read with the loop stopped (it changes them)
                watcher.stop()
                ok = ing.lookup("py.test") == expect
                if not ok:
                    watcher.run_in_thread()
                return ok
            self.assertTrue(wait_for(lambda: sees((TID, False)), timeout=2))
            watcher.run_in_thread()
            subprocess.run(cli + ["hdel", "gost:py:ing", "py.test"], check=True, stdout=subprocess.DEVNULL)
            subprocess.run(cli + ["publish", "gost:py:ing:changed", "py.test"], check=True, stdout=subprocess.DEVNULL)
            self.assertTrue(wait_for(lambda: sees(None), timeout=2))

            # a service whose credentials come from Redis refuses a bad address at once
            with self.assertRaises(gost.GostError):
                ctxs[0].services()[0].load_auth_redis("no-port")
        finally:
            for c in reversed(ctxs):
                c.close()
            web.shutdown()
            redis.kill()
            redis.wait()


if __name__ == "__main__":
    unittest.main()
