#!/usr/bin/env python3
"""A tunnel server and a tunnel client in one Python process, publishing a local web server.
    GOST_LIBRARY=build/libgost.so.0 PYTHONPATH=bindings/python python3 examples/python_tunnel.py
"""
import http.server
import threading
import urllib.request

import gost

TID = "4d21094e-b74c-4916-86c1-d9fa36ea677b"

web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
threading.Thread(target=web.serve_forever, daemon=True).start()

with gost.Context() as server, gost.Context() as client:
    server.load_urls(["tunnel://127.0.0.1:0?entrypoint=127.0.0.1:0&tunnel=.example.com:" + TID])
    server.start()
    svc = server.services()[0]
    server.run_in_thread()

    registered = threading.Event()
    t = client.tunnel("tunnel://127.0.0.1:%d" % svc.port, TID,
                      on_state=lambda state, detail: state == "registered" and registered.set())
    t.add_target("127.0.0.1:%d" % web.server_address[1])
    t.start()
    client.run_in_thread()
    registered.wait(10)
    print("registered, endpoint", t.endpoint)

    req = urllib.request.Request("http://127.0.0.1:%d/" % svc.entrypoint_port, headers={"Host": "www.example.com"})
    with urllib.request.urlopen(req, timeout=5) as r:
        print("GET through the entrypoint:", r.status, len(r.read()), "bytes")
web.shutdown()
