#!/usr/bin/env python3
"""Turns bench/run.sh's key<TAB>value results into one table (stdout), latest.json, latest.md."""
import datetime, json, os, platform, sys

res_path, out_dir, dur, idle_n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
r = {}
for line in open(res_path):
    k, _, v = line.rstrip("\n").partition("\t")
    try:
        r[k] = float(v)
    except ValueError:
        r[k] = v

def g(k):
    v = r.get(k)
    return v if isinstance(v, float) else None

def fmt(v, nd=2):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    return f"{v:,.{nd}f}" if abs(v) < 1000 else f"{v:,.0f}"

paths = [("direct", "direct"), ("haproxy", "haproxy (tcp, nbthread 1)"),
         ("nginx_stream", "nginx stream relay"), ("nginx_rp", "nginx HTTP reverse proxy"),
         ("ssh_r", "ssh -R"), ("gost_forward", "libgost tcp/udp forward"),
         ("entrypoint", "libgost tunnel: public entrypoint"),
         ("entrypoint_ka", "libgost entrypoint (keepalive)"),
         ("gost_tunnel_visitor", "libgost tunnel: visitor"), ("visitor", None),
         ("gost_tunnel_visitor_mux", "libgost tunnel: visitor, tunnel.mux"),
         ("gost_tunnel_tls", "libgost tunnel+tls: visitor"), ("gost_tunnel_wss", "libgost tunnel+wss: visitor"),
         ("entrypoint_stock", "stock GOST tunnel: public entrypoint"),
         ("stock_tunnel_visitor", "stock GOST tunnel: visitor"),
         ("stock_tunnel_tls", "stock GOST tunnel+tls: visitor"), ("stock_tunnel_wss", "stock GOST tunnel+wss: visitor")]
def udp(key, rate):
    loss = r.get(f"udp_loss_pct_{rate}.{key}")
    if loss is None:
        return "-"
    rx = g(f"udp_mbps_{rate}.{key}")
    return fmt(loss) + (f" ({rx:,.0f} Mb/s)" if rx is not None else "")

cols = ["TCP 1 str Gbit/s", "TCP 8 str Gbit/s", "CPU s/GB", "UDP 100M loss % (rate)", "UDP 1G loss % (rate)",
        "HTTP req/s", "HTTP p99", "new conn/s"]
rows = []
for key, label in paths:
    if label is None:
        continue
    hkey = {"gost_tunnel_visitor": "visitor", "stock_tunnel_visitor": "visitor_stock",
            "gost_tunnel_visitor_mux": "visitor_mux"}.get(key, key)
    if key.startswith("stock") and g(f"tcp_p1_gbps.{key}") is None:
        continue  # no stock binary in this run
    rows.append([label, fmt(g(f"tcp_p1_gbps.{key}")), fmt(g(f"tcp_p8_gbps.{key}")),
                 fmt(g(f"cpu_s_per_gb.{key}")),
                 udp(key, "100M"), udp(key, "1G"),
                 fmt(g(f"http_rps.{hkey}"), 0), r.get(f"http_p99.{hkey}", "-"), fmt(g(f"conn_rps.{hkey}"), 0)])

def ratio(a, b):
    a, b = g(a), g(b)
    return a / b if a is not None and b else None

