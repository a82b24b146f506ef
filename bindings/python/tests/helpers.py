"""Loopback peers for the binding tests: an echo server and an HTTP backend on kernel ports."""
import http.server
import socket
import socketserver
import threading
import time


class _Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(65536)
            if not data:
                return
            self.request.sendall(data)


class _Threaded(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def start_echo():
    srv = _Threaded(("127.0.0.1", 0), _Echo)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hello from %s via %s\n" % (self.server.tag, self.headers.get("Host"))).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def start_http(tag):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    srv.tag = tag
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def wait_for(pred, timeout=10.0, step=0.05):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(step)
    return False


def http_get(port, host, path="/", timeout=5):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path, host)).encode())
        chunks = []
        while True:
            d = s.recv(65536)
            if not d:
                break
            chunks.append(d)
    return b"".join(chunks).decode(errors="replace")
