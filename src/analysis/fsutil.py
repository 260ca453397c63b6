"""Atomic publication: write beside the target, then rename, so readers never see half a file.

A failed step must leave the last good snapshot, run or release untouched (ARCHITECTURE.md).
"""

import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class OutsideRoot(OSError):
    """A path under the data root that leads out of it (a symbolic link on the way)."""


def refuse_links(root: Path, path: Path) -> None:
    """OutsideRoot if a folder between `root` (excluded) and `path` (included) that exists is
    a symbolic link or not a folder: writing there could leave the data root."""
    relative = path.relative_to(root)
    current = root
    for part in relative.parts:
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
            raise OutsideRoot(
                f"{current} is a symbolic link or not a folder: nothing is written through it "
                "(it could lead outside the data root); replace it with a real folder"
            )


class StagedDir:
    """A folder written beside `target` under a temporary name, then published in one rename
    or discarded; for writers that decide only at the end whether to publish."""

    def __init__(self, target: Path, mode: int = 0o755, inside: Path | None = None) -> None:
        """`inside` (the data root): refuse a symbolic link on the way from it to `target`,
        checked before the folder is made and again after, so nothing lands outside it."""
        if inside is not None:
            refuse_links(inside, target.parent)
        # folders made for it, removed again on discard: a failed attempt leaves no trace
        self._made = [p for p in target.parents if not p.exists()]
        target.parent.mkdir(parents=True, exist_ok=True)
        self.target, self.mode = target, mode
        self.path = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        if inside is not None and not self.path.resolve().is_relative_to(inside.resolve()):
            self.discard()
            raise OutsideRoot(f"{target.parent} leads outside {inside} through a link")

    def publish(self) -> Path:
        self.path.chmod(self.mode)
        if self.target.exists():
            raise FileExistsError(f"{self.target} already exists; published folders are immutable")
        os.replace(self.path, self.target)
        return self.target

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        for folder in self._made:  # innermost first; a folder someone else filled stays
            try:
                folder.rmdir()
            except OSError:
                break


@contextmanager
def atomic_dir(target: Path, mode: int = 0o755) -> Iterator[Path]:
    """Yield a temporary folder beside `target`; on success it becomes `target` in one rename.

    On an exception the temporary folder is removed and `target` is left as it was. `mode` is
    set on the folder before it appears (mkdtemp makes it private to the writer).
    """
    staged = StagedDir(target, mode)
    try:
        yield staged.path
        staged.publish()
    except BaseException:
        staged.discard()
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


def fsync_dir(folder: Path) -> None:
    """Make a folder's new entries (renames, files) durable, not only its files' contents."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
