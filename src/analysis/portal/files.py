"""Which file of the current release a URL path names, or None: never anything outside it.

A path is refused (None, so a 404) when any segment is empty, `.` or `..` (after the URL
decoding tornado did, so `%2e%2e` and `%2f` are caught too), holds a backslash or NUL, or
starts with a dot; and when the real path, symlinks resolved, is not inside the release.
"""

import mimetypes
import os
from dataclasses import dataclass

TEXT = ("text/", "application/javascript", "application/json", "image/svg+xml")
TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".wasm": "application/wasm",
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
    ".html": "text/html",
}
DOWNLOADS = (".pdf", ".csv", ".xlsx", ".zip", ".parquet")


@dataclass(frozen=True)
class Found:
    path: str  # real path of the file
    relative: str  # its path inside the release, with `/`
    release_root: str
    release_id: str
    size: int
    mtime: float
    folder: bool = False  # a folder named without its trailing slash: redirect to it

    @property
    def content_type(self) -> str:
        ext = os.path.splitext(self.path)[1].lower()
        kind = TYPES.get(ext) or mimetypes.guess_type(self.path)[0] or "application/octet-stream"
        return f"{kind}; charset=utf-8" if kind.startswith(TEXT) else kind

    @property
    def restricted(self) -> bool:
        return self.relative.split("/", 1)[0] == "restricted"

    @property
    def is_page(self) -> bool:
        return self.relative.endswith(".html")

    @property
    def is_download(self) -> bool:
        return self.relative.endswith(DOWNLOADS) or self.relative.startswith("downloads/")


def current_release(current: str) -> tuple[str, str] | None:
    """(real folder, release id) that `current` points to now, or None before any release."""
    root = os.path.realpath(current)
    return (root, os.path.basename(root)) if os.path.isdir(root) else None


def clean_segments(url_path: str) -> list[str] | None:
    """The path's segments, or None when one of them could step out or hide something."""
    if "\\" in url_path or "\x00" in url_path:
        return None
    parts = url_path.split("/")
    if parts[-1] == "":
        parts = [*parts[:-1], "index.html"]  # a folder: its index page
    if any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        return None
    return parts


def find(current: str, url_path: str) -> Found | None:
    """The file `url_path` (decoded, relative to the portal's root) names in the current release."""
    release = current_release(current)
    segments = clean_segments(url_path)
    if release is None or segments is None:
        return None
    root, release_id = release
    real = os.path.realpath(os.path.join(root, *segments))
    folder = os.path.isdir(real)
    if folder:
        real = os.path.join(real, "index.html")
    if not real.startswith(root + os.sep):  # a symlink (or anything) leading out
        return None
    try:
        st = os.stat(real)
    except OSError:
        return None
    if not os.path.isfile(real):
        return None
    relative = os.path.relpath(real, root).replace(os.sep, "/")
    return Found(real, relative, root, release_id, st.st_size, st.st_mtime, folder)
