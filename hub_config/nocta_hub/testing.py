"""A real hub for the tests and the bench: free loopback ports, its own data root, accounts
and unix-name prefix, started as a process group and torn down with everything it created
(servers, unix users and groups, cgroups). Also the clients a person's browser would be.
"""

import asyncio
import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests

from . import keyfiles, limits
from .settings import PROJECT

CONFIG = PROJECT / "hub_config" / "jupyterhub_config.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reachable_by_others(path: Path) -> Path | None:
    """The first folder on the way to `path` that other unix users cannot pass, if any."""
    for folder in [*reversed(path.resolve().parents), path.resolve()]:
        if folder.is_dir() and not os.stat(folder).st_mode & 0o001:
            return folder
    return None


@dataclass
class Hub:
    url: str
    home: Path
    settings_env: dict
    proc: subprocess.Popen
    log: Path
    prefix: str
    token: str
    accounts: dict = field(default_factory=dict)

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        """The hub's REST API with the operator service's token."""
        headers = {"Authorization": f"token {self.token}", **kwargs.pop("headers", {})}
        return requests.request(method, f"{self.url}hub/api{path}", headers=headers, **kwargs)

    def login(self, name: str, password: str | None = None) -> requests.Session:
        """A browser session logged in through the login form."""
        session = requests.Session()
        session.get(f"{self.url}hub/login", timeout=30)
        password = password if password is not None else self.accounts[name]["password"]
        data = {"username": name, "password": password, "_xsrf": session.cookies.get("_xsrf")}
        reply = session.post(f"{self.url}hub/login", data=data, allow_redirects=False, timeout=30)
        session.login_reply = reply
        return session

    def wait_ready(self, name: str, timeout: float = 120, every: float = 0.2) -> dict:
        """The user's server model once ready (raises on timeout or a failed spawn)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            model = self.api("GET", f"/users/{name}").json()
            server = model["servers"].get("")
            if server and server["ready"]:
                return server
            if not server and not model.get("pending"):
                raise RuntimeError(f"{name}'s server stopped while starting:\n{self.log_tail()}")
            time.sleep(every)
        raise TimeoutError(f"{name}'s server not ready in {timeout} s:\n{self.log_tail()}")

    def server_pid(self, name: str) -> int:
        model = self.api("GET", f"/users/{name}", params={"include_stopped_servers": "0"}).json()
        return model["servers"][""]["state"]["pid"]

    def unix_name(self, name: str) -> str:
        return self.prefix + name

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def start_hub(
    accounts: dict[str, list[str]],
    cases: list[str] = (),
    settings: dict | None = None,
    timeout: float = 60,
    seed=None,
) -> Hub:
    """Start a hub with these demo accounts ({name: [groups]}), as root, on free ports."""
    if os.geteuid() != 0:
        raise RuntimeError("the hub tests run as root: servers start as the analysts' unix users")
    tag = uuid.uuid4().hex[:5]
    home = Path(tempfile.mkdtemp(prefix=f"nocta-hub-{tag}-")) / "var"
    home.parent.chmod(0o755)
    blocked = reachable_by_others(home.parent) or reachable_by_others(PROJECT / ".hub" / "venv")
    if blocked:
        raise RuntimeError(f"analysts' unix users cannot pass {blocked}: hub tests cannot run")
    home.mkdir()
    if seed:
        seed(home)  # data the zones hold before the hub starts
    prefix = f"t{tag}-"
    generated = {
        name: {"password": keyfiles.password(), "groups": list(groups)}
        for name, groups in accounts.items()
    }
    demo = keyfiles.private_dir(home / "demo")
    keyfiles.write_private(demo / "accounts.json", json.dumps(generated))
    port = free_port()
    values = {
        "hub": {
            "public_url": f"http://127.0.0.1:{port}/",
            "hub_port": free_port(),
            "proxy_api_port": free_port(),
            "authenticator": "demo",
            "log_level": "INFO",
        },
        "spawner": {"unix_prefix": prefix, "data_group": f"{prefix}data"},
        "cases": {"names": list(cases)},
        "operator": {"enabled": True},
    }
    for section, extra in (settings or {}).items():
        values.setdefault(section, {}).update(extra)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOCTA_HUB")}
    env["NOCTA_HOME"] = str(home)
    env.pop("NOCTA_KEYS", None)
    settings_env = {
        f"NOCTA_HUB__{section.upper()}__{key.upper()}": json.dumps(value)
        for section, table in values.items()
        for key, value in table.items()
    }
    env.update(settings_env)
    state = keyfiles.private_dir(home / "hub")
    log = home.parent / "hub.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("jupyterhub")), "-f", str(CONFIG)],
            cwd=state, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=default_sigint,
        )  # fmt: skip
    hub = Hub(
        url=f"http://127.0.0.1:{port}/", home=home, settings_env=settings_env, proc=proc,
        log=log, prefix=prefix, token="", accounts=generated,
    )  # fmt: skip
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the hub exited ({proc.returncode}):\n{hub.log_tail()}")
        try:
            if requests.get(f"{hub.url}hub/api/", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    else:
        stop_hub(hub)
        raise TimeoutError(f"the hub did not answer in {timeout} s:\n{hub.log_tail()}")
    hub.token = keyfiles.read_secret(state / "operator.token")
    return hub


def default_sigint() -> None:
    """In the hub's child: SIGINT back to default. Started from a background job, a process
    inherits SIGINT ignored, and so would the hub's services and servers, which then take
    their full timeouts to stop (SETUP-NOTES)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _descendants(root: int) -> set[int]:
    """Every process below `root` (proxy, services, servers), by their ids."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def stop_hub(hub: Hub, timeout: float = 30) -> None:
    """SIGTERM the hub (it stops servers, services and proxy), then clean what it created:
    any of its processes still alive, its unix users and group, cgroups, the data root."""
    started = _descendants(hub.proc.pid) if hub.proc.poll() is None else set()
    if hub.proc.poll() is None:
        hub.proc.send_signal(signal.SIGTERM)
        try:
            hub.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            hub.proc.kill()
            hub.proc.wait(5)
    users = [u for u in pwd.getpwall() if u.pw_name.startswith(hub.prefix)]
    uids = {u.pw_uid for u in users}
    for proc_dir in Path("/proc").glob("[0-9]*"):  # what runs as the hub's unix users
        try:
            if proc_dir.stat().st_uid in uids:
                started.add(int(proc_dir.name))
        except (OSError, ValueError):
            pass
    for pid in started:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.1)
    for user in users:
        subprocess.run(["userdel", user.pw_name], capture_output=True)
        _remove_cgroups(user.pw_name)
    subprocess.run(["groupdel", f"{hub.prefix}data"], capture_output=True)
    shutil.rmtree(hub.home.parent, ignore_errors=True)


def _remove_cgroups(name: str) -> None:
    with contextlib.suppress(OSError):
        limits.remove_cgroups(list(limits._v1_dirs(name).values()))


def run_code(hub: Hub, user: str, token: str, code: str, timeout: float = 60) -> str:
    """Run `code` in a new `nocta` kernel of `user`'s server, authenticated by `token` (as a
    browser tab would, over the kernel's websocket); return what it printed. Errors raise."""
    return asyncio.run(_run_code(hub, user, token, code, timeout))


