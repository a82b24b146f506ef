"""Raw public ports on a tunnel server: a port routed to one tunnel with no Host/SNI."""
import unittest

import gost

from .helpers import start_echo, start_http, wait_for
from .test_remote_forward import echo_through
from .test_tunnel import free_port

TID = "0b7e2a4c-1f3d-4a5b-8c6d-7e8f9a0b1c2d"


class TunnelPortTest(unittest.TestCase):
    def test_raw_port_from_yaml(self):
        echo, other = start_echo(), start_http("wrong-node")
        pub = free_port()
        server, client = gost.Context(), gost.Context()
        try:
            server.load_yaml("""
services:
- name: tunnel
  addr: 127.0.0.1:0
  handler:
    type: tunnel
    metadata:
      entrypoints:
      - {addr: "127.0.0.1:%d", tunnel: %s, host: echo.local}
  listener: {type: tcp}
""" % (pub, TID))
            server.start()
            server.run_in_thread()
            t = client.tunnel("tunnel://127.0.0.1:%d" % server.services()[0].port, TID)
            t.add_target("127.0.0.1:%d" % other.server_address[1])  # fallback: answers no echo
            t.add_target("127.0.0.1:%d" % echo.server_address[1], filter_host="echo.local")
            t.start()
            client.run_in_thread()
            self.assertTrue(wait_for(lambda: t.state == "registered"), t.states)
            payload = b"raw port " * 10000
            self.assertEqual(echo_through(pub, payload), payload)
            client.stop()
            self.assertGreaterEqual(len(t.states), 1)
        finally:
            client.close()
            server.close()
            echo.shutdown()
            other.shutdown()


if __name__ == "__main__":
    unittest.main()
