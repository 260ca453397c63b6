"""In a new `nocta` kernel: say, at the first cell, that the previous one was stopped by the
server's memory limit.

Why: past the limit (a cgroup: hub_config/nocta_hub/limits.py, or systemd's MemoryMax) the
kernel is killed, and JupyterLab only says "the kernel appears to have died". The kernel that
replaces it reads the cgroup's count of such stops; if it grew since the analyst last saw it,
the first cell run prints what happened and what to do. Loaded by ipython_kernel_config.py,
installed with it into the servers' environment (make hub-setup).
"""

import contextlib
from pathlib import Path

CGROUPS = Path("/sys/fs/cgroup")
SEEN = Path.home() / ".local" / "state" / "nocta" / "memory-stops-seen"


def _memory_cgroup() -> Path | None:
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            return CGROUPS / "memory" / path.lstrip("/")
        if controllers == "" and (CGROUPS / "cgroup.controllers").exists():
            return CGROUPS / path.lstrip("/")
    return None


def memory_stops() -> tuple[int, int | None]:
    """(processes stopped by the memory limit so far, the limit in bytes) of this cgroup."""
    group = _memory_cgroup()
    if group is None:
        return 0, None
    stops, limit = 0, None
    for name in ("memory.oom_control", "memory.events"):  # cgroup v1, v2
        with contextlib.suppress(OSError):
            for line in (group / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    stops = int(value)
    for name in ("memory.limit_in_bytes", "memory.max"):
        with contextlib.suppress(OSError, ValueError):
            limit = int((group / name).read_text())
    return stops, limit if limit and limit < 2**60 else None


def notice(limit: int | None) -> str:
    size = f"{limit / 2**30:.0f} GiB" if limit else "serverului"
    return (
        f"Atenție: kernelul anterior a fost oprit pentru că a depășit limita de memorie "
        f"({size}); variabilele lui s-au pierdut. Rulați din nou celulele de care aveți nevoie, "
        "pe mai puține date (filtrați devreme, citiți leneș cu scan_snapshot), sau cereți "
        "administratorului o limită mai mare.\n"
        f"Note: the previous kernel was stopped because it went past the memory limit ({size}); "
        "its variables are lost. Run the cells you need again on less data (filter early, read "
        "lazily with scan_snapshot), or ask the administrator for a larger limit.\n"
    )


def load_ipython_extension(ipython) -> None:
    try:
        stops, limit = memory_stops()
        seen = int(SEEN.read_text()) if SEEN.is_file() else 0
        if stops == seen:
            return
        SEEN.parent.mkdir(parents=True, exist_ok=True)
        SEEN.write_text(str(stops))
        if stops < seen:  # a new cgroup (the server restarted): nothing to tell
            return
    except (OSError, ValueError):
        return

    def tell_once(*_):
        import sys

        ipython.events.unregister("pre_run_cell", tell_once)
        print(notice(limit), file=sys.stderr)

    ipython.events.register("pre_run_cell", tell_once)
