"""The hub as analysts and readers meet it: a real JupyterHub, proxy and servers on loopback.

One hub for the module (hub_config/nocta_hub/testing.py): its own data root, accounts, free
ports and unix-name prefix; torn down with every server, unix user and cgroup it made.
Accounts: two analysts (ana is on case alpha's team, bob is not), a portal reader, a cleared
reader, an administrator, and case alpha's collaboration account. The tests at the end check
the configuration itself (settings, roles, the directory's groups, the pilot's sign-up).
"""

import json
import os
import pwd
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "hub_config"))

from nocta_hub import roles, testing  # noqa: E402

AS_ROOT = pytest.mark.skipif(os.geteuid() != 0, reason="the hub runs as root")

ACCOUNTS = {
    "ana": ["analysts", "case-alpha-team"],
    "bob": ["analysts"],
    "radu": ["portal-readers"],
    "ioana": ["portal-cleared"],
    "admin": ["admins"],
    "case-alpha": [],
}
MEM_LIMIT = 3 * 1024**3
CHROMIUM = "/usr/bin/chromium"
SNAPSHOT = "curated/police_cases/20260101T000000Z"


def seed(home: Path) -> None:
    """What the zones hold before the hub starts, written as root as ingest would."""
    files = {
        f"{SNAPSHOT}/data.parquet": "curated rows",
        "results/run-1/headline.json": '{"cases": 12}',
        "quarantine/police_cases.csv": "rejected row with a CNP",
        "keys/pseudonym.key": "secret key",
        "landing/police_cases.csv": "raw extract",
        "inbox/package.nocta": "sealed package",
        "audit/audit.jsonl": "{}",
    }
    for name, text in files.items():
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).write_text(text)
    (home / SNAPSHOT).chmod(0o750)  # as ingest's atomic_dir leaves it
    (home / "results" / "current").symlink_to("run-1")


@pytest.fixture(scope="module")
def hub():
    portal_port = testing.free_port()  # declared, not running: the portal issue serves it
    hub = testing.start_hub(
        ACCOUNTS,
        cases=["alpha"],
        settings={
            "spawner": {"mem_limit": MEM_LIMIT, "cpu_limit": 1.5, "nproc_limit": 300},
            "portal": {"enabled": True, "url": f"http://127.0.0.1:{portal_port}", "timeout": 1},
        },
        seed=seed,
    )
    try:
        yield hub
    finally:
        testing.stop_hub(hub)


@pytest.fixture(scope="module")
def running(hub):
    """ana's and bob's servers, started as they would start them (their login, their API)."""

    def start(name):
        session = hub.login(name)
        return session.post(f"{hub.url}hub/api/users/{name}/server", headers=xsrf(session))

    with ThreadPoolExecutor(2) as pool:  # both at once, as two people would
        for reply in pool.map(start, ("ana", "bob")):
            assert reply.status_code in (201, 202), hub.log_tail(80)
    return {name: hub.wait_ready(name) for name in ("ana", "bob")}


def text(reply: requests.Response) -> str:
    """A hub page as the browser reads it (UTF-8; the hub names no charset)."""
    return reply.content.decode("utf-8")


def xsrf(session: requests.Session) -> dict:
    return {"X-XSRFToken": session.cookies.get("_xsrf", path="/hub/")}


@pytest.mark.slow
@AS_ROOT
def test_login_sends_each_person_where_they_may_go(hub):
    expected = {
        "ana": "/hub/spawn",
        "radu": "/services/portal/",
        "ioana": "/services/portal/",
        "admin": "/hub/admin",
    }
    for name, where in expected.items():
        reply = hub.login(name).login_reply
        assert reply.status_code == 302 and reply.headers["Location"] == where, name
    assert hub.login("ana", password="not-the-password").login_reply.status_code == 403
    for name, where in (("ana", "/hub/spawn"), ("radu", "/services/portal/")):
        browser = requests.Session()  # as a browser: the bare URL, the form, then onwards
        form = browser.get(hub.url)
        assert form.url.endswith("/hub/login?next=%2Fhub%2F")
        data = {"username": name, "password": hub.accounts[name]["password"],
                "_xsrf": browser.cookies.get("_xsrf")}  # fmt: skip
        back = browser.post(form.url, data=data, allow_redirects=False)
        assert back.headers["Location"] == "/hub/"
        landing = browser.get(f"{hub.url}hub/", allow_redirects=False)
        assert landing.headers["Location"] == where, name


