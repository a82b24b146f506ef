// libgost dashboard: plain JS, no dependencies. Data from the web API (docs/api.md), live through
// Server-Sent Events (/api/events) with polling as the fallback and for the traffic graphs.
// Server data is only ever written with textContent, never parsed as HTML.
"use strict";
const POLL_MS = 2000, GRAPH_POINTS = 60, MAX_EVENTS = 50;
const $ = (id) => document.getElementById(id);
const traffic = new Map(); // tunnel key -> [{t, bin, bout}], for the graphs
let refreshTimer = null;

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}

async function api(method, path, body) {
  const opts = { method, credentials: "same-origin", headers: {} };
  if (body !== undefined) { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
  const r = await fetch(path, opts);
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { /* not JSON */ }
  if (!r.ok) throw new Error((data && data.msg) || `${method} ${path}: HTTP ${r.status}`);
  return data;
}

function bytes(n) {
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  for (n = Number(n) || 0; n >= 1024 && i < u.length - 1; i++) n /= 1024;
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}
function duration(s) {
  s = Math.floor(Number(s) || 0);
  const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
  return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : m ? `${m}m ${s % 60}s` : `${s}s`;
}

function notice(msg, bad) {
  const n = $("notice");
  n.textContent = msg;
  n.className = "notice " + (bad ? "bad" : "ok");
}

function logEvent(text, bad, when) {
  const list = $("events");
  const t = when ? new Date(when) : new Date();
  list.prepend(el("li", { class: bad ? "bad" : "" }, `${t.toLocaleTimeString()}  ${text}`));
  while (list.children.length > MAX_EVENTS) list.lastChild.remove();
}

async function act(what, fn) {
  try { await fn(); notice(`${what}: done`); } catch (e) { notice(`${what}: ${e.message}`, true); logEvent(`${what}: ${e.message}`, true); }
  scheduleRefresh(0);
}

function renderStatus(st) {
  $("version").textContent = st.version ? `v${st.version}` : "";
  $("uptime").textContent = duration(st.uptime);
  $("nservices").textContent = `${st.running ?? "?"} / ${st.services ?? "?"} running`;
  $("nconnectors").textContent = st.connectors ?? 0;
  $("nconns").textContent = st.activeConns ?? 0;
  const budgets = (st.budgets && st.budgets.services) || [];
  $("nstreams").textContent = budgets.reduce((a, b) => a + ((b.muxStreams && b.muxStreams.open) || 0), 0);
  renderBudgets(st.budgets || {});
}

// One cell "open / max (p %)", marked when the use passes 80 % of the limit.
function budgetCell(g, extra) {
  if (!g) return el("td", { class: "muted" }, "–");
  const pct = g.max ? (100 * g.open) / g.max : 0;
  return el("td", { class: pct >= 80 ? "bad" : "", "data-open": g.open, "data-max": g.max },
    `${g.open} / ${g.max}` + (extra || "") + ` (${pct < 1 && g.open ? "<1" : Math.round(pct)} %)`);
}

function renderBudgets(b) {
  const rows = (b.services || []).map((s) => {
    const m = s.muxStreams;
    const e = s.entrypointConns;
    return el("tr", { "data-budget": s.service }, el("td", {}, s.service), budgetCell(s.conns),
      budgetCell(e, e && e.listeners > 1 ? ` on ${e.listeners} listeners` : ""), budgetCell(s.handshakes),
      m ? budgetCell({ open: m.busiestSession, max: m.maxPerSession }, `, ${m.open} in all sessions`) : budgetCell(null),
      budgetCell(s.udpFlows));
  });
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: "6", class: "muted" }, "No running service.")));
  $("budgets").tBodies[0].replaceChildren(...rows);
  const hit = Object.entries(b.limitsHit || {}).filter(([, n]) => n > 0);
  $("limits-hit").textContent = hit.length ? `Limits hit so far: ${hit.map(([k, n]) => `${k} ${n}`).join(", ")}`
    : "No budget limit has been hit.";
  $("limits-hit").className = hit.length ? "bad" : "muted";
}

function renderServices(services) {
  const body = $("services").tBodies[0];
  body.replaceChildren(...services.map((s) => {
    const st = s.stats || {};
    return el("tr", {}, el("td", {}, s.name), el("td", {}, s.addr || ""), el("td", {}, s.handler || ""),
      el("td", {}, s.listener || ""), el("td", { class: s.state === "running" ? "" : "bad" }, s.state || ""),
      el("td", {}, `${st.currentConns ?? 0} / ${st.totalConns ?? 0}`), el("td", {}, bytes(st.inputBytes)),
      el("td", {}, bytes(st.outputBytes)));
  }));
}

