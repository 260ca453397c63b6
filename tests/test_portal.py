"""The portal as staff meet it: a real hub, proxy and portal (a hub-managed service) on loopback.

The site is a hand-made release (a public page, a restricted page, a download, symlinks that
lead out, a file beside the release): the portal serves files and checks scopes, whatever the
files say. Traversal paths are sent raw with http.client (httpx and requests normalise them).
"""

import http.client
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from analysis.audit import AuditLog

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "hub_config"))

from nocta_hub import testing  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="the hub runs as root"),
]
ACCOUNTS = {
    "radu": ["portal-readers"],
    "ioana": ["portal-cleared"],
    "ana": ["analysts"],
    "admin": ["admins"],
}
PREFIX = "/services/portal/"
SECRET = "outside the release: never served"


def hand_made_site(home: Path) -> None:
    """Two releases (r1 current), a secret beside them, and symlinks leading out of r1."""
    site = home / "site"
    for release, word in (("r0", "older"), ("r1", "newer")):
        r = site / "releases" / release
        (r / "ro").mkdir(parents=True)
        (r / "restricted" / "ro").mkdir(parents=True)
        (r / "downloads").mkdir()
        (r / "assets").mkdir()
        (r / "index.html").write_text(f"<!doctype html><title>home</title><p>{word} home</p>")
        (r / "ro" / "index.html").write_text(f"<!doctype html><p>{word} public page</p>")
        (r / "restricted" / "ro" / "index.html").write_text("<p>restricted page</p>")
        (r / "downloads" / "case_rates.csv").write_text("county,rate\nCJ,4.5\n")
        (r / "assets" / "site.css").write_text("body{}")
        (r / "manifest.json").write_text(json.dumps({"release_id": release}))
    (site / "current").symlink_to("releases/r1")
    (home / "secret.txt").write_text(SECRET)
    (site / "releases" / "r1" / "escape.html").symlink_to("../../../secret.txt")
    (site / "releases" / "r1" / "escape-dir").symlink_to("../../..")
    (site / "releases" / "r1" / ".hidden").write_text(SECRET)


def start_portal_hub(accounts: dict, seed) -> testing.Hub:
    """A hub whose `portal` service is this checkout's portal, started by the hub itself."""
    port = testing.free_port()
    command = [sys.executable, "-m", "analysis.portal", "serve"]
    hub = testing.start_hub(
        accounts,
        settings={
            "portal": {"enabled": True, "url": f"http://127.0.0.1:{port}", "command": command}
        },
        seed=seed,
    )
    hub.portal_port = port
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}{PREFIX}", allow_redirects=False, timeout=2)
            return hub
        except requests.ConnectionError:
            time.sleep(0.1)
    testing.stop_hub(hub)
    raise TimeoutError(f"the portal did not answer:\n{hub.log_tail()}")


def portal_session(hub: testing.Hub, name: str) -> requests.Session:
    """Logged in on the hub and through the portal's OAuth dance, as a browser would be."""
    session = hub.login(name)
    session.get(f"{hub.url}services/portal/", timeout=30)
    return session


