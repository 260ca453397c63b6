"""The intake of a whole inbox folder, for the scheduled job behind `nocta transfer receive`.

Packages are the `*.nocta` regular files directly in the folder; anything else (a partial
upload under another name, a symlink, a subfolder such as accepted/ and rejected/) is left
alone, so partners upload under a temporary name and rename when done. Packages are opened
oldest first by their (unverified) creation time and sequence number, so that a partner's
packages arriving together are not refused as out of order; the order is a convenience only,
every package is then verified in full.
"""

import datetime as dt
import fcntl
import os
import stat
from pathlib import Path

from analysis.catalog import Catalog
from analysis.transfer.encoding import parse_canonical
from analysis.transfer.errors import Refused, TransferError
from analysis.transfer.open import Outcome, open_package
from analysis.transfer.package import read_trailer

SUFFIX = ".nocta"
LOCK = ".intake.lock"


def waiting_packages(inbox: Path) -> list[Path]:
    """The package files waiting in `inbox`, in the order they should be opened."""
    if not inbox.is_dir():
        return []
    found = []
    for path in inbox.iterdir():
        info = os.lstat(path)
        if (
            path.name.endswith(SUFFIX)
            and not path.name.startswith(".")
            and stat.S_ISREG(info.st_mode)
        ):
            found.append((_claimed_order(path, info.st_size), path))
    return [path for _, path in sorted(found)]


def _claimed_order(path: Path, size: int) -> tuple[str, int, str]:
    try:
        with path.open("rb") as f:
            manifest = parse_canonical(read_trailer(f, size)[0])
        return str(manifest["created"]), int(manifest["sequence"]), path.name
    except (Refused, OSError, ValueError, KeyError, TypeError):
        return "", 0, path.name  # refused properly when opened


def receive_inbox(catalog: Catalog, inbox: Path, now: dt.datetime | None = None) -> list[Outcome]:
    """Open every package waiting in `inbox`; what landed and what was refused, in order.

    One intake at a time per inbox (a lock file): a second scheduled run that starts while
    the first is still busy stops with TransferError instead of racing it for the same files.
    """
    if not inbox.is_dir():
        return []
    lock = os.open(inbox / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TransferError(f"another intake is running on {inbox}") from None
        return [open_package(catalog, p, inbox=inbox, now=now) for p in waiting_packages(inbox)]
    finally:
        os.close(lock)
