import socket
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


class TunnelTest(unittest.TestCase):
    def test_server_client_and_entrypoint(self):
        web = start_http("py-backend")
        entry = free_port()
        server = gost.Context()
        client = gost.Context()
        try:
            server.load_urls(["tunnel://127.0.0.1:0?entrypoint=127.0.0.1:%d&tunnel=.example.com:%s" % (entry, TID)])
            server.start()
            svc = server.services()[0]
            self.assertEqual(svc.entrypoint_port, entry)
            server.run_in_thread()

            t = client.tunnel("tunnel://127.0.0.1:%d" % svc.port, TID)
            t.add_target("127.0.0.1:%d" % web.server_address[1])
            t.set_weight(7)
            t.start()
            client.run_in_thread()
            self.assertTrue(wait_for(lambda: t.state == "registered"), t.states)
            self.assertEqual(t.endpoint, gost.endpoint_name(TID))
            self.assertIn(("registered", gost.endpoint_name(TID)), [(s, d.split(":")[0]) for s, d in t.states])

            reply = http_get(entry, "app.example.com")
            self.assertIn("200", reply.splitlines()[0])
            self.assertIn("hello from py-backend via app.example.com", reply)
            self.assertIn("502", http_get(entry, "nothing.test").splitlines()[0])

            server.stop()  # inspect from this thread while the loop is stopped
            conns = svc.connectors()
            self.assertEqual(len(conns), 1)
            self.assertEqual(conns[0]["tunnel_id"], TID)
            self.assertEqual(conns[0]["weight"], 7)
            self.assertEqual(conns[0]["streams"], 1)  # the 502 opened no stream
        finally:
            client.close()
            server.close()
            web.shutdown()

    def test_visitor_mux(self):
        """tunnel.mux=true on a visitor's node: five requests, one carrier to the server."""
        web = start_http("py-mux")
        vport = free_port()
        server, client, visitor = gost.Context(), gost.Context(), gost.Context()
        try:
            server.load_urls(["tunnel://127.0.0.1:0?tunnel=app.local:%s" % TID])
            server.start()
            svc = server.services()[0]
            server.run_in_thread()
            t = client.tunnel("tunnel://127.0.0.1:%d" % svc.port, TID)
            t.add_target("127.0.0.1:%d" % web.server_address[1])
            t.start()
            client.run_in_thread()
            self.assertTrue(wait_for(lambda: t.state == "registered"), t.states)
            visitor.load_urls(["tcp://127.0.0.1:%d/app.local:0" % vport],
                              ["tunnel://127.0.0.1:%d?tunnel.id=%s&tunnel.mux=true" % (svc.port, TID)])
            visitor.start()
            visitor.run_in_thread()
            for _ in range(5):
                self.assertIn("hello from py-mux", http_get(vport, "app.local"))
            server.stop()
            # the client's carrier and the visitor's one session: 2 connections for 5 requests
            self.assertEqual(svc.stat(0), 2)
        finally:
            visitor.close()
            client.close()
            server.close()
            web.shutdown()

    def test_tunnel_ownership(self):
        """Per-user bind lists: alice registers her tunnel, guest (visit only) is refused."""
        other = "66666666-7777-4888-9999-aaaaaaaaaaaa"
        web = start_http("py-owner")
        entry = free_port()
        server = gost.Context()
        alice = gost.Context()
        guest = gost.Context()
        try:
            server.load_urls(["tunnel://alice:apass@127.0.0.1:0?entrypoint=127.0.0.1:%d&tunnel=a.test:%s"
                              "&auth.bind=%s" % (entry, TID, TID)])
            svc = server.services()[0]
            svc.add_auth("guest", "gpass", visit=[other])
            with self.assertRaises(gost.GostError):
                svc.add_auth("bad", "x", bind=["not-a-uuid"])
            server.start()
            server.run_in_thread()

            ta = alice.tunnel("tunnel://alice:apass@127.0.0.1:%d" % svc.port, TID)
            ta.add_target("127.0.0.1:%d" % web.server_address[1])
            ta.start()
            tg = guest.tunnel("tunnel://guest:gpass@127.0.0.1:%d" % svc.port, TID)
            tg.add_target("127.0.0.1:%d" % web.server_address[1])
            tg.start()
            alice.run_in_thread()
            guest.run_in_thread()
            self.assertTrue(wait_for(lambda: ta.state == "registered"), ta.states)
            self.assertIn("hello from py-owner via a.test", http_get(entry, "a.test"))
            self.assertTrue(wait_for(lambda: any("Unauthorized" in d for _, d in tg.states)), tg.states)
            self.assertNotIn("registered", [s for s, _ in tg.states])
            server.stop()
            self.assertEqual([c["tunnel_id"] for c in svc.connectors()], [TID])
        finally:
            guest.close()
            alice.close()
            server.close()
            web.shutdown()


if __name__ == "__main__":
    unittest.main()
