"""`make bench` rows for issue 8: the hub on this machine, loopback only.

- hub start to ready: from `jupyterhub` starting to its API answering through the proxy;
- one analyst's server: login, spawn, ready (full JupyterLab, collaboration off, limits on);
- 50 analysts at once: 50 logins and spawns in parallel threads against a second hub whose
  servers are small (no Lab or collaboration extensions: what is measured is the hub, the
  proxy, the unix users, the limits and the processes). Success count, median and p95 spawn
  time, and the peak memory of everything the hub ran (its own, proxy, culler, servers);
- a chart in 10 servers at once, under the demo's limits (settings.demo.toml: memory cgroup,
  CPU quota): each analyst's kernel draws a nocta chart (vl-convert's V8 inside the kernel),
  which must come back as JupyterLab's Vega output.
Every server, unix user and temporary folder is removed at the end; it stops by itself
(bounded by DEADLINE). Needs root (servers run as the analysts' unix users).
"""

import asyncio
import statistics
import sys
import threading
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hub_config"))

from nocta_hub import server_client, testing

ANALYSTS = 50
DEADLINE = 300  # seconds for the 50 spawns
SMALL = {
    "spawner": {"light": True, "mem_limit": "1G", "start_timeout": DEADLINE,
                "http_timeout": DEADLINE},
}  # fmt: skip
CHARTING = 10
DEMO_LIMITS = tomllib.loads((testing.PROJECT / "hub_config" / "settings.demo.toml").read_text())
CHART = """
import altair as alt
import polars as pl
from analysis import charts
frame = pl.DataFrame({"county": ["CJ", "B", "BH"], "rate": [12.5, 30.25, 8.0]})
alt.Chart(frame).mark_bar().encode(x="rate:Q", y="county:N").properties(title="Rata")
"""


def rss_mib(pids: set[int], uids: set[int]) -> float:
    """Resident memory (MiB) of the processes in `pids` or owned by `uids`."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
        except (OSError, ValueError):
            continue
        pid, uid = int(status.parent.name), int(fields["Uid"].split()[0])
        if (pid in pids or uid in uids) and "VmRSS" in fields:
            total += int(fields["VmRSS"].split()[0])
    return total / 1024


class PeakMemory:
    """Samples the hub's process group and the analysts' processes every second."""

    def __init__(self, hub: testing.Hub):
        self.hub, self.peak, self._stop = hub, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import os
        import pwd

        while not self._stop.is_set():
            uids = {u.pw_uid for u in pwd.getpwall() if u.pw_name.startswith(self.hub.prefix)}
            group = {
                int(p.name)
                for p in Path("/proc").glob("[0-9]*")
                if _pgid(int(p.name)) == self.hub.proc.pid
            }
            self.peak = max(self.peak, rss_mib(group, uids - {os.getuid()}))
            self._stop.wait(1.0)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _pgid(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[2])
    except (OSError, IndexError, ValueError):
        return None


def spawn(hub: testing.Hub, name: str) -> float | None:
    """Seconds from a logged-in analyst asking for a server to it being ready; None if failed."""
    try:
        session = hub.login(name)
        started = time.monotonic()
        xsrf = {"X-XSRFToken": session.cookies.get("_xsrf", path="/hub/")}
        reply = session.post(
            f"{hub.url}hub/api/users/{name}/server", headers=xsrf, timeout=DEADLINE
        )
        if reply.status_code not in (201, 202):
            return None
        hub.wait_ready(name, timeout=DEADLINE, every=1.0)  # 50 pollers: keep the hub for work
        return time.monotonic() - started
    except Exception as e:  # a failed spawn is a row, not a crash
        print(f"  {name}: {e.__class__.__name__}: {str(e).splitlines()[0]}", file=sys.stderr)
        return None


def chart(hub: testing.Hub, name: str) -> float | None:
    """Seconds from spawning to a chart drawn in a new kernel of the server; None if failed."""
    started = time.monotonic()
    if spawn(hub, name) is None:
        return None
    try:
        token = testing.user_token(hub, name)

        async def draw():
            async with server_client.KernelSession(hub.url, name, token) as kernel:
                return await kernel.execute(CHART, DEADLINE)

        result = asyncio.run(draw())
        shown = [o for o in result.outputs if charts_vega(o)]
        if result.status != "ok" or not shown:
            print(f"  {name}: chart {result.status}, outputs {result.outputs}", file=sys.stderr)
            return None
        return time.monotonic() - started
    except Exception as e:
        print(f"  {name}: {e.__class__.__name__}: {str(e).splitlines()[0]}", file=sys.stderr)
        return None


def charts_vega(output: dict) -> bool:
    return "application/vnd.vega.v5+json" in output.get("data", {})


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> None:
    print(f"{'hub job':<34} {'result':>12} {'seconds':>8} {'p95 s':>7} {'peak MiB':>9}")
    started = time.monotonic()
    hub = testing.start_hub({"ana": ["analysts"]})
    ready = time.monotonic() - started
    try:
        print(f"{'hub start to ready':<34} {'ok':>12} {ready:8.1f}", flush=True)
        seconds = spawn(hub, "ana")
        result = "ok" if seconds is not None else "FAILED"
        print(
            f"{'spawn one analyst (JupyterLab)':<34} {result:>12} {seconds or 0:8.1f}", flush=True
        )
    finally:
        testing.stop_hub(hub)

    names = [f"analyst{i:02d}" for i in range(1, ANALYSTS + 1)]
    hub = testing.start_hub({name: ["analysts"] for name in names}, settings=SMALL)
    try:
        with PeakMemory(hub) as memory, ThreadPoolExecutor(ANALYSTS) as pool:
            began = time.monotonic()
            times = list(pool.map(lambda name: spawn(hub, name), names))
            wall = time.monotonic() - began
        done = [t for t in times if t is not None]
        row = f"{len(done)}/{ANALYSTS} ready"
        tail = f"{p95(done):7.1f}" if done else f"{'-':>7}"
        print(
            f"{'50 analysts log in and spawn':<34} {row:>12} {wall:8.1f} {tail} {memory.peak:9.0f}"
        )
        if done:
            print(f"  (spawn time median {statistics.median(done):.1f} s, max {max(done):.1f} s)")
    finally:
        testing.stop_hub(hub, timeout=60)

    chart_row()


def chart_row() -> None:
    """A chart in 10 servers at once, under the demo's limits."""
    names = [f"charting{i:02d}" for i in range(1, CHARTING + 1)]
    limits = {"spawner": DEMO_LIMITS["spawner"] | {"light": True, "start_timeout": DEADLINE}}
    hub = testing.start_hub({name: ["analysts"] for name in names}, settings=limits)
    try:
        with PeakMemory(hub) as memory, ThreadPoolExecutor(CHARTING) as pool:
            began = time.monotonic()
            times = list(pool.map(lambda name: chart(hub, name), names))
            wall = time.monotonic() - began
        done = [t for t in times if t is not None]
        row = f"{len(done)}/{CHARTING} drawn"
        tail = f"{p95(done):7.1f}" if done else f"{'-':>7}"
        print(
            f"{'a chart in 10 servers at once':<34} {row:>12} {wall:8.1f} {tail} {memory.peak:9.0f}"
        )
    finally:
        testing.stop_hub(hub, timeout=60)


if __name__ == "__main__":
    main()