@pytest.mark.slow
@AS_ROOT
def test_readers_and_admins_cannot_spawn(hub):
    for name in ("radu", "ioana", "admin"):
        session = hub.login(name)
        api = session.post(f"{hub.url}hub/api/users/{name}/server", headers=xsrf(session))
        assert api.status_code == 403, (name, api.text)
        page = session.get(f"{hub.url}hub/spawn", allow_redirects=False)
        assert page.status_code == 403, name
        home = session.get(f"{hub.url}hub/home").text
        assert 'id="start"' not in home and "not in the analysts group" in home, name
    assert hub.api("GET", "/users/radu").json()["servers"] == {}


@pytest.mark.slow
@AS_ROOT
def test_analyst_server_runs_as_their_own_user_with_limits(hub, running):
    pid = hub.server_pid("ana")
    unix = pwd.getpwnam(hub.unix_name("ana"))
    status = Path(f"/proc/{pid}/status").read_text()
    uids = next(line.split()[1:] for line in status.splitlines() if line.startswith("Uid:"))
    assert set(map(int, uids)) == {unix.pw_uid} and unix.pw_uid != 0
    limits = Path(f"/proc/{pid}/limits").read_text()
    assert "Max address space         unlimited" in limits  # V8 and BLAS reserve far more
    assert "Max processes             300" in limits
    assert int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16]) == 5  # nice
    cgroups = dict(
        line.split(":")[1:] for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    )
    if Path("/sys/fs/cgroup/cpu/cgroup.procs").exists():  # cgroup v1, as on this machine
        cpu = Path("/sys/fs/cgroup/cpu") / cgroups["cpu"].lstrip("/")
        mem = Path("/sys/fs/cgroup/memory") / cgroups["memory"].lstrip("/")
        assert cpu.name == unix.pw_name and mem.name == unix.pw_name
        assert (cpu / "cpu.cfs_quota_us").read_text().strip() == "150000"  # 1.5 cores
        assert int((mem / "memory.limit_in_bytes").read_text()) == MEM_LIMIT
    home = Path(unix.pw_dir)
    assert home.stat().st_uid == unix.pw_uid and oct(home.stat().st_mode & 0o777) == "0o700"
    cmdline = Path(f"/proc/{pid}/cmdline").read_text().split("\0")
    assert "--MappingKernelManager.default_kernel_name=nocta" in cmdline
    assert "--MappingKernelManager.cull_idle_timeout=3600" in cmdline
    assert "--YDocExtension.disable_rtc=True" in cmdline
    specs = requests.get(
        f"{hub.url}user/ana/api/kernelspecs",
        headers={"Authorization": f"token {testing.user_token(hub, 'ana')}"},
    ).json()
    assert specs["default"] == "nocta" and list(specs["kernelspecs"]) == ["nocta"]


EAT_MEMORY = """
chunks = []
for _ in range(LIMIT // 2**28 + 8):  # 256 MiB at a time, written, to past the limit
    chunks.append(b"x" * 2**28)
print("still alive")
"""


