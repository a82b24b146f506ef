"""Run-time control from Python: events, thread-safe calls and set_rule, apply_config, the web
API and metrics, connector info and disconnect, on a tunnel server running on its own thread."""
import json
import threading
import unittest
import urllib.request

import gost

from .helpers import start_http, wait_for, http_get

TID = "4d21094e-b74c-4916-86c1-d9fa36ea677b"
TID2 = "ac74d9dd-3125-442a-a7c1-f9e49e05faca"


def get(port, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5) as r:
        return r.read().decode()


class ControlTest(unittest.TestCase):
    def setUp(self):
        self.web = start_http("py-backend")
        self.server = gost.Context()
        self.client = gost.Context()
        self.events = []
        self.server.load_json(json.dumps({
            "services": [{"name": "tun", "addr": "127.0.0.1:0",
                          "handler": {"type": "tunnel", "metadata": {"entrypoint": "127.0.0.1:0", "ingress": "ing"}},
                          "listener": {"type": "tcp"}}],
            "ingresses": [{"name": "ing", "rules": [{"hostname": "a.example.com", "endpoint": TID}]}]}))
        self.server.start()
        self.server.on_event(self.events.append)
        self.server.run_in_thread()
        self.svc = self.server.service("tun")
        t = self.client.tunnel("tunnel://127.0.0.1:%d" % self.svc.port, TID)
        t.add_target("127.0.0.1:%d" % self.web.server_address[1])
        t.start()
        self.client.run_in_thread()
        self.assertTrue(wait_for(lambda: any(e["type"] == "connector_up" for e in self.events)), self.events)

    def tearDown(self):
        self.client.close()
        self.server.close()
        self.web.shutdown()
        self.web.server_close()

    def test_events_stats_and_connector_info(self):
        up = [e for e in self.events if e["type"] == "connector_up"][0]
        self.assertEqual((up["service"], up["tunnel_id"], up["network"]), ("tun", TID, "tcp"))
        for _ in range(3):
            self.assertIn("hello from py-backend", http_get(self.svc.entrypoint_port, "a.example.com"))
        self.assertTrue(wait_for(lambda: sum(e["type"] == "stream_open" for e in self.events) >= 3))
        # the tunnel service counts the public requests and the bytes its clients carried
        self.assertGreaterEqual(self.server.call(lambda: self.svc.stat(0)), 4)
        self.assertGreater(self.server.call(lambda: self.svc.stat(2)), 0)
        info = self.svc.connector_info()
        self.assertEqual(len(info), 1)
        self.assertTrue(info[0]["client"].startswith("127.0.0.1:"))
        self.assertGreaterEqual(info[0]["streams"], 3)
        self.assertGreaterEqual(info[0]["uptime"], 0.0)
        self.svc.disconnect(info[0]["connector_id"])
        self.assertTrue(wait_for(lambda: any(e["type"] == "connector_down" for e in self.events)))
        with self.assertRaises(gost.error_class(-4)):
            self.svc.disconnect(info[0]["connector_id"])

    def test_tunnel_totals_survive_connector_rejoin(self):
        for _ in range(3):
            self.assertIn("hello from py-backend", http_get(self.svc.entrypoint_port, "a.example.com"))
        self.assertTrue(wait_for(lambda: sum(e["type"] == "stream_close" for e in self.events) >= 3))
        before = self.svc.tunnel_stats()
        self.assertEqual(len(before), 1)
        self.assertEqual((before[0]["tunnel_id"], before[0]["connectors"], before[0]["connections"]), (TID, 1, 1))
        self.assertGreaterEqual(before[0]["streams"], 3)
        self.assertGreater(before[0]["bytes_in"], 0)
        # the only connector leaves: the tunnel's totals stay (before this fix they went with it)
        cid = self.svc.connector_info()[0]["connector_id"]
        self.svc.disconnect(cid)
        self.assertTrue(wait_for(lambda: any(e["type"] == "connector_down" for e in self.events)))
        mid = self.svc.tunnel_stats()
        self.assertEqual(len(mid), 1)
        self.assertGreaterEqual(mid[0]["streams"], before[0]["streams"])
        self.assertGreaterEqual(mid[0]["bytes_in"], before[0]["bytes_in"])
        # the client rejoins by itself; its new connector adds to the same totals
        self.assertTrue(wait_for(lambda: sum(e["type"] == "connector_up" for e in self.events) >= 2, timeout=20))
        for _ in range(2):
            self.assertIn("hello from py-backend", http_get(self.svc.entrypoint_port, "a.example.com"))
        self.assertTrue(wait_for(lambda: sum(e["type"] == "stream_close" for e in self.events) >= 5))
        after = self.svc.tunnel_stats()[0]
        self.assertEqual((after["connectors"], after["connections"]), (1, 2))
        self.assertGreaterEqual(after["streams"], before[0]["streams"] + 2)
        self.assertGreater(after["bytes_out"], before[0]["bytes_out"])
        api = self.server.serve_api("127.0.0.1:0")
        met = self.server.serve_metrics("127.0.0.1:0")
        t = json.loads(get(api, "/api/tunnels"))["tunnels"][0]
        self.assertEqual((t["tunnelId"], t["connections"]), (TID, 2))
        self.assertGreaterEqual(t["streams"], after["streams"])
        self.assertIn('gost_tunnel_streams_opened_total{host="', get(met, "/metrics"))

    def test_set_rule_from_other_threads_is_safe(self):
        ing = self.server.ingress("ing")
        errors = []

        def churn(n):
            try:
                for i in range(200):
                    ing.set_rule("h%d-%d.example.com" % (n, i), TID2)
                    ing.remove_rule("h%d-%d.example.com" % (n, i))
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=churn, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        # the loop keeps serving while four threads change the rules through gost_ctx_call
        for _ in range(20):
            self.assertIn("200", http_get(self.svc.entrypoint_port, "a.example.com").splitlines()[0])
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(ing), 1)
        self.assertEqual(self.server.call(lambda: ing.lookup("a.example.com")), (TID, False))

    def test_apply_config_api_and_metrics(self):
        api = self.server.serve_api("127.0.0.1:0")
        met = self.server.serve_metrics("127.0.0.1:0")
        cfg = self.server.config()
        cfg["ingresses"][0]["rules"].append({"hostname": "b.example.com", "endpoint": TID})
        self.server.apply_config(cfg)
        self.assertIn("hello from py-backend", http_get(self.svc.entrypoint_port, "b.example.com"))
        self.assertTrue(any(e["type"] == "config_applied" for e in self.events))
        self.assertEqual(len(self.svc.connector_info()), 1)  # the tunnel client stayed
        with self.assertRaises(gost.GostError) as cm:
            self.server.apply_config({"services": [{"name": "x", "addr": ":1", "handler": {"type": "nope"}}]})
        self.assertIn("unknown handler", str(cm.exception))
        self.assertIn("b.example.com", get(api, "/config"))
        tunnels = json.loads(get(api, "/api/tunnels"))["tunnels"]
        self.assertEqual(tunnels[0]["tunnelId"], TID)
        self.assertIn('gost_services{host="', get(met, "/metrics"))


