"""Unix permissions on the data root, so an analyst's server reads what ARCHITECTURE.md allows.

| zone                                   | owner:group           | mode  | analysts          |
|----------------------------------------|-----------------------|-------|-------------------|
| data root                              | (as is)               | +711  | pass through      |
| curated/, results/, runs/              | (as is):<data group>  | 2750  | read only         |
| quarantine/, landing/, inbox/, audit/, | (as is)               | 0700  | nothing           |
| keys/ (or NOCTA_KEYS), hub/, demo/     |                       |       |                   |

The setgid bit makes every snapshot, run and result written later (by ingest and refresh,
running as root or as a pipeline user) belong to the data group, so the code that writes them
needs no change: its folder modes (0750 snapshots, 0755 results) already give the group read
access and nobody else gets past the zone folder. Production mounts the same zones read-only
into each server (systemd ReadOnlyPaths / InaccessiblePaths, or a read-only volume on k8s).
"""

import grp
import os
import stat
from pathlib import Path

from analysis.catalog import Catalog

READ_ONLY_MODE = 0o2750
PRIVATE_MODE = 0o700


def zones(catalog: Catalog) -> tuple[list[Path], list[Path]]:
    """(zones analysts read, zones they must not reach) of a data root."""
    shared = [catalog.curated, catalog.results, catalog.runs]
    private = [
        catalog.quarantine,
        catalog.landing,
        catalog.inbox,
        catalog.audit_log.parent,
        catalog.keys,
        catalog.home / "hub",
        catalog.home / "demo",
    ]
    return shared, private


def secure_zones(home: Path, data_group: str, recursive: bool = False) -> None:
    """Set the zone folders' modes (cheap; before every spawn). `recursive` also hands what
    is already inside curated/, results/ and runs/ to the data group (at hub start)."""
    catalog = Catalog(home)
    gid = grp.getgrnam(data_group).gr_gid
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(stat.S_IMODE(home.stat().st_mode) | 0o711)
    shared, private = zones(catalog)
    for zone in private:
        zone.mkdir(parents=True, exist_ok=True, mode=PRIVATE_MODE)
        zone.chmod(PRIVATE_MODE)
    for zone in shared:
        zone.mkdir(parents=True, exist_ok=True)
        os.chown(zone, -1, gid)
        zone.chmod(READ_ONLY_MODE)
        if recursive:
            _hand_to_group(zone, gid)


def _hand_to_group(zone: Path, gid: int) -> None:
    """Group of everything below `zone`; folders keep setgid; nobody in the group may write."""
    for root, dirs, files in os.walk(zone):
        for name in dirs + files:
            path = os.path.join(root, name)
            os.chown(path, -1, gid, follow_symlinks=False)
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                continue
            mode = stat.S_IMODE(st.st_mode) & ~0o020
            os.chmod(path, mode | 0o2000 if stat.S_ISDIR(st.st_mode) else mode)


def ensure_group(name: str) -> int:
    """The data group's gid, creating the group if needed (groupadd)."""
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        import subprocess

        subprocess.run(["groupadd", "-f", name], check=True, capture_output=True)
        return grp.getgrnam(name).gr_gid
