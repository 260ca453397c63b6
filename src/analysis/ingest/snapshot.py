"""Governed snapshots: accepted rows as Parquet plus a manifest that proves where they came from.

A snapshot folder is written whole under a temporary name and renamed into place, so analysts
only ever see complete snapshots; it is never modified afterwards. The quarantine of the same
attempt goes to the stewards' zone: reasons (no identifiers) and the raw rows (stewards only).
"""

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from analysis import __version__
from analysis.catalog import MANIFEST, SNAPSHOT_DATA, Catalog
from analysis.exports import formula_safe
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
    contract_id: str = ""
    contract_version: str = ""
    key_version: str | None = None
    warnings: dict[str, dict] = field(default_factory=dict)
    published: bool = True
    reused: bool = False  # the same file was already ingested: its snapshot is reused

    def to_json(self) -> dict:
        return asdict(self)


def new_snapshot_id(source_sha256: str, now: dt.datetime | None = None) -> str:
    """Sortable by time, and naming the content it came from."""
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%S%fZ}-{source_sha256[:8]}"


def find_snapshot_of(
    catalog: Catalog, source: str, source_sha256: str, contract_version: str
) -> dict | None:
    """The manifest of a snapshot made from exactly this file, contract and code version."""
    for manifest_path in sorted((catalog.curated / source).glob(f"*/{MANIFEST}"), reverse=True):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if (manifest["source_sha256"], manifest["contract_version"], manifest["nocta_version"]) == (
            source_sha256,
            contract_version,
            __version__,
        ):
            return manifest
    return None


def write_quarantine(
    catalog: Catalog, result: IngestResult, reasons: pl.DataFrame, raw_rows: pl.DataFrame
) -> Path:
    """Reasons (masked, spreadsheet-safe) and the raw rejected rows (mode 600, stewards only)."""
    target = catalog.quarantine / result.source / result.snapshot_id
    with atomic_dir(target, 0o750) as tmp:
        formula_safe(reasons).write_csv(tmp / "reasons.csv")
        raw_path = tmp / "rows.csv"
        formula_safe(raw_rows).write_csv(raw_path)
        raw_path.chmod(0o600)
        summary = {k: v for k, v in result.to_json().items() if k not in ("reused", "warnings")}
        (tmp / "summary.json").write_text(
            json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return target


def write_snapshot(catalog: Catalog, result: IngestResult, accepted: pl.DataFrame) -> Path:
    """Publish the accepted rows and their manifest in one rename."""
    target = catalog.snapshot_dir(result.source, result.snapshot_id)
    with atomic_dir(target) as tmp:
        accepted.write_parquet(tmp / SNAPSHOT_DATA)
        manifest = {k: v for k, v in result.to_json().items() if k not in ("reused", "published")}
        manifest |= {
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "nocta_version": __version__,
            "columns": {name: str(dtype) for name, dtype in accepted.schema.items()},
            "files": {SNAPSHOT_DATA: sha256_file(tmp / SNAPSHOT_DATA)},
        }
        (tmp / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return target


def verify_snapshot(catalog: Catalog, source: str, snapshot_id: str) -> list[str]:
    """Problems with a published snapshot (empty when its files match its manifest)."""
    folder = catalog.snapshot_dir(source, snapshot_id)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    problems = [
        f"{name}: sha256 differs from the manifest"
        for name, digest in manifest["files"].items()
        if not (folder / name).exists() or sha256_file(folder / name) != digest
    ]
    rows = pl.scan_parquet(folder / SNAPSHOT_DATA).select(pl.len()).collect().item()
    if rows != manifest["rows_accepted"]:
        problems.append(f"{rows} rows, the manifest says {manifest['rows_accepted']}")
    if manifest["rows_read"] != manifest["rows_accepted"] + manifest["rows_quarantined"]:
        problems.append("rows read != accepted + quarantined")
    return problems
