"""Memory and CPU limits for one analyst's server without systemd.

Memory is bounded by a cgroup, never by an address-space rlimit: V8 (the chart renderer),
polars' allocator and OpenBLAS reserve far more address space than they use, and RLIMIT_AS
at 4 GiB killed the kernel at the first chart. A cgroup counts what the analyst's processes
really use, kernels included, and past the limit the kernel's OOM killer stops the largest of
them (a kernel, not the small server): JupyterLab says the kernel died and restarts it.

Applied in the child between fork and exec (before it drops root):
- cgroups under `<the hub's cgroup>/nocta-hub/<unix user>`: v1 `memory` and `cpu` controllers
  (this container), or v2 (a systemd host: the hub's unit needs `Delegate=yes`; the hub then
  moves its own processes into a leaf `nocta-hub/hub`, as cgroup v2 keeps processes out of
  inner nodes). Memory: `memory.limit_in_bytes` / `memory.max`; CPU: a quota;
- where no memory cgroup can be made, the fallback is RLIMIT_DATA per process (written memory,
  not reservations; the chart renderer needs 2 GiB of it), with a warning in the hub's log;
- always RLIMIT_NPROC (processes of that unix user) and a nice value so the hub stays
  responsive.
Production uses SystemdSpawner instead (MemoryMax, CPUQuota, TasksMax on a transient unit).
"""

import contextlib
import logging
import os
import resource
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PERIOD_US = 100_000
log = logging.getLogger("nocta_hub")


@dataclass(frozen=True)
class Limits:
    mem_bytes: int | None
    cpu: float | None
    nproc: int
    nice: int


def _own_cgroups() -> dict[str, str]:
    """Controller -> this process's cgroup path, from /proc/self/cgroup ('' key for v2)."""
    paths = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


def _v1_dirs(name: str) -> dict[str, Path]:
    own = _own_cgroups()
    dirs = {}
    for controller in ("cpu", "memory"):
        mount = CGROUP_ROOT / controller
        if controller in own and (mount / "cgroup.procs").exists():
            dirs[controller] = mount / own[controller].lstrip("/") / "nocta-hub" / name
    return dirs


def _v2_parent() -> Path | None:
    """`<the hub's cgroup>/nocta-hub` with memory and cpu enabled for its children (v2 only).

    A v2 cgroup that hands controllers to its children may hold no process itself (except the
    root): the hub's own processes move into the leaf `<the hub's cgroup>/hub` first."""
    if not (CGROUP_ROOT / "cgroup.controllers").exists():
        return None
    own = CGROUP_ROOT / _own_cgroups().get("", "/").lstrip("/")
    base = own.parent if own.name == "hub" else own  # "hub": moved there at an earlier spawn
    parent = base / "nocta-hub"
    control = parent / "cgroup.subtree_control"
    if control.exists() and "memory" in control.read_text().split():
        return parent
    if base != CGROUP_ROOT:
        leaf = base / "hub"
        leaf.mkdir(exist_ok=True)
        for pid in (base / "cgroup.procs").read_text().split():
            with contextlib.suppress(ProcessLookupError):
                (leaf / "cgroup.procs").write_text(pid)
    parent.mkdir(exist_ok=True)
    for node in (base, parent):
        (node / "cgroup.subtree_control").write_text("+memory")  # required: else no bound
        with contextlib.suppress(OSError):  # a CPU quota where the cpu controller is ours
            (node / "cgroup.subtree_control").write_text("+cpu")
    return parent


def prepare_cgroups(name: str, limits: Limits) -> list[Path]:
    """Create the user's cgroups with the limits written in; [] where the machine has none."""
    try:
        parent = _v2_parent()
        if parent is not None:
            v2 = parent / name
            v2.mkdir(exist_ok=True)
            if limits.cpu and (v2 / "cpu.max").exists():
                (v2 / "cpu.max").write_text(f"{int(limits.cpu * PERIOD_US)} {PERIOD_US}")
            if limits.mem_bytes:
                (v2 / "memory.max").write_text(str(limits.mem_bytes))
                if (v2 / "memory.swap.max").exists():  # only with swap accounting
                    (v2 / "memory.swap.max").write_text("0")
            return [v2]
        dirs = _v1_dirs(name)
        for path in dirs.values():
            path.mkdir(parents=True, exist_ok=True)
        if "cpu" in dirs and limits.cpu:
            (dirs["cpu"] / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (dirs["cpu"] / "cpu.cfs_quota_us").write_text(str(int(limits.cpu * PERIOD_US)))
        if "memory" in dirs and limits.mem_bytes:
            (dirs["memory"] / "memory.limit_in_bytes").write_text(str(limits.mem_bytes))
        return list(dirs.values())
    except OSError as e:
        log.warning("no cgroup limits for %s (%s): RLIMIT_DATA per process instead", name, e)
        return []


def bounds_memory(cgroups: list[Path]) -> bool:
    """Whether one of these cgroups holds the memory limit (v1 memory controller, or v2)."""
    return any(
        (path / "memory.limit_in_bytes").exists() or (path / "memory.max").exists()
        for path in cgroups
    )


def oom_kills(cgroups: list[Path]) -> int:
    """How many processes the memory limit has stopped in these cgroups so far."""
    for path in cgroups:
        for name in ("memory.oom_control", "memory.events"):  # v1, v2
            with contextlib.suppress(OSError):
                for line in (path / name).read_text().splitlines():
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
    return 0


def remove_cgroups(paths: list[Path]) -> None:
    """Remove the user's cgroups once their processes have gone (busy ones are left)."""
    for path in paths:
        with contextlib.suppress(OSError):
            path.rmdir()


def preexec(limits: Limits, cgroups: list[Path]):
    """A function for Popen's preexec_fn: join the cgroups, set the rlimits and the nice value.

    No RLIMIT_AS: address space is not memory (see the module's docstring)."""
    procs = [str(path / "cgroup.procs") for path in cgroups]
    data_limit = None if bounds_memory(cgroups) else limits.mem_bytes
    if data_limit:
        log.warning("memory bounded per process only (RLIMIT_DATA %d bytes)", data_limit)

    def apply() -> None:
        pid = str(os.getpid()).encode()
        for path in procs:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, pid)
            finally:
                os.close(fd)
        if data_limit:
            resource.setrlimit(resource.RLIMIT_DATA, (data_limit, data_limit))
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.nproc, limits.nproc))
        os.nice(limits.nice)

    return apply