function drawGraph(canvas, points) {
  const dpr = window.devicePixelRatio || 1, w = canvas.clientWidth, h = canvas.clientHeight;
  if (canvas.width !== w * dpr) { canvas.width = w * dpr; canvas.height = h * dpr; }
  const g = canvas.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  const rates = [];
  for (let i = 1; i < points.length; i++) {
    const dt = (points[i].t - points[i - 1].t) / 1000 || 1;
    rates.push({ i: Math.max(0, points[i].bin - points[i - 1].bin) / dt, o: Math.max(0, points[i].bout - points[i - 1].bout) / dt });
  }
  const max = Math.max(1, ...rates.map((r) => Math.max(r.i, r.o)));
  const style = getComputedStyle(document.body);
  for (const [key, color] of [["i", style.getPropertyValue("--ok")], ["o", style.getPropertyValue("--accent")]]) {
    g.beginPath();
    g.strokeStyle = color.trim() || "#888";
    rates.forEach((r, k) => {
      const x = w - (rates.length - 1 - k) * (w / (GRAPH_POINTS - 1)), y = h - 2 - (r[key] / max) * (h - 14);
      k ? g.lineTo(x, y) : g.moveTo(x, y);
    });
    g.stroke();
  }
  g.fillStyle = style.getPropertyValue("--muted").trim() || "#888";
  g.font = "11px system-ui, sans-serif";
  const last = rates[rates.length - 1] || { i: 0, o: 0 };
  g.fillText(`in ${bytes(last.i)}/s  out ${bytes(last.o)}/s  (peak ${bytes(max)}/s)`, 4, 11);
}

