"""Releases of the portal site: built whole under a temporary name, then `current` switches.

Each release folder carries a manifest (run, build time, sha256 of every file) so what staff
saw on a given day can be proved, and any earlier release can be put back by switching again.
A release whose run and page sources are those of the current one is not rebuilt.
"""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from analysis import __version__
from analysis.catalog import Catalog
from analysis.fsutil import atomic_dir, sha256_file, switch_symlink
from analysis.report.render import render_page
from analysis.results import Results

MANIFEST = "manifest.json"
PAGE = "index.md"
PAGE_STEP = "case_rates"  # the pipeline step whose results the portal page cites


@dataclass(frozen=True)
class Release:
    release_id: str
    folder: Path
    skipped: bool


def _sources_digest(pages: Path) -> str:
    h = hashlib.sha256(__version__.encode())
    for path in sorted(p for p in pages.rglob("*") if p.is_file()):
        h.update(path.relative_to(pages).as_posix().encode() + sha256_file(path).encode())
    return h.hexdigest()


def publish(catalog: Catalog, run_folder: Path, force: bool = False) -> Release:
    """Render the portal page over `run_folder` into a new release and make it current."""
    results = Results(run_folder / PAGE_STEP)
    run = json.loads((run_folder / "run.json").read_text(encoding="utf-8"))
    pages = catalog.reports / "portal"
    digest = _sources_digest(pages)
    current = catalog.current_site / MANIFEST
    if not force and current.exists():
        manifest = json.loads(current.read_text(encoding="utf-8"))
        if manifest["run_id"] == run["run_id"] and manifest["sources"] == digest:
            return Release(manifest["release_id"], catalog.current_site.resolve(), skipped=True)

    built = dt.datetime.now(dt.UTC)
    release_id = f"{built:%Y%m%dT%H%M%SZ}"
    target = catalog.releases / release_id
    with atomic_dir(target) as tmp:
        render_page(pages / PAGE, results, tmp, lang="ro", extra={"run": run})
        (tmp / "index.typ").unlink()  # the typesetting source is not for readers
        files = {
            p.relative_to(tmp).as_posix(): sha256_file(p)
            for p in sorted(tmp.rglob("*"))
            if p.is_file()
        }
        manifest = {
            "release_id": release_id,
            "run_id": run["run_id"],
            "built": built.isoformat(timespec="seconds"),
            "nocta_version": __version__,
            "sources": digest,
            "files": files,
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    switch_symlink(catalog.current_site, f"releases/{release_id}")
    return Release(release_id, target, skipped=False)
