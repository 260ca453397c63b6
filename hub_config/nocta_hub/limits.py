"""Memory and CPU limits for one analyst's server without systemd.

Two layers, applied in the child between fork and exec (before it drops root):
- cgroups, when the machine lets the hub create them (v1 `cpu` and `memory` controllers, or
  v2 with them delegated): a CPU quota and a memory ceiling for everything the analyst runs,
  kernels included, under `<the hub's cgroup>/nocta-hub/<unix user>`;
- rlimits, always: RLIMIT_AS (address space per process = the memory limit), RLIMIT_NPROC
  (processes of that unix user), and a nice value so the hub itself stays responsive.
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


def _v2_dir(name: str) -> Path | None:
    if not (CGROUP_ROOT / "cgroup.controllers").exists():
        return None
    parent = CGROUP_ROOT / _own_cgroups().get("", "/").lstrip("/") / "nocta-hub"
    parent.mkdir(exist_ok=True)
    (parent.parent / "cgroup.subtree_control").write_text("+cpu +memory")
    (parent / "cgroup.subtree_control").write_text("+cpu +memory")
    return parent / name


def prepare_cgroups(name: str, limits: Limits) -> list[Path]:
    """Create the user's cgroups with the limits written in; [] where the machine has none."""
    try:
        v2 = _v2_dir(name)
        if v2 is not None:
            v2.mkdir(exist_ok=True)
            if limits.cpu:
                (v2 / "cpu.max").write_text(f"{int(limits.cpu * PERIOD_US)} {PERIOD_US}")
            if limits.mem_bytes:
                (v2 / "memory.max").write_text(str(limits.mem_bytes))
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
        log.warning("no cgroup limits for %s (%s): rlimits only", name, e)
        return []


def remove_cgroups(paths: list[Path]) -> None:
    """Remove the user's cgroups once their processes have gone (busy ones are left)."""
    for path in paths:
        with contextlib.suppress(OSError):
            path.rmdir()


def preexec(limits: Limits, cgroups: list[Path]):
    """A function for Popen's preexec_fn: join the cgroups, set the rlimits and the nice value."""
    procs = [str(path / "cgroup.procs") for path in cgroups]

    def apply() -> None:
        pid = str(os.getpid()).encode()
        for path in procs:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, pid)
            finally:
                os.close(fd)
        if limits.mem_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (limits.mem_bytes, limits.mem_bytes))
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.nproc, limits.nproc))
        os.nice(limits.nice)

    return apply