@pytest.mark.slow
@AS_ROOT
def test_a_cell_past_the_memory_limit_stops_its_kernel_not_the_server(hub, running):
    import asyncio

    from nocta_hub import limits, server_client

    token = testing.user_token(hub, "bob")
    cgroups = [c for c in limits._v1_dirs(hub.unix_name("bob")).values() if c.name]
    before = limits.oom_kills(cgroups)

    async def eat_then_work():
        async with server_client.KernelSession(hub.url, "bob", token) as kernel:
            eaten = await kernel.execute(EAT_MEMORY.replace("LIMIT", str(MEM_LIMIT)), 120)
        async with server_client.KernelSession(hub.url, "bob", token) as kernel:
            return eaten, await kernel.execute("print(6 * 7)", 60)

    eaten, after = asyncio.run(eat_then_work())
    printed = "".join(o.get("text", "") for o in eaten.outputs)
    assert "still alive" not in printed
    if not limits.bounds_memory(cgroups):  # bounded per process: the allocation itself failed
        assert eaten.status == "error" and eaten.outputs[-1]["ename"] == "MemoryError"
    else:  # bounded by the cgroup: the kernel was stopped, JupyterLab restarts it, and the
        # new kernel says why at its first cell
        assert eaten.status == "died" and limits.oom_kills(cgroups) > before
        told = [o["text"] for o in after.outputs if o.get("name") == "stderr"]
        gib = MEM_LIMIT // 2**30
        assert told and f"a depășit limita de memorie ({gib} GiB)" in told[0], after.outputs
    status = requests.get(
        f"{hub.url}user/bob/api/status", headers={"Authorization": f"token {token}"}
    )
    assert status.status_code == 200  # the server lived through it
    printed = [o["text"] for o in after.outputs if o.get("name") == "stdout"]
    assert after.status == "ok" and printed == ["42\n"]


@pytest.mark.slow
@AS_ROOT
def test_terminals_have_the_servers_environment(hub, running):
    from nocta_hub import server_client

    token = testing.user_token(hub, "ana")
    shown = server_client.run_in_terminal(
        hub.url, "ana", token, "nocta --help; command -v python; jupyter kernelspec list"
    )
    assert "Usage: nocta" in shown, shown
    assert str(testing.PROJECT / ".hub" / "venv" / "bin" / "python") in shown, shown
    assert "nocta " in shown.split("Available kernels:")[-1], shown


PROBE = """
import json, os, pathlib
home = pathlib.Path(os.environ["NOCTA_HOME"])
def attempt(action):
    try:
        action()
        return "ok"
    except PermissionError:
        return "denied"
paths = {name: home / name for name in
         ["quarantine/police_cases.csv", "keys/pseudonym.key", "landing/police_cases.csv",
          "inbox/package.nocta", "audit/audit.jsonl", "hub/cookie_secret"]}
result = {name: attempt(path.read_text) for name, path in paths.items()}
result["other home"] = attempt(lambda: list(pathlib.Path(OTHER_HOME).iterdir()))
result["curated"] = (home / SNAPSHOT / "data.parquet").read_text()
result["later snapshot"] = (home / LATER / "data.parquet").read_text()
result["results"] = (home / "results/current/headline.json").read_text()
result["write curated"] = attempt(lambda: (home / "curated/mine.txt").write_text("x"))
result["whoami"] = os.getuid()
result["keys in env"] = "NOCTA_KEYS" in os.environ
print(json.dumps(result))
"""


@pytest.mark.slow
@AS_ROOT
def test_analyst_reads_curated_data_but_not_others_homes_quarantine_or_keys(hub, running):
    from analysis.fsutil import atomic_dir

    later = "curated/police_cases/20260201T000000Z"  # written by ingest after the hub started
    with atomic_dir(hub.home / later, 0o750) as tmp:
        (tmp / "data.parquet").write_text("later rows")
    bob_home = pwd.getpwnam(hub.unix_name("bob")).pw_dir
    code = PROBE.replace("OTHER_HOME", repr(bob_home)).replace("SNAPSHOT", repr(SNAPSHOT))
    code = code.replace("LATER", repr(later))
    out = json.loads(testing.run_code(hub, "ana", testing.user_token(hub, "ana"), code))
    for name in ("quarantine/police_cases.csv", "keys/pseudonym.key", "landing/police_cases.csv",
                 "inbox/package.nocta", "audit/audit.jsonl", "hub/cookie_secret", "other home",
                 "write curated"):  # fmt: skip
        assert out[name] == "denied", name
    assert out["curated"] == "curated rows" and out["later snapshot"] == "later rows"
    assert out["results"] == '{"cases": 12}'
    assert out["whoami"] == pwd.getpwnam(hub.unix_name("ana")).pw_uid
    assert out["keys in env"] is False


