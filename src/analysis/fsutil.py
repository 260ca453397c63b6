"""Atomic publication: write beside the target, then rename, so readers never see half a file.

A failed step must leave the last good snapshot, run or release untouched (ARCHITECTURE.md).
"""

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_dir(target: Path, mode: int = 0o755) -> Iterator[Path]:
    """Yield a temporary folder beside `target`; on success it becomes `target` in one rename.

    On an exception the temporary folder is removed and `target` is left as it was. `mode` is
    set on the folder before it appears (mkdtemp makes it private to the writer).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield tmp
        tmp.chmod(mode)
        if target.exists():
            raise FileExistsError(f"{target} already exists; published folders are immutable")
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def atomic_write_bytes(target: Path, data: bytes) -> None:
    """Write a file through a temporary sibling and a rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def switch_symlink(link: Path, target_name: str) -> None:
    """Point `link` at `target_name` (relative) atomically: a new link, then rename over the old."""
    tmp = link.with_name(f".{link.name}.new")
    tmp.unlink(missing_ok=True)
    os.symlink(target_name, tmp)
    os.replace(tmp, link)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
