"""Remote port forwarding without a tunnel server: a relay or SOCKS5 server with bind=true
listens on a port for the client, which forwards what arrives to a local target."""
import socket
import unittest

import gost

from .helpers import start_echo, wait_for
from .test_tunnel import free_port


def echo_through(port, payload):
    # no half-close: smux streams have none (the whole stream would end)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(payload)
        got = b""
        while len(got) < len(payload):
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        return got


class RemoteForwardTest(unittest.TestCase):
    def run_case(self, scheme, use_tunnel_api):
        echo = start_echo()
        server, client = gost.Context(), gost.Context()
        try:
            server.load_urls(["%s://127.0.0.1:0?bind=true" % scheme])
            server.start()
            sport = server.services()[0].port
            server.run_in_thread()
            pub = free_port()
            target = "127.0.0.1:%d" % echo.server_address[1]
            if use_tunnel_api:  # the tunnel handle: relay/socks5 URL, no tunnel ID, bind address
                t = client.tunnel("%s://127.0.0.1:%d" % (scheme, sport), None, bind="127.0.0.1:%d" % pub)
                t.add_target(target)
                t.start()
                client.run_in_thread()
                self.assertTrue(wait_for(lambda: t.state == "registered"), t.states)
            else:
                client.load_urls(["rtcp://127.0.0.1:%d/%s" % (pub, target)], ["%s://127.0.0.1:%d" % (scheme, sport)])
                client.start()
                client.run_in_thread()
            payload = bytes(range(256)) * 1024  # 256 KiB, byte-exact both ways
            self.assertTrue(wait_for(lambda: self._reachable(pub)))
            self.assertEqual(echo_through(pub, payload), payload)
        finally:
            client.close()
            server.close()
            echo.shutdown()

    @staticmethod
    def _reachable(port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    def test_relay_urls(self):
        self.run_case("relay", False)

    def test_socks5_urls(self):
        self.run_case("socks5", False)

    def test_relay_tunnel_handle(self):
        self.run_case("relay", True)

    def test_socks5_tunnel_handle(self):
        self.run_case("socks5", True)


if __name__ == "__main__":
    unittest.main()