class CmdlineKeptTest(unittest.TestCase):
    def test_apply_config_keeps_services_loaded_from_urls(self):
        """gost_ctx_apply_config merges the URL (-L/-F) services in again, as a reload does."""
        with gost.Context() as ctx:
            ctx.load_json(json.dumps({"services": [{"name": "f", "addr": "127.0.0.1:0", "handler": {"type": "tcp"},
                                                    "listener": {"type": "tcp"},
                                                    "forwarder": {"nodes": [{"name": "n", "addr": "127.0.0.1:9"}]}}]}))
            ctx.load_urls(["tcp://127.0.0.1:0/127.0.0.1:9"])
            ctx.start()
            ctx.run_in_thread()
            port = ctx.service("service-0").port
            ctx.apply_config({"services": [{"name": "g", "addr": "127.0.0.1:0", "handler": {"type": "tcp"},
                                            "listener": {"type": "tcp"},
                                            "forwarder": {"nodes": [{"name": "n", "addr": "127.0.0.1:9"}]}}]})
            names = sorted(s["name"] for s in ctx.config()["services"])
            self.assertEqual(names, ["g", "service-0"])
            self.assertEqual(ctx.service("service-0").port, port)  # untouched, not restarted


class UdpBudgetTest(unittest.TestCase):
    def test_udp_flows_against_udp_max_flows_in_status(self):
        import socket
        echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        echo.bind(("127.0.0.1", 0))
        stop = threading.Event()

        def serve():
            echo.settimeout(0.2)
            while not stop.is_set():
                try:
                    d, a = echo.recvfrom(2048)
                    echo.sendto(d, a)
                except socket.timeout:
                    pass

        threading.Thread(target=serve, daemon=True).start()
        with gost.Context() as ctx:
            ctx.load_urls(["udp://127.0.0.1:0/127.0.0.1:%d?udp.maxFlows=7&keepalive=true" % echo.getsockname()[1]])
            ctx.start()
            ctx.run_in_thread()
            api = ctx.serve_api("127.0.0.1:0")
            port = ctx.services()[0].port
            flows = lambda: json.loads(get(api, "/api/status"))["budgets"]["services"][0]["udpFlows"]
            self.assertEqual(flows(), {"open": 0, "max": 7})
            clients = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(3)]
            for c in clients:
                c.settimeout(5)
                c.sendto(b"ping", ("127.0.0.1", port))
                self.assertEqual(c.recvfrom(100)[0], b"ping")
            self.assertEqual(flows(), {"open": 3, "max": 7})
            for c in clients:
                c.close()
        stop.set()
        echo.close()


class TunnelStatsTTLTest(unittest.TestCase):
    def test_idle_tunnel_totals_are_forgotten_after_the_ttl(self):
        web = start_http("py-ttl")
        server, client = gost.Context(), gost.Context()
        try:
            server.load_json(json.dumps({"services": [{
                "name": "tun", "addr": "127.0.0.1:0", "listener": {"type": "tcp"},
                "handler": {"type": "tunnel", "metadata": {"entrypoint": "127.0.0.1:0", "tunnel.statsTTL": "1s",
                                                           "tunnel": "ttl.example.com:" + TID}}}]}))
            server.start()
            server.run_in_thread()
            svc = server.service("tun")
            t = client.tunnel("tunnel://127.0.0.1:%d" % svc.port, TID)
            t.add_target("127.0.0.1:%d" % web.server_address[1])
            t.start()
            client.run_in_thread()
            self.assertTrue(wait_for(lambda: len(svc.connector_info()) == 1))
            self.assertIn("hello from py-ttl", http_get(svc.entrypoint_port, "ttl.example.com"))
            client.close()
            self.assertTrue(wait_for(lambda: svc.tunnel_stats() and svc.tunnel_stats()[0]["connectors"] == 0))
            idle = svc.tunnel_stats()[0]
            self.assertGreaterEqual(idle["streams"], 1)
            # kept while idle for less than tunnel.statsTTL, then forgotten (memory stays bounded)
            self.assertTrue(wait_for(lambda: svc.tunnel_stats() == [], timeout=10))
        finally:
            client.close()
            server.close()
            web.shutdown()
            web.server_close()


if __name__ == "__main__":
    unittest.main()
