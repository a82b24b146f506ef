import os
import socket
import unittest

import gost
from gost import GostError

from .helpers import start_echo


class ErrorsTest(unittest.TestCase):
    def test_version(self):
        self.assertRegex(gost.version(), r"^\d+\.\d+\.\d+$")

    def test_bad_config_raises_with_code_name_and_path(self):
        with gost.Context() as ctx:
            with self.assertRaises(GostError) as cm:
                ctx.load_json('{"services":[{"name":"s","addr":":0","handler":{"type":"foo"},"listener":{"type":"tcp"}}]}')
            self.assertEqual(cm.exception.name, "GOST_ECONFIG")
            self.assertIn('services[0].handler.type', cm.exception.message)
            self.assertIn('foo', cm.exception.message)
            self.assertEqual(ctx.services(), [])

    def test_bad_url_raises(self):
        with gost.Context() as ctx:
            with self.assertRaises(GostError) as cm:
                ctx.load_urls(["nosuch://:0"])
            self.assertIn("nosuch", cm.exception.message)

    def test_error_subclass(self):
        with gost.Context() as ctx:
            with self.assertRaises(gost._errors.EconfigError):
                ctx.load_json("{not json")

    def test_endpoint_name(self):
        self.assertEqual(gost.endpoint_name("893787fd-fcd2-46a0-8dd4-f9103ae84df4"), "134c714b65d54a4f")
        self.assertEqual(gost.endpoint_name("4D21094E-B74C-4916-86C1-D9FA36EA677B"), "a6265c6d9847a4be")


class ForwardTest(unittest.TestCase):
    def test_tcp_forward_on_a_thread(self):
        echo = start_echo()
        try:
            with gost.Context() as ctx:
                ctx.load_urls(["tcp://127.0.0.1:0/127.0.0.1:%d" % echo.server_address[1]])
                ctx.start()
                port = ctx.services()[0].port
                self.assertGreater(port, 0)
                ctx.run_in_thread()
                payload = os.urandom(1 << 20)
                with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                    s.sendall(payload)
                    s.shutdown(socket.SHUT_WR)
                    got = bytearray()
                    while True:
                        d = s.recv(65536)
                        if not d:
                            break
                        got += d
                self.assertEqual(bytes(got), payload)
                ctx.stop()
        finally:
            echo.shutdown()


class IngressTest(unittest.TestCase):
    def test_runtime_rules(self):
        with gost.Context() as ctx:
            ing = ctx.new_ingress("ing")
            ing.set_rule(".example.com", "4d21094e-b74c-4916-86c1-d9fa36ea677b")
            ing.set_rule("srv-2.local", "$AC74D9DD-3125-442A-A7C1-F9E49E05FACA")
            self.assertEqual(ing.lookup("a.example.com"), ("4d21094e-b74c-4916-86c1-d9fa36ea677b", False))
            self.assertEqual(ing.lookup("Example.COM:80"), ("4d21094e-b74c-4916-86c1-d9fa36ea677b", False))
            self.assertEqual(ing.lookup("srv-2.local"), ("ac74d9dd-3125-442a-a7c1-f9e49e05faca", True))
            self.assertIsNone(ing.lookup("badexample.com"))
            ing.remove_rule(".example.com")
            self.assertIsNone(ing.lookup("a.example.com"))
            self.assertEqual(len(ing), 1)


if __name__ == "__main__":
    unittest.main()