function tunnelCard(t) {
  const key = `${t.service}/${t.tunnelId}`;
  const pts = traffic.get(key) || [];
  pts.push({ t: Date.now(), bin: t.bytesIn || 0, bout: t.bytesOut || 0 });
  while (pts.length > GRAPH_POINTS) pts.shift();
  traffic.set(key, pts);

  const hosts = el("div", { class: "hosts", "aria-label": "Public hostnames" },
    ...(t.hostnames || []).map((h) => el("span", { class: "tag" }, (h.private ? "$ " : "") + h.hostname)));
  if (!(t.hostnames || []).length) hosts.append(el("span", { class: "muted" }, "no public hostname"));
  const canvas = el("canvas", { class: "graph", role: "img", "aria-label": `Traffic of tunnel ${t.tunnelId}` });
  const rows = (t.connectors || []).map((c) => el("tr", { "data-connector": c.id },
    el("td", {}, c.client || ""), el("td", {}, c.network || ""), el("td", {}, c.weight ?? 0),
    el("td", {}, duration(c.uptime)), el("td", {}, c.streams ?? 0), el("td", {}, bytes(c.bytesIn)),
    el("td", {}, bytes(c.bytesOut)),
    el("td", {}, el("button", { type: "button", class: "danger", "aria-label": `Disconnect connector ${c.client}`,
      onclick: () => act(`disconnect ${c.client}`, () => api("POST",
        `api/services/${encodeURIComponent(t.service)}/connectors/${encodeURIComponent(c.id)}/disconnect`)) }, "Disconnect"))));
  const table = el("table", { "aria-label": `Connectors of tunnel ${t.tunnelId}` },
    el("thead", {}, el("tr", {}, ...["Client", "Net", "Weight", "Uptime", "Streams", "In", "Out", ""].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows));
  const card = el("article", { class: "card", "data-tunnel": t.tunnelId, "aria-label": `Tunnel ${t.tunnelId}` },
    el("h3", {}, t.tunnelId),
    el("div", { class: "muted" }, `${t.service} · endpoint ${t.endpoint || "?"} · ${(t.connectors || []).length} connector(s)` +
      ` (${t.connections ?? 0} so far${t.idleSeconds ? `, idle ${duration(t.idleSeconds)}` : ""}) · ${t.streams ?? 0} streams · ` +
      `${bytes(t.bytesIn)} in / ${bytes(t.bytesOut)} out`),
    hosts, canvas, el("div", { class: "scroll" }, table));
  return { card, draw: () => drawGraph(canvas, pts) };
}

function renderTunnels(tunnels) {
  const box = $("tunnels");
  if (!tunnels.length) { traffic.clear(); box.replaceChildren(el("p", { class: "muted" }, "No tunnels: no client is connected and no ingress rule names a tunnel.")); return; }
  const sorted = [...tunnels].sort((x, y) => `${x.service}/${x.tunnelId}`.localeCompare(`${y.service}/${y.tunnelId}`));
  // Forget the history of tunnels that are gone, so that a page left open does not grow.
  const live = new Set(sorted.map((t) => `${t.service}/${t.tunnelId}`));
  for (const key of traffic.keys()) if (!live.has(key)) traffic.delete(key);
  const made = sorted.map(tunnelCard);
  box.replaceChildren(...made.map((m) => m.card));
  made.forEach((m) => m.draw());
}

function renderRules(config) {
  const ingresses = (config && config.ingresses) || [];
  const sel = $("rule-ingress"), keep = sel.value;
  sel.replaceChildren(...ingresses.map((i) => el("option", { value: i.name }, i.name)));
  if (keep) sel.value = keep;
  const rows = [];
  for (const ing of ingresses) for (const r of ing.rules || []) {
    rows.push(el("tr", {}, el("td", {}, ing.name), el("td", {}, r.hostname), el("td", {}, r.endpoint),
      el("td", {}, el("button", { type: "button", class: "danger", "aria-label": `Remove rule ${r.hostname}`,
        onclick: () => act(`remove ${r.hostname}`, () => api("DELETE",
          `api/ingresses/${encodeURIComponent(ing.name)}/rules/${encodeURIComponent(r.hostname)}`)) }, "Remove"))));
  }
  if (!ingresses.length) rows.push(el("tr", {}, el("td", { colspan: "4", class: "muted" }, "No ingress in the config: add an `ingresses:` section to add rules here.")));
  $("rules").tBodies[0].replaceChildren(...rows);
}

async function refresh() {
  refreshTimer = null;
  try {
    const [st, sv, tu, cfg] = await Promise.all([api("GET", "api/status"), api("GET", "api/services"),
      api("GET", "api/tunnels"), api("GET", "config?format=json")]);
    renderStatus(st);
    renderServices(sv.services || []);
    renderTunnels(tu.tunnels || []);
    renderRules(cfg);
  } catch (e) {
    notice(`cannot reach the API: ${e.message}`, true);
  }
}

function scheduleRefresh(delay) {
  if (refreshTimer !== null) return;
  refreshTimer = setTimeout(refresh, delay);
}

function describe(ev) {
  const who = [ev.service, ev.tunnel_id, ev.client].filter(Boolean).join(" ");
  return `${ev.type.replace("_", " ")} ${who}${ev.detail ? ` (${ev.detail})` : ""}`;
}

function connectEvents() {
  if (!window.EventSource) { $("live").textContent = "polling"; return; }
  const es = new EventSource("api/events");
  es.onopen = () => { $("live").textContent = "events"; };
  es.onerror = () => { $("live").textContent = "polling (events reconnecting)"; };
  for (const type of ["connector_up", "connector_down", "config_applied", "config_failed"]) {
    es.addEventListener(type, (m) => {
      let ev = {};
      try { ev = JSON.parse(m.data); } catch (e) { ev = { type }; }
      logEvent(describe(ev), type === "config_failed" || (type === "connector_down" && ev.detail && ev.detail !== "closed"));
      scheduleRefresh(100);
    });
  }
  // Warnings and errors the server logs (the same records as GET /api/errors).
  es.addEventListener("log", (m) => {
    try { const r = JSON.parse(m.data); logEvent(`${r.level}: ${r.msg}`, true, r.time); } catch (e) { /* ignore */ }
  });
  // Stream events are frequent: they only refresh the numbers, without a log line each.
  for (const type of ["stream_open", "stream_close"]) es.addEventListener(type, () => scheduleRefresh(500));
}

$("add-rule").addEventListener("submit", (e) => {
  e.preventDefault();
  const ing = $("rule-ingress").value, host = $("rule-host").value.trim(), ep = $("rule-endpoint").value.trim();
  act(`add rule ${host}`, async () => {
    await api("PUT", `api/ingresses/${encodeURIComponent(ing)}/rules/${encodeURIComponent(host)}`, { endpoint: ep });
    $("rule-host").value = "";
  });
});
$("reload").addEventListener("click", () => act("reload", () => api("POST", "config/reload")));

// The recent warnings and errors from before the page was opened; later ones arrive as events.
api("GET", "api/errors").then((d) => {
  for (const r of (d && d.errors) || []) logEvent(`${r.level}: ${r.msg}`, true, r.time);
}).catch(() => { /* the server predates /api/errors */ });
connectEvents();
refresh();
setInterval(() => scheduleRefresh(0), POLL_MS);