async def _run_code(hub: Hub, user: str, token: str, code: str, timeout: float) -> str:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    headers = {"Authorization": f"token {token}"}
    server = f"{hub.url}user/{user}/api"
    kernel = requests.post(f"{server}/kernels", json={"name": "nocta"}, headers=headers)
    kernel.raise_for_status()
    kernel_id, session = kernel.json()["id"], uuid.uuid4().hex
    ws_url = f"{server}/kernels/{kernel_id}/channels?session_id={session}".replace("http", "ws")
    conn = await websocket_connect(HTTPRequest(ws_url, headers=headers))
    msg_id = uuid.uuid4().hex
    header = {"msg_id": msg_id, "username": user, "session": session, "version": "5.3",
              "msg_type": "execute_request", "date": ""}  # fmt: skip
    content = {"code": code, "silent": False, "store_history": False, "user_expressions": {},
               "allow_stdin": False, "stop_on_error": True}  # fmt: skip
    message = {"header": header, "parent_header": {}, "metadata": {}, "content": content,
               "channel": "shell", "buffers": []}  # fmt: skip
    conn.write_message(json.dumps(message))
    out, error = [], None
    try:
        while True:
            raw = await asyncio.wait_for(conn.read_message(), timeout)
            if raw is None:
                raise RuntimeError("the kernel's websocket closed")
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if kind == "stream":
                out.append(msg["content"]["text"])
            elif kind == "error":
                error = "\n".join(msg["content"]["traceback"])
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                break
    finally:
        conn.close()
        requests.delete(f"{server}/kernels/{kernel_id}", headers=headers)
    if error:
        raise RuntimeError(f"code failed in {user}'s server:\n{error}")
    return "".join(out)


def user_token(hub: Hub, name: str) -> str:
    """An API token of `name` (it can do what `name` can, nothing more)."""
    reply = hub.api("POST", f"/users/{name}/tokens", json={"note": "hub tests", "expires_in": 3600})
    reply.raise_for_status()
    return reply.json()["token"]