@pytest.mark.slow
@AS_ROOT
def test_case_server_is_reachable_by_its_team_only(hub, running):
    ana, bob = testing.user_token(hub, "ana"), testing.user_token(hub, "bob")
    case = "case-alpha"
    started = requests.post(
        f"{hub.url}hub/api/users/{case}/server", headers={"Authorization": f"token {ana}"}
    )
    assert started.status_code in (201, 202), started.text  # a team member starts it
    hub.wait_ready(case)
    status = f"{hub.url}user/{case}/api/status"
    assert requests.get(status, headers={"Authorization": f"token {ana}"}).status_code == 200
    assert requests.get(status, headers={"Authorization": f"token {bob}"}).status_code == 403
    browser = hub.login("bob")
    assert browser.get(f"{hub.url}user/{case}/lab").status_code == 403
    denied = browser.post(f"{hub.url}hub/api/users/{case}/server", headers=xsrf(browser))
    assert denied.status_code in (403, 404)  # 404: bob may not even know it exists
    # the team's code runs as the case account, never as ana
    whoami = testing.run_code(hub, case, ana, "import os; print(os.getuid(), os.getcwd())")
    case_user = pwd.getpwnam(hub.unix_name(case))
    assert whoami.split() == [str(case_user.pw_uid), str(hub.home / "cases" / "alpha")]
    cmdline = Path(f"/proc/{hub.server_pid(case)}/cmdline").read_text().split("\0")
    assert (
        f"--SQLiteYStore.db_path={hub.home / 'cases' / 'alpha' / '.jupyter_ystore.db'}" in cmdline
    )
    assert "--YDocExtension.disable_rtc=True" not in cmdline  # collaboration on
    session = requests.put(
        f"{hub.url}user/{case}/api/collaboration/session/shared.ipynb",
        json={"format": "json", "type": "notebook"},
        headers={"Authorization": f"token {ana}"},
    )
    assert session.status_code in (200, 201), session.text


@pytest.mark.slow
@AS_ROOT
def test_case_team_members_get_the_case_server_and_no_admin_controls(hub, running):
    ana = hub.login("ana")
    home = text(ana.get(f"{hub.url}hub/home"))
    assert "/hub/admin" not in home and "Administrare" not in home
    assert 'id="start"' in home and "Serverul meu" in home and 'id="stop"' in home
    assert ana.get(f"{hub.url}hub/admin", allow_redirects=False).status_code == 403
    refused = ana.get(f"{hub.url}hub/admin")
    assert "Acces interzis" in text(refused) and "SECRET DE SERVICIU" in text(refused)
    # the case's server (started by the team in the test above): first the hub asks her to
    # confirm, in Romanian, what the case server learns about her; then she is in
    assert hub.wait_ready("case-alpha")
    ask = ana.get(f"{hub.url}user/case-alpha/lab")
    assert "Confirmați accesul" in text(ask) and "Authorize access" in text(ask), ask.url
    form = {"_xsrf": ana.cookies.get("_xsrf", path="/hub/"), "scopes": []}
    confirmed = ana.post(ask.url, data=form)
    assert confirmed.status_code == 200 and "/user/case-alpha/lab" in confirmed.url
    assert ana.get(f"{hub.url}hub/spawn/case-alpha").status_code == 200


