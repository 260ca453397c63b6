"""Who may read restricted material on disk: the portal service and the administrators only.

The restricted editions and the `restricted/` part of a portal release are made readable by
their owner (the service account that builds and serves them) and one group (the
administrators' unix group, `NOCTA_RESTRICTED_GROUP`; by default the owner's own group), and by
nobody else: an analyst's server runs as the analyst's own unix user, outside that group, so a
JupyterLab terminal cannot copy them. Readers get them through the portal, which checks their
clearance and logs the consultation.
"""

import grp
import os
from pathlib import Path

DIR_MODE = 0o750
FILE_MODE = 0o640
GROUP_VARIABLE = "NOCTA_RESTRICTED_GROUP"


def restricted_gid() -> int:
    """The administrators' group, when one is configured; -1 keeps the owner's group."""
    name = os.environ.get(GROUP_VARIABLE)
    if not name:
        return -1
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise LookupError(f"{GROUP_VARIABLE}={name!r} is not a unix group on this server") from None


def restrict(folder: Path) -> None:
    """Close `folder` and everything in it to everyone but its owner and the group."""
    gid = restricted_gid()
    for root, dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            if gid >= 0:
                os.chown(path, -1, gid, follow_symlinks=False)
            os.chmod(path, FILE_MODE, follow_symlinks=False)
        for name in dirs:
            path = os.path.join(root, name)
            if gid >= 0:
                os.chown(path, -1, gid, follow_symlinks=False)
            os.chmod(path, DIR_MODE)
    if gid >= 0:
        os.chown(folder, -1, gid)
    folder.chmod(DIR_MODE)
