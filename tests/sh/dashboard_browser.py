#!/usr/bin/python3
"""Drives the dashboard in headless Debian chromium (selenium) against a running server; see
test_dashboard.sh. Exits non-zero with a message on the first failed expectation."""
import argparse, os, signal, sys, time, urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

ap = argparse.ArgumentParser()
ap.add_argument("--url", required=True)
ap.add_argument("--entry", type=int, required=True)
ap.add_argument("--kill-pid", type=int, required=True)
ap.add_argument("--tunnel", required=True)
ap.add_argument("--shots", required=True)
ap.add_argument("--budgets", required=True, help="service:conns=N,handshakes=N,streams=N (the configured limits)")
a = ap.parse_args()
os.makedirs(a.shots, exist_ok=True)


def wait_for(what, cond, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            v = cond()
            if v:
                return v
        except Exception:  # the DOM is re-rendered under us: try again
            pass
        time.sleep(0.2)
    sys.exit(f"FAIL: {what} (waited {timeout:.0f} s)")


def get(host):
    req = urllib.request.Request(f"http://127.0.0.1:{a.entry}/", headers={"Host": host})
    with urllib.request.urlopen(req, timeout=5) as r:
        return r.status, r.read().decode()


opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--window-size=1280,900", "--no-first-run", "--disable-extensions"):
    opts.add_argument(arg)
drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
try:
    drv.set_page_load_timeout(30)
    drv.get(a.url)
    rows = lambda: drv.find_elements(By.CSS_SELECTOR, "tr[data-connector]")
    wait_for("two connector rows on the page", lambda: len(rows()) == 2)
    wait_for("live updates over SSE", lambda: drv.find_element(By.ID, "live").text == "events")
    hosts = drv.find_element(By.ID, "tunnels").text
    for h in ("one.example.com", "two.example.com"):
        assert h in hosts, f"tunnel cards do not show {h}: {hosts!r}"
    # Connection and stream counts against the configured budgets (issue 11): the limits the
    # config sets, and the two tunnel clients' connections counted against conns.max.
    svc, spec = a.budgets.split(":")
    want = dict(kv.split("=") for kv in spec.split(","))
    cells = lambda: drv.find_elements(By.CSS_SELECTOR, f'tr[data-budget="{svc}"] td')
    wait_for("the budgets row of " + svc, lambda: len(cells()) == 6)
    conns, entry, hs, streams = cells()[1], cells()[2], cells()[3], cells()[4]
    assert conns.get_attribute("data-max") == want["conns"], conns.text
    assert entry.get_attribute("data-max") == want["conns"], entry.text  # the entrypoint shares conns.max
    assert hs.get_attribute("data-max") == want["handshakes"], hs.text
    assert streams.get_attribute("data-max") == want["streams"], streams.text
    wait_for("both tunnel clients counted against conns.max",
             lambda: int(cells()[1].get_attribute("data-open")) >= 2)
    assert f"/ {want['conns']}" in cells()[1].text, cells()[1].text
    assert "No budget limit has been hit." in drv.find_element(By.ID, "limits-hit").text
    drv.save_screenshot(os.path.join(a.shots, "dashboard-desktop.png"))

    # Accessibility basics: every form control has a label, every button a name.
    # One script pass over the page: live updates re-render rows, so element handles kept across
    # several calls can go stale.
    unlabelled = drv.execute_script(
        "return [...document.querySelectorAll('input, select')].filter(e => e.labels.length === 0).length")
    assert unlabelled == 0, f"{unlabelled} unlabelled controls"
    unnamed = drv.execute_script(
        "return [...document.querySelectorAll('button')]"
        ".filter(b => !((b.getAttribute('aria-label') || b.textContent).trim())).length")
    assert unnamed == 0, f"{unnamed} buttons without a name"

    # A client killed with SIGKILL leaves the list (its TCP connection closes; at the latest the
    # server's keepalive timeout ends the session).
    os.kill(a.kill_pid, signal.SIGKILL)
    wait_for("the killed client's connector to disappear", lambda: len(rows()) == 1, timeout=40)
    assert a.tunnel in drv.find_element(By.ID, "tunnels").text

    # A rule added from the page routes the next request through the entrypoint.
    try:
        status = get("three.example.com")[0]
    except urllib.error.HTTPError as e:
        status = e.code
    assert status == 502, f"three.example.com answered {status} before the rule existed"
    Select(drv.find_element(By.ID, "rule-ingress")).select_by_visible_text("public")
    drv.find_element(By.ID, "rule-host").send_keys("three.example.com")
    drv.find_element(By.ID, "rule-endpoint").send_keys(a.tunnel)
    drv.find_element(By.CSS_SELECTOR, "#add-rule button[type=submit]").click()
    wait_for("the 502 for three.example.com among the recent errors",
             lambda: "502" in drv.find_element(By.ID, "events").text and "three.example.com" in drv.find_element(By.ID, "events").text)
    wait_for("the new rule in the rules table", lambda: "three.example.com" in drv.find_element(By.ID, "rules").text)
    status, body = get("three.example.com")
    assert status == 200 and "backend says hi" in body, f"new rule: {status} {body!r}"

    # A phone-sized viewport: nothing wider than the screen except the scrollable tables.
    drv.set_window_size(390, 844)
    time.sleep(0.5)
    overflow = drv.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than a phone viewport"
    drv.save_screenshot(os.path.join(a.shots, "dashboard-phone.png"))
    print("ok - dashboard checks passed")
finally:
    drv.quit()