@pytest.mark.slow
@AS_ROOT
def test_hub_pages_speak_romanian_first_with_the_marking(hub):
    login = text(requests.get(f"{hub.url}hub/login"))
    assert "Autentificare" in login and "Sign in" in login and "SECRET DE SERVICIU" in login
    assert 'name="username"' in login and 'id="login_submit"' in login
    admin = text(hub.login("admin").get(f"{hub.url}hub/admin"))
    assert 'id="no-start"' in admin and "Serverele nu se pornesc de aici" in admin
    hidden = admin.split('<style id="hidden-controls">', 1)[1].split("</style>", 1)[0]
    assert ".start-button" in hidden and "#shutdown-button" in hidden
    reader = text(hub.login("radu").get(f"{hub.url}hub/home"))
    assert "nu este în grupul analiștilor" in reader and "Administrare" not in reader


@pytest.mark.slow
@AS_ROOT
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_admin_page_in_a_browser_offers_only_what_an_admin_may_do(hub, running):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"{hub.url}hub/login")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", hub.accounts["admin"]["password"])
        page.click("#login_submit")
        page.wait_for_url("**/hub/admin**")
        page.locator("tr", has_text="radu").first.wait_for()  # the React table is drawn
        assert page.locator("#no-start").is_visible()
        for control in (".start-button", ".start-all", "#shutdown-button", "a[href*='/spawn/']"):
            shown = [e for e in page.locator(control).all() if e.is_visible()]
            assert not shown, control
        stop = page.locator("tr", has_text="ana").locator(".stop-button").first
        assert stop.is_visible()  # stopping a runaway server is theirs
        browser.close()


@pytest.mark.slow
@AS_ROOT
def test_admins_move_people_between_groups_and_never_enter_servers(hub, running):
    admin = hub.login("admin")
    group = f"{hub.url}hub/api/groups/analysts/users"
    assert admin.post(group, json={"users": ["radu"]}, headers=xsrf(admin)).status_code == 200
    radu = hub.login("radu")
    try:
        assert radu.login_reply.headers["Location"] == "/hub/spawn"
        spawn = radu.post(f"{hub.url}hub/api/users/radu/server", headers=xsrf(radu))
        assert spawn.status_code in (201, 202), spawn.text
        hub.wait_ready("radu")
        assert hub.api("DELETE", "/users/radu/server").status_code in (202, 204)
    finally:
        removed = admin.delete(group, json={"users": ["radu"]}, headers=xsrf(admin))
        assert removed.status_code == 200
    again = radu.post(f"{hub.url}hub/api/users/radu/server", headers=xsrf(radu))
    assert again.status_code in (403, 400)  # 400: still stopping; either way not started
    assert admin.get(f"{hub.url}user/ana/lab").status_code == 403


@pytest.mark.slow
@AS_ROOT
def test_culler_holds_the_minimum_scopes(hub):
    token = (hub.home / "hub" / "culler.token").read_text().strip()
    me = requests.get(f"{hub.url}hub/api/user", headers={"Authorization": f"token {token}"})
    assert me.json()["kind"] == "service" and me.json()["name"] == roles.CULLER
    assert set(me.json()["scopes"]) == {
        "list:users", "read:users:name", "read:users:activity", "read:servers", "delete:servers",
    }  # fmt: skip
    auth = {"Authorization": f"token {token}"}
    assert requests.post(f"{hub.url}hub/api/users/eve", headers=auth).status_code == 403
    assert requests.get(f"{hub.url}user/ana/api/status", headers=auth).status_code == 403


@pytest.mark.slow
@AS_ROOT
def test_secrets_are_private_files(hub):
    state = hub.home / "hub"
    assert oct(state.stat().st_mode & 0o777) == "0o700"
    for name in ("cookie_secret", "proxy_token", "culler.token", "operator.token"):
        assert oct((state / name).stat().st_mode & 0o777) == "0o600", name
    accounts = hub.home / "demo" / "accounts.json"
    assert oct(accounts.stat().st_mode & 0o777) == "0o600"
    assert set(json.loads(accounts.read_text())) == set(ACCOUNTS)


