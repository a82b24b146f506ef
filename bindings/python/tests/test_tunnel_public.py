"""The public tunnel service: a registering client gets <name>.<domain> with no ingress rule."""
import unittest

import gost

from .helpers import start_http, wait_for, http_get
from .test_tunnel import free_port

TID = "3c2d1e0f-4a5b-4c6d-8e7f-901234567890"


class PublicTunnelTest(unittest.TestCase):
    def test_custom_name(self):
        web = start_http("py-public")
        entry = free_port()
        server, client = gost.Context(), gost.Context()
        try:
            server.load_urls(["tunnel://127.0.0.1:0?entrypoint=127.0.0.1:%d&tunnel.public.domain=py.test"
                              "&tunnel.public.names=true" % entry])
            server.start()
            server.run_in_thread()
            t = client.tunnel("tunnel://127.0.0.1:%d" % server.services()[0].port, TID, bind="hello")
            t.add_target("127.0.0.1:%d" % web.server_address[1])
            t.start()
            client.run_in_thread()
            self.assertTrue(wait_for(lambda: t.state == "registered"), t.states)
            self.assertEqual(t.endpoint, "hello.py.test")
            reply = http_get(entry, "hello.py.test")
            self.assertIn("hello from py-public via hello.py.test", reply)
            self.assertIn("502", http_get(entry, "other.py.test").splitlines()[0])
        finally:
            client.close()
            server.close()
            web.shutdown()


if __name__ == "__main__":
    unittest.main()