def cookie_header(session: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def raw_get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, str]:
    """GET `path` exactly as written (no normalisation of `..` or of percent escapes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("GET", path, skip_accept_encoding=True)
    for k, v in (headers or {}).items():
        conn.putheader(k, v)
    conn.endheaders()
    reply = conn.getresponse()
    body = reply.read().decode("utf-8", "replace")
    conn.close()
    return reply.status, {k.lower(): v for k, v in reply.getheaders()}, body


@pytest.fixture(scope="module")
def hub():
    hub = start_portal_hub(ACCOUNTS, hand_made_site)
    try:
        yield hub
    finally:
        testing.stop_hub(hub)


@pytest.fixture(scope="module")
def sessions(hub):
    return {name: portal_session(hub, name) for name in ("radu", "ioana", "ana")}


def portal_url(hub, path: str = "") -> str:
    return f"{hub.url}services/portal/{path}"


def test_logged_out_visitors_are_sent_to_the_hub_login(hub):
    reply = requests.get(portal_url(hub, "ro/index.html"), allow_redirects=False)
    assert reply.status_code == 302
    assert urlparse(reply.headers["Location"]).path == "/hub/api/oauth2/authorize"
    followed = requests.get(portal_url(hub, "ro/index.html"))
    assert urlparse(followed.url).path == "/hub/login" and "public page" not in followed.text
    for path in ("restricted/ro/index.html", "downloads/case_rates.csv", "../secret.txt"):
        status, _, body = raw_get(hub.portal_port, PREFIX + path)
        assert status == 302 and SECRET not in body, path


def test_each_role_sees_what_its_scopes_allow(hub, sessions):
    expected = {  # name: (public page, restricted page)
        "radu": (200, 403),
        "ioana": (200, 200),
        "ana": (200, 403),
    }
    for name, (public, restricted) in expected.items():
        s = sessions[name]
        page = s.get(portal_url(hub, "ro/index.html"), allow_redirects=False)
        assert page.status_code == public and "newer public page" in page.text, name
        secret = s.get(portal_url(hub, "restricted/ro/index.html"), allow_redirects=False)
        assert secret.status_code == restricted, name
        if restricted == 403:
            assert "Acces refuzat" in secret.text and "restricted page" not in secret.text
    # the release root opens the reader's home: Romanian first, the browser's English if asked,
    # then whichever language the reader last read in
    radu = sessions["radu"]
    assert radu.get(portal_url(hub)).text.count("newer public page") == 1
    root = radu.get(portal_url(hub), allow_redirects=False)
    assert root.status_code == 302 and root.headers["Location"] == f"{PREFIX}ro/"
    fresh = hub.login("radu")
    fresh.get(portal_url(hub, "assets/site.css"))  # the OAuth dance, on a page of no language
    english = {"Accept-Language": "en-GB,en;q=0.9,ro;q=0.5"}
    first = fresh.get(portal_url(hub), headers=english, allow_redirects=False)
    assert first.headers["Location"] == f"{PREFIX}en/"
    fresh.get(portal_url(hub, "ro/index.html"), headers=english)  # reads in Romanian once
    again = fresh.get(portal_url(hub, "index.html"), headers=english, allow_redirects=False)
    assert again.headers["Location"] == f"{PREFIX}ro/"
    folder = sessions["radu"].get(portal_url(hub, "ro"), allow_redirects=False)
    assert folder.status_code == 302 and folder.headers["Location"] == f"{PREFIX}ro/"


def test_an_account_without_the_portal_scope_is_refused(hub):
    session = hub.login("admin")
    reply = session.get(portal_url(hub, "ro/index.html"))
    assert reply.status_code == 403 and "public page" not in reply.text


@pytest.mark.parametrize(
    "path",
    [
        "../r0/ro/index.html",
        "%2e%2e/r0/ro/index.html",
        "%2E%2E%2Fr0%2Fro%2Findex.html",
        "..%2f..%2fsecret.txt",
        "ro/..%2f..%2f..%2fsecret.txt",
        "%252e%252e/r0/ro/index.html",
        "ro/..%5c..%5csecret.txt",
        "ro/%00index.html",
        "escape.html",
        "escape-dir/secret.txt",
        ".hidden",
        "./ro/index.html",
        "ro//index.html",
        "nothing-here.html",
    ],
)
def test_unknown_or_escaping_paths_are_404(hub, sessions, path):
    cookie = {"Cookie": cookie_header(sessions["ioana"])}
    status, headers, body = raw_get(hub.portal_port, PREFIX + path, cookie)
    assert status == 404 and SECRET not in body and "older" not in body, (path, status)
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    proxied = urlparse(hub.url).port
    status, _, body = raw_get(proxied, PREFIX + path, cookie)  # the proxy may normalise `./`
    assert SECRET not in body and "older" not in body, (path, status)


def test_security_headers_on_every_response(hub, sessions):
    cookie = {"Cookie": cookie_header(sessions["radu"])}
    answers = [
        raw_get(hub.portal_port, PREFIX + "ro/index.html", cookie),  # 200
        raw_get(hub.portal_port, PREFIX + "restricted/ro/index.html", cookie),  # 403
        raw_get(hub.portal_port, PREFIX + "missing.html", cookie),  # 404
        raw_get(hub.portal_port, PREFIX + "ro/index.html"),  # 302 to the login
        raw_get(hub.portal_port, "/elsewhere"),  # outside the prefix
    ]
    assert [a[0] for a in answers] == [200, 403, 404, 302, 404]
    for status, headers, _ in answers:
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, status
        assert "http:" not in csp and "https:" not in csp and "*" not in csp, status
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert "strict-transport-security" not in headers  # plain HTTP on loopback
        assert "server" not in headers
    assert answers[0][1]["content-type"] == "text/html; charset=utf-8"
    # behind TLS (the reverse proxy says so): HSTS, and every cookie Secure, HttpOnly, SameSite
    status, headers, _ = raw_get(
        hub.portal_port, PREFIX + "ro/index.html", {"X-Forwarded-Proto": "https"}
    )
    assert status == 302 and headers["strict-transport-security"].startswith("max-age=")
    cookie_line = headers["set-cookie"]
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert flag.lower() in cookie_line.lower(), cookie_line
    login_cookies = [c for c in sessions["radu"].cookies if c.path == PREFIX]
    assert login_cookies and all(c.has_nonstandard_attr("HttpOnly") for c in login_cookies)


def test_restricted_views_and_downloads_are_logged_as_consultations(hub, sessions):
    log = AuditLog(hub.home / "audit" / "audit.jsonl")
    before = log.verify().records
    assert sessions["ioana"].get(portal_url(hub, "restricted/ro/index.html")).status_code == 200
    csv = sessions["radu"].get(portal_url(hub, "downloads/case_rates.csv"))
    assert csv.status_code == 200 and csv.text.startswith("county,rate")
    assert "attachment" in csv.headers["Content-Disposition"]
    sessions["radu"].get(portal_url(hub, "ro/index.html"))  # a public page: not logged
    sessions["radu"].get(portal_url(hub, "restricted/ro/index.html"))  # refused: not served
    check = log.verify()
    assert check.ok and check.records == before + 2
    lines = log.path.read_text().splitlines()[-2:]
    records = [json.loads(line) for line in lines]
    got = [
        (r["actor"], r["operation"], r["details"]["path"], r["details"]["release"]) for r in records
    ]
    assert got == [
        ("ioana", "consultation", "restricted/ro/index.html", "r1"),
        ("radu", "consultation", "downloads/case_rates.csv", "r1"),
    ]
    assert all(r["time"] for r in records)


def test_switching_current_changes_what_is_served_at_once(hub, sessions):
    current = hub.home / "site" / "current"
    try:
        tmp = current.with_name(".current.new")
        tmp.symlink_to("releases/r0")
        os.replace(tmp, current)
        assert "older public page" in sessions["radu"].get(portal_url(hub, "ro/index.html")).text
    finally:
        tmp = current.with_name(".current.new")
        tmp.symlink_to("releases/r1")
        os.replace(tmp, current)
    assert "newer public page" in sessions["radu"].get(portal_url(hub, "ro/index.html")).text
