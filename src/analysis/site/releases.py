"""Releases of the portal site: built whole under a temporary name, then `current` switches.

Each release folder carries a manifest (run, build time, sha256 of every file) so what staff
saw on a given day can be proved, and any earlier release can be put back by switching again
(rollback never rebuilds: the folder is the one that was served, byte for byte).
"""

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from analysis import __version__
from analysis.audit import AuditLog
from analysis.catalog import Catalog
from analysis.fsutil import atomic_dir, sha256_file, switch_symlink
from analysis.site.content import GUIDES

MANIFEST = "manifest.json"
PACKAGE = Path(__file__).parent


@dataclass(frozen=True)
class Release:
    release_id: str
    folder: Path
    skipped: bool
    missing: tuple[str, ...] = ()


def sources_digest(*pages: Path) -> str:
    """What a release is built from besides the run: page sources and guides, templates, assets,
    version."""
    h = hashlib.sha256(__version__.encode())
    for root in (*pages, PACKAGE):
        for path in sorted(
            p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
        ):
            h.update(path.relative_to(root).as_posix().encode() + sha256_file(path).encode())
    return h.hexdigest()


def file_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def current_release(catalog: Catalog) -> str | None:
    link = catalog.current_site
    return Path(os.readlink(link)).name if link.is_symlink() else None


def list_releases(catalog: Catalog) -> list[dict]:
    """Every release, oldest first, with its manifest's run and build time."""
    found = []
    for path in sorted(catalog.releases.glob(f"*/{MANIFEST}")):
        m = json.loads(path.read_text(encoding="utf-8"))
        found.append({k: m[k] for k in ("release_id", "run_id", "built")})
    return found


def publish(catalog: Catalog, run_folder: Path, force: bool = False) -> Release:
    """Build the site over `run_folder` into a new release and make it current.

    Skipped (nothing written) when the current release was built from the same run and the same
    sources, unless `force`.
    """
    from analysis.site.build import build_site

    run_folder = Path(run_folder).resolve()
    run = json.loads((run_folder / "run.json").read_text(encoding="utf-8"))
    digest = sources_digest(catalog.reports / "portal", GUIDES)
    current = catalog.current_site / MANIFEST
    if not force and current.exists():
        manifest = json.loads(current.read_text(encoding="utf-8"))
        if manifest["run_id"] == run["run_id"] and manifest.get("sources") == digest:
            return Release(manifest["release_id"], catalog.current_site.resolve(), skipped=True)
    built = dt.datetime.now(dt.UTC)
    release_id = f"{built:%Y%m%dT%H%M%S%fZ}"
    target = catalog.releases / release_id
    with atomic_dir(target) as tmp:
        missing = build_site(
            catalog, run_folder, tmp, release_id, built.isoformat(timespec="seconds")
        )
        manifest = {
            "release_id": release_id,
            "run_id": run["run_id"],
            "built": built.isoformat(timespec="seconds"),
            "nocta_version": __version__,
            "sources": digest,
            "previous": current_release(catalog),
            "missing": missing,
            "audit_head": AuditLog(catalog.audit_log, catalog.keys).head(),
            "files": file_hashes(tmp),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    switch_symlink(catalog.current_site, f"releases/{release_id}")
    return Release(release_id, target, skipped=False, missing=tuple(missing))


def verify(folder: Path) -> list[str]:
    """Files of a release that differ from its manifest (added, removed or changed)."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    now = file_hashes(folder)
    names = set(now) | set(manifest["files"])
    return sorted(n for n in names if now.get(n) != manifest["files"].get(n))


def rollback(catalog: Catalog, release_id: str | None = None) -> str:
    """Make an earlier release current again: `release_id`, or the one before the current."""
    ids = [r["release_id"] for r in list_releases(catalog)]
    now = current_release(catalog)
    if release_id is None:
        earlier = [r for r in ids if now is None or r < now]
        if not earlier:
            raise LookupError(f"no release before {now} to roll back to")
        release_id = earlier[-1]
    if release_id not in ids:
        raise LookupError(
            f"no release {release_id!r} under {catalog.releases} "
            f"(known: {', '.join(ids) or 'none'})"
        )
    changed = verify(catalog.releases / release_id)
    if changed:
        raise ValueError(
            f"release {release_id} no longer matches its manifest: {', '.join(changed[:5])}"
        )
    switch_symlink(catalog.current_site, f"releases/{release_id}")
    return release_id