# Round 2 targets (issue 14); None = printed for information, no target.
ratios = [
    ("tunnel TCP / stock GOST (1 stream, visitor)", ratio("tcp_p1_gbps.gost_tunnel_visitor", "tcp_p1_gbps.stock_tunnel_visitor"), ">=", 2.5),
    ("tunnel TCP / stock GOST (8 streams, visitor)", ratio("tcp_p8_gbps.gost_tunnel_visitor", "tcp_p8_gbps.stock_tunnel_visitor"), ">=", 2.5),
    ("tunnel+tls TCP / stock GOST (1 stream)", ratio("tcp_p1_gbps.gost_tunnel_tls", "tcp_p1_gbps.stock_tunnel_tls"), ">=", None),
    ("tunnel+wss TCP / stock GOST (1 stream)", ratio("tcp_p1_gbps.gost_tunnel_wss", "tcp_p1_gbps.stock_tunnel_wss"), ">=", None),
    ("entrypoint req/s / stock GOST", ratio("http_rps.entrypoint", "http_rps.entrypoint_stock"), ">=", None),
    ("entrypoint conn/s / stock GOST", ratio("conn_rps.entrypoint", "conn_rps.entrypoint_stock"), ">=", None),
    ("visitor conn/s / stock GOST", ratio("conn_rps.visitor", "conn_rps.visitor_stock"), ">=", None),
    ("idle KiB/conn libgost / stock GOST (server+client+visitor)", ratio("idle_kib_per_conn.all", "idle_kib_per_conn.all_stock"), "<=", None),
    ("tunnel TCP / haproxy one hop (1 stream, visitor)", ratio("tcp_p1_gbps.gost_tunnel_visitor", "tcp_p1_gbps.haproxy"), ">=", 1.0),
    ("tunnel+tls TCP / ssh -R (1 stream)", ratio("tcp_p1_gbps.gost_tunnel_tls", "tcp_p1_gbps.ssh_r"), ">=", 1.5),
    ("tunnel TCP throughput / ssh -R (1 stream, visitor)", ratio("tcp_p1_gbps.gost_tunnel_visitor", "tcp_p1_gbps.ssh_r"), ">=", 1.5),
    ("forward / haproxy (TCP 1 stream)", ratio("tcp_p1_gbps.gost_forward", "tcp_p1_gbps.haproxy"), ">=", 1.0),
    ("forward / haproxy (TCP 8 streams)", ratio("tcp_p8_gbps.gost_forward", "tcp_p8_gbps.haproxy"), ">=", 1.0),
    ("entrypoint req/s / nginx reverse proxy", ratio("http_rps.entrypoint", "http_rps.nginx_rp"), ">=", 1.0),
    ("entrypoint conn/s / nginx reverse proxy", ratio("conn_rps.entrypoint", "conn_rps.nginx_rp"), ">=", 1.0),
    ("tunnel conn/s / ssh -R (visitor)", ratio("conn_rps.visitor", "conn_rps.ssh_r"), ">=", 2.0),
    ("memory per idle tunnelled conn, server+client+visitor KiB", g("idle_kib_per_conn.all"), "<=", 4.0),
    # multiplexed visitor sessions (tunnel.mux, docs/tunnel.md §10)
    ("visitor conn/s, tunnel.mux / one connection each", ratio("conn_rps.visitor_mux", "conn_rps.visitor"), ">=", 2.0),
    ("tunnel conn/s / ssh -R (visitor, tunnel.mux)", ratio("conn_rps.visitor_mux", "conn_rps.ssh_r"), ">=", 2.0),
    ("idle KiB/conn, tunnel+tls visitor (server+client+visitor)", g("idle_kib_per_conn.all_tls"), "<=", None),
    ("idle KiB/conn, tunnel+tls visitor, tunnel.mux", g("idle_kib_per_conn.all_tls_mux"), "<=", 8.0),
    ("idle KiB/conn, tunnel visitor, tunnel.mux", g("idle_kib_per_conn.all_mux"), "<=", 4.0),
    ("idle KiB/conn, stock tunnel+tls visitor", g("idle_kib_per_conn.all_tls_stock"), "<=", None),
]
rat_rows = []
for name, v, op, t in ratios:
    met = None if v is None or t is None else (v >= t if op == ">=" else v <= t)
    rat_rows.append([name, fmt(v), "-" if t is None else f"{op} {t}", "-" if met is None else ("MET" if met else "MISSED")])

def table(head, body):
    w = [max(len(str(x[i])) for x in [head] + body) for i in range(len(head))]
    line = lambda x: "| " + " | ".join(str(c).ljust(w[i]) for i, c in enumerate(x)) + " |"
    return "\n".join([line(head), "|" + "|".join("-" * (n + 2) for n in w) + "|"] + [line(x) for x in body])

t1 = table(["path"] + cols, rows)
t2 = table(["ratio", "value", "target", "status"], rat_rows)
mem = (f"idle connections held: {int(g('idle_conns') or 0)} (of {idle_n}); PSS KiB/conn: server "
       f"{fmt(g('idle_kib_per_conn.server'))}, client {fmt(g('idle_kib_per_conn.client'))}, "
       f"visitor {fmt(g('idle_kib_per_conn.visitor'))}")
if g("idle_conns_stock") is not None:
    mem += (f"\nstock GOST: held {int(g('idle_conns_stock') or 0)}; PSS KiB/conn: server "
            f"{fmt(g('idle_kib_per_conn.server_stock'))}, client {fmt(g('idle_kib_per_conn.client_stock'))}, "
            f"visitor {fmt(g('idle_kib_per_conn.visitor_stock'))}")
for sfx, what in (("_mux", "tunnel, tunnel.mux"), ("_tls", "tunnel+tls"), ("_tls_mux", "tunnel+tls, tunnel.mux"),
                  ("_tls_stock", "stock GOST tunnel+tls")):
    if g(f"idle_conns{sfx}") is not None:
        mem += (f"\n{what}: held {int(g(f'idle_conns{sfx}') or 0)}; PSS KiB/conn: server "
                f"{fmt(g(f'idle_kib_per_conn.server{sfx}'))}, client {fmt(g(f'idle_kib_per_conn.client{sfx}'))}, "
                f"visitor {fmt(g(f'idle_kib_per_conn.visitor{sfx}'))}")
stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
hdr = (f"libgost bench {stamp}, {platform.node()}, {os.cpu_count()} CPUs, loopback, runs of {dur}s "
       f"(iperf3 -t {dur}, wrk -t1 -c50 -d{dur}s). CPU s/GB: utime+stime of the relay processes "
       f"(all gost processes of the path) per GB received in the 1-stream run.")
errs = "".join(f"\nwrk errors {k.split('_errors.')[0]} {k.split('_errors.')[1]}: {v}" for k, v in r.items() if "_errors." in k)
text = f"{hdr}\n\n{t1}\n\n{t2}\n\n{mem}\n{errs}\n"
print(text)
os.makedirs(out_dir, exist_ok=True)
with open(os.path.join(out_dir, "latest.md"), "w") as f:
    f.write(f"# libgost bench results\n\n{text}")
with open(os.path.join(out_dir, "latest.json"), "w") as f:
    json.dump({"time": stamp, "host": platform.node(), "cpus": os.cpu_count(), "duration_s": int(dur),
               "results": r,
               "ratios": [{"name": n, "value": v, "op": op, "target": t,
                           "met": None if v is None or t is None else (v >= t if op == ">=" else v <= t)}
                          for n, v, op, t in ratios]}, f, indent=1, sort_keys=False)
