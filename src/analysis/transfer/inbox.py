"""The intake of a whole inbox folder, for the scheduled job behind `nocta transfer receive`.

Packages are the `*.nocta` regular files directly in the folder; anything else (a partial
upload under another name, a symlink, a subfolder such as accepted/ and rejected/) is left
alone, so partners upload under a temporary name and rename when done. Packages are opened
oldest first by their (unverified) creation time and sequence number, so that a partner's
packages arriving together are not refused as out of order; the order is a convenience only,
every package is then verified in full.

Whoever can drop a file into the inbox must not be able to stop the intake: each package is
opened on its own, and a failure of one (refused, or a problem on the platform's side) is an
outcome, never an exception that strands the packages after it. The inbox, its lock and its
accepted/ and rejected/ folders are never reached through a symbolic link: a link there would
make the intake write outside the data root.
"""

import datetime as dt
import fcntl
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from analysis.catalog import Catalog
from analysis.transfer.encoding import parse_canonical
from analysis.transfer.errors import Refused, TransferError, one_line
from analysis.transfer.open import Outcome, open_package
from analysis.transfer.package import read_trailer

SUFFIX = ".nocta"
LOCK = ".intake.lock"


def check_real_folder(folder: Path) -> None:
    """TransferError unless `folder` is a folder itself, not a link to one (or to a file)."""
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise TransferError(
            f"{folder} is a symbolic link or not a folder: the intake never writes through "
            "a link (it could lead outside the data root); replace it with a real folder"
        )


def waiting_packages(inbox: Path) -> list[Path]:
    """The package files waiting in `inbox`, in the order they should be opened."""
    if not inbox.is_dir():
        return []
    check_real_folder(inbox)
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
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            manifest = parse_canonical(read_trailer(f, size)[0])
        return str(manifest["created"]), int(manifest["sequence"]), path.name
    except (Refused, OSError, ValueError, KeyError, TypeError, OverflowError):
        return "", 0, path.name  # refused properly when opened


@contextmanager
def intake_lock(inbox: Path) -> Iterator[None]:
    """One intake at a time per inbox: a second scheduled run that starts while the first is
    still busy stops with TransferError instead of racing it for the same files."""
    check_real_folder(inbox)
    try:
        lock = os.open(inbox / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise TransferError(f"cannot take the intake lock {inbox / LOCK}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TransferError(f"another intake is running on {inbox}") from None
        yield
    finally:
        os.close(lock)


def open_waiting(catalog: Catalog, inbox: Path, now: dt.datetime | None = None) -> list[Outcome]:
    """Open every package waiting in `inbox` (the caller holds the intake lock), each on its
    own: a package that cannot be opened for a reason on the platform's side stays in the
    inbox with `accepted=False`, `code=None` and the reason, and the others are still opened."""
    outcomes = []
    for package in waiting_packages(inbox):
        try:
            outcomes.append(open_package(catalog, package, inbox=inbox, now=now))
        except (TransferError, OSError) as exc:
            reason = str(exc) if isinstance(exc, TransferError) else _os_reason(exc, package)
            outcomes.append(Outcome(package=package, accepted=False, reason=one_line(reason)))
    return outcomes


def _os_reason(exc: OSError, package: Path) -> str:
    return f"{package.name}: {exc.strerror or type(exc).__name__}"


def receive_inbox(catalog: Catalog, inbox: Path, now: dt.datetime | None = None) -> list[Outcome]:
    """Open every package waiting in `inbox`; what landed and what was refused, in order."""
    if not inbox.is_dir():
        return []
    with intake_lock(inbox):
        return open_waiting(catalog, inbox, now)