@pytest.mark.slow
@AS_ROOT
def test_hub_stops_cleanly_with_its_servers():
    hub = testing.start_hub({"cara": ["analysts"]})
    try:
        session = hub.login("cara")
        session.post(f"{hub.url}hub/api/users/cara/server", headers=xsrf(session))
        pid = hub.wait_ready("cara") and hub.server_pid("cara")
        started = time.monotonic()
        hub.proc.terminate()
        hub.proc.wait(30)
        assert time.monotonic() - started < 15
        assert not Path(f"/proc/{pid}").exists()
    finally:
        testing.stop_hub(hub)


# --- the configuration without a running hub -----------------------------------------------

EXAMPLE = ROOT / "hub_config" / "settings.example.toml"


def test_settings_come_from_the_file_then_the_environment(tmp_path):
    from nocta_hub import settings

    env = {"NOCTA_HOME": str(tmp_path), "NOCTA_HUB__HUB__LOG_LEVEL": "DEBUG",
           "NOCTA_HUB__SPAWNER__CPU_LIMIT": "1.5"}  # fmt: skip
    loaded = settings.load(EXAMPLE, environ=env)
    assert loaded["hub"]["authenticator"] == "ldap" and loaded["hub"]["log_level"] == "DEBUG"
    assert loaded["spawner"]["cpu_limit"] == 1.5 and loaded["spawner"]["mem_limit"] == "8G"
    assert loaded["ldap"]["group_search_filter"].endswith("={userdn})")  # template kept
    assert loaded["demo"]["accounts_file"] == f"{tmp_path}/demo/accounts.json"
    with pytest.raises(KeyError, match=r"hub\.pasword"):
        settings.load(None, environ={"NOCTA_HUB__HUB__PASWORD": "x"})


def test_only_analysts_and_case_accounts_may_spawn():
    loaded = {r["name"]: r for r in roles.load_roles(["alpha"], portal=True, operator=False)}
    spawners = {name for name, role in loaded.items() if "self" in role["scopes"]}
    assert spawners == {"analysts", "collaboration-accounts"}
    assert loaded["user"]["scopes"] == ["read:users:name!user", "read:users:groups!user"]
    for group in ("portal-readers", "portal-cleared"):
        assert all(s.startswith(("custom:portal:", "access:services!service=portal"))
                   for s in loaded[group]["scopes"])  # fmt: skip
    assert not any(s.startswith(("access:servers", "servers", "start:"))
                   for s in loaded["admins"]["scopes"])  # fmt: skip
    team = loaded["case-alpha-team"]
    assert team["groups"] == ["case-alpha-team"]
    assert "access:servers!user=case-alpha" in team["scopes"]
    assert loaded["collaboration-accounts"]["users"] == ["case-alpha"]


@AS_ROOT
def test_production_settings_give_directory_login_and_systemd_units(tmp_path, monkeypatch):
    from nocta_hub import config, keyfiles, settings
    from traitlets.config import Config

    password = tmp_path / "ldap.password"
    keyfiles.write_private(password, "lookup-secret")
    group = f"t{os.getpid()}-data"
    env = {
        "NOCTA_HOME": str(tmp_path / "var"),
        "NOCTA_HUB__HUB__STATE_DIR": str(tmp_path / "state"),
        "NOCTA_HUB__LDAP__LOOKUP_DN_SEARCH_PASSWORD_FILE": str(password),
        "NOCTA_HUB__SPAWNER__DATA_GROUP": group,
    }
    c = Config()
    try:
        config.configure(c, settings.load(EXAMPLE, environ=env))
    finally:
        __import__("subprocess").run(["groupdel", group], capture_output=True)
    assert c.JupyterHub.authenticator_class.__name__ == "DirectoryAuthenticator"
    assert c.Authenticator.manage_groups is True
    assert c.LDAPAuthenticator.tls_strategy == "before_bind"
    assert c.LDAPAuthenticator.lookup_dn_search_password == "lookup-secret"
    assert c.DirectoryAuthenticator.group_map[
        "CN=NOCTA-Analysts,OU=Groups,DC=mpublic,DC=intranet"] == "analysts"  # fmt: skip
    assert c.JupyterHub.spawner_class == "systemdspawner.SystemdSpawner"
    assert c.Spawner.mem_limit == "8G" and c.Spawner.cpu_limit == 2.0
    home = tmp_path / "var"
    assert str(home / "curated") in c.SystemdSpawner.readonly_paths
    hidden = c.SystemdSpawner.unit_extra_properties["InaccessiblePaths"]
    assert {str(home / z) for z in ("quarantine", "landing", "inbox", "keys", "audit")} <= set(
        hidden
    )
    assert c.JupyterHub.ssl_key.endswith(".key") and c.JupyterHub.public_url.startswith("https")
    assert oct((tmp_path / "state" / "cookie_secret").stat().st_mode & 0o777) == "0o600"
    bad = {**env, "NOCTA_HUB__LDAP__TLS_STRATEGY": "insecure"}
    with pytest.raises(ValueError, match="in clear"):
        config.configure(Config(), settings.load(EXAMPLE, environ=bad))


