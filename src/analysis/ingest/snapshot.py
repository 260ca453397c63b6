"""Governed snapshots: accepted rows as Parquet plus a manifest that proves where they came from.

A snapshot folder is written whole under a temporary name and renamed into place, so analysts
only ever see complete snapshots; it is never modified afterwards.
"""

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from analysis import __version__
from analysis.catalog import MANIFEST, SNAPSHOT_DATA, Catalog
from analysis.fsutil import atomic_dir, sha256_file


@dataclass
class IngestResult:
    source: str
    source_file: str
    source_sha256: str
    rows_read: int
    rows_accepted: int
    rows_quarantined: int
    snapshot_id: str
    reasons: dict[str, int] = field(default_factory=dict)
    read_as: dict = field(default_factory=dict)
    reused: bool = False  # the same file was already ingested: its snapshot is reused

    def to_json(self) -> dict:
        return asdict(self)


def new_snapshot_id(source_sha256: str, now: dt.datetime | None = None) -> str:
    """Sortable by time, and naming the content it came from."""
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{source_sha256[:8]}"


def find_snapshot_of(catalog: Catalog, source: str, source_sha256: str) -> dict | None:
    """The manifest of an existing snapshot made from exactly this file by this version."""
    root = catalog.curated / source
    for manifest_path in sorted(root.glob(f"*/{MANIFEST}"), reverse=True):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest["source_sha256"] == source_sha256 and manifest["nocta_version"] == __version__:
            return manifest
    return None


def write_snapshot(
    catalog: Catalog, result: IngestResult, accepted: pl.DataFrame, quarantined: pl.DataFrame | None
) -> Path:
    """Publish the accepted rows and the manifest; quarantine (if any) goes to the steward zone."""
    if quarantined is not None and quarantined.height:
        with atomic_dir(catalog.quarantine / result.source / result.snapshot_id, 0o750) as qdir:
            quarantined.write_csv(qdir / "rejected_rows.csv")
    target = catalog.snapshot_dir(result.source, result.snapshot_id)
    with atomic_dir(target) as tmp:
        accepted.write_parquet(tmp / SNAPSHOT_DATA)
        manifest = result.to_json() | {
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "nocta_version": __version__,
            "columns": {name: str(dtype) for name, dtype in accepted.schema.items()},
            "files": {SNAPSHOT_DATA: sha256_file(tmp / SNAPSHOT_DATA)},
        }
        manifest.pop("reused")
        (tmp / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return target
