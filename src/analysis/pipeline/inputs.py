"""Input pointers: small JSON files whose change is what makes Snakemake rerun a step.

Snakemake reruns a step when one of its input files is newer than its output. The snapshots
themselves are national and immutable, so each refresh writes, under pipeline/inputs/, one
pointer per source (which snapshot is current) and one per county (a digest of that county's
rows in every source that has a county), plus the code and software environment. A pointer is
rewritten only when its content changes, so a new police snapshot that changed Cluj's rows only
reruns Cluj's profile and what depends on it, not the other 41 counties.
"""

import hashlib
import json
from pathlib import Path

import polars as pl

from analysis.catalog import PROJECT, Catalog
from analysis.fsutil import sha256_file
from analysis.reference.counties import COUNTIES

# notebook parameter that names the snapshot of each source
SNAPSHOT_PARAMS = {
    "police_cases": "police_snapshot",
    "customs_seizures": "customs_snapshot",
    "prosecution_cases": "prosecution_snapshot",
    "court_decisions": "court_snapshot",
    "ocg_register": "ocg_snapshot",
    "population": "population_snapshot",
    "eurostat_crime": "eurostat_snapshot",
}
COUNTY_COLUMNS = {"ocg_register": "home_county"}  # others call it `county`


def _write_if_changed(path: Path, content: dict) -> bool:
    text = json.dumps(content, indent=2, sort_keys=True) + "\n"
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return True


def _tree_digest(root: Path, *patterns: str) -> str:
    h = hashlib.sha256()
    for path in sorted({p for pattern in patterns for p in root.glob(pattern)}):
        h.update(path.relative_to(root).as_posix().encode() + sha256_file(path).encode())
    return h.hexdigest()


def _county_digests(path: Path, column: str) -> dict[str, str]:
    """A digest of each county's rows: equal rows, equal digest."""
    frame = pl.scan_parquet(path)
    digests = (
        frame.with_columns(_h=pl.struct(pl.all()).hash(seed=0))
        .group_by(column)
        .agg(
            pl.col("_h").sort().cast(pl.String).str.join(",").hash(seed=0).alias("digest"),
            pl.len().alias("rows"),
        )
        .collect()
    )
    return {c: f"{d:016x}:{n}" for c, d, n in digests.iter_rows()}


def write_pointers(catalog: Catalog) -> dict[str, dict]:
    """Refresh every pointer; returns the current snapshots (id and data sha256) by source."""
    root = catalog.pipeline / "inputs"
    snapshots: dict[str, dict] = {}
    per_county: dict[str, dict[str, str]] = {c.code: {} for c in COUNTIES}
    for source in SNAPSHOT_PARAMS:
        try:
            sid = catalog.latest_snapshot(source)
        except LookupError:
            continue
        manifest = catalog.snapshot_manifest(source, sid)
        snapshots[source] = {"snapshot_id": sid, "sha256": manifest["files"]["data.parquet"]}
        _write_if_changed(root / "national" / f"{source}.json", snapshots[source])
        column = COUNTY_COLUMNS.get(source, "county")
        if column in manifest["columns"]:
            data = catalog.snapshot_data(source, sid)
            for county, digest in _county_digests(data, column).items():
                if county in per_county:
                    per_county[county][source] = digest
    for county, digests in per_county.items():
        _write_if_changed(root / "county" / f"{county}.json", digests)
    _write_if_changed(
        root / "code.json",
        {"analysis": _tree_digest(PROJECT / "src" / "analysis", "**/*.py", "**/*.yaml")},
    )
    lock = catalog.lock_file
    _write_if_changed(
        root / "environment.json",
        {"requirements.lock": sha256_file(lock) if lock.exists() else None},
    )
    _write_if_changed(root / "snapshots.json", snapshots)
    return snapshots