def test_directory_groups_become_hub_groups():
    import asyncio

    from ldap3 import MOCK_SYNC, Connection, Server
    from nocta_hub import auth

    staff, groups = "OU=Staff,DC=mp,DC=ro", "OU=Groups,DC=mp,DC=ro"
    directory = Server("dc01.mp.ro")

    def connect(userdn, password):  # the directory, in memory (ldap3's mock strategy)
        conn = Connection(directory, user=userdn, password=password, client_strategy=MOCK_SYNC)
        conn.strategy.add_entry(f"CN=ana,{staff}", {"userPassword": "pw", "objectClass": "person"})
        conn.strategy.add_entry(f"CN=Analysts,{groups}", {"member": [f"CN=ana,{staff}"]})
        conn.strategy.add_entry(f"CN=Case-Alpha,{groups}", {"member": [f"CN=ana,{staff}"]})
        conn.strategy.add_entry(f"CN=Cleared,{groups}", {"member": [f"CN=bob,{staff}"]})
        return conn if conn.bind() else None

    authenticator = auth.directory_authenticator_class()(
        server_address="dc01.mp.ro",
        bind_dn_template=[f"CN={{username}},{staff}"],
        group_map={
            f"CN=Analysts,{groups}": "analysts",
            f"CN=Cleared,{groups}": "portal-cleared",
            f"CN=Case-Alpha,{groups}": "case-alpha-team",
        },
    )
    authenticator.get_connection = connect
    model = asyncio.run(authenticator.authenticate(None, {"username": "ana", "password": "pw"}))
    assert model["name"] == "ana" and model["groups"] == ["analysts", "case-alpha-team"]
    wrong = asyncio.run(authenticator.authenticate(None, {"username": "ana", "password": "no"}))
    assert wrong is None


@pytest.mark.slow
@AS_ROOT
def test_pilot_sign_up_waits_for_an_admin_approval():
    hub = testing.start_hub(
        {}, settings={"hub": {"authenticator": "native"}, "native": {"admins": ["boss"]}}
    )
    try:
        for name in ("boss", "eva"):
            page = requests.Session()
            page.get(f"{hub.url}hub/signup")
            form = {"username": name, "signup_password": "a-long-pilot-password-1",
                    "signup_password_confirmation": "a-long-pilot-password-1",
                    "_xsrf": page.cookies.get("_xsrf")}  # fmt: skip
            assert page.post(f"{hub.url}hub/signup", data=form).status_code == 200
        eva = hub.login("eva", password="a-long-pilot-password-1")
        assert eva.login_reply.status_code == 200  # the form again: not approved yet
        assert "not been authorized" in eva.login_reply.text
        boss = hub.login("boss", password="a-long-pilot-password-1")
        assert boss.login_reply.status_code == 302, hub.log_tail()
        assert boss.get(f"{hub.url}hub/authorize/eva").status_code == 200
        eva = hub.login("eva", password="a-long-pilot-password-1")
        assert eva.login_reply.status_code == 302  # approved; in no group yet, so no server
        assert eva.login_reply.headers["Location"] == "/hub/home"
    finally:
        testing.stop_hub(hub)
