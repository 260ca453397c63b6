"""Governed snapshots: accepted rows as Parquet plus a manifest that proves where they came from.

A snapshot folder is written under a temporary name, batch by batch as a streamed file is read,
and renamed into place whole, so analysts only ever see complete snapshots; it is never
modified afterwards. The quarantine of the same attempt goes to the stewards' zone: reasons (no
identifiers) and the raw rows (stewards only).
"""

import contextlib
import datetime as dt
import json
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO

import polars as pl
import pyarrow.parquet as pq

from analysis import __version__
from analysis.catalog import MANIFEST, SNAPSHOT_DATA, Catalog
from analysis.exports import formula_safe
from analysis.fsutil import StagedDir, sha256_file


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
    cnps_in_text: dict[str, int] = field(default_factory=dict)  # CNPs replaced, by column
    audit_head: dict | None = None  # the audit log's head when published (audit.AuditLog.head)
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


def ingested_before(catalog: Catalog, source: str, source_sha256: str) -> bool:
    """Whether some snapshot of `source` (current or not, any version) was made from this
    file: the intake then does not ingest it again (which would make old data current)."""
    for manifest_path in (catalog.curated / source).glob(f"*/{MANIFEST}"):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("source_sha256") == source_sha256:
            return True
    return False


def _private(path: Path) -> BinaryIO:
    """A new file only its owner reads (mode 600): quarantine is the stewards' zone."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    return os.fdopen(fd, "wb")


class QuarantineWriter:
    """Rejected rows of one attempt, batch by batch: reasons (masked, spreadsheet-safe) and the
    raw rows (stewards only), every file mode 600; published only if some row was rejected."""

    def __init__(self, catalog: Catalog, source: str, snapshot_id: str) -> None:
        self.staged = StagedDir(catalog.quarantine / source / snapshot_id, 0o750, catalog.home)
        self.rows = 0
        self._reasons = _private(self.staged.path / "reasons.csv")
        self._raw = _private(self.staged.path / "rows.csv")

    def write(self, reasons: pl.DataFrame, raw_rows: pl.DataFrame) -> None:
        if not raw_rows.height:
            return
        first = self.rows == 0
        formula_safe(reasons).write_csv(self._reasons, include_header=first)
        formula_safe(raw_rows).write_csv(self._raw, include_header=first)
        self.rows += raw_rows.height

    def close(self, result: IngestResult) -> Path | None:
        """Publish the quarantine (when rows were rejected) with its summary."""
        self._reasons.close()
        self._raw.close()
        if not self.rows:
            self.staged.discard()
            return None
        summary = {k: v for k, v in result.to_json().items() if k not in ("reused", "warnings")}
        with _private(self.staged.path / "summary.json") as f:
            f.write((json.dumps(summary, indent=2, ensure_ascii=False) + "\n").encode())
        return self.staged.publish()

    def discard(self) -> None:
        self._reasons.close()
        self._raw.close()
        self.staged.discard()


class SnapshotWriter:
    """Accepted rows, batch by batch, into one Parquet file of a staged snapshot folder, which
    appears with its manifest in one rename (or never)."""

    def __init__(self, catalog: Catalog, source: str, snapshot_id: str) -> None:
        self.staged = StagedDir(catalog.snapshot_dir(source, snapshot_id), inside=catalog.home)
        self.data = self.staged.path / SNAPSHOT_DATA
        self._schema: pl.Schema | None = None
        self._writer: pq.ParquetWriter | None = None
        # batches are compressed and written in a thread while the next one is checked
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="nocta-write")
        self._pending: Future | None = None

    def write(self, make: Callable[[], pl.DataFrame]) -> None:
        """Append the frame `make` returns; `make` runs in the writer's thread, in order, while
        the caller checks the next batch (polars releases the GIL: the two cores share)."""
        self._wait()  # one batch in flight: memory stays bounded, a failure shows at once
        self._pending = self._pool.submit(lambda: self._write(make()))

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def _write(self, frame: pl.DataFrame) -> None:
        if self._writer is not None and not frame.height:
            return
        if self._schema is None:
            self._schema = frame.schema
        # string views straight to Parquet: no copy into Arrow's older string layout (readers
        # still get plain strings: Parquet has one byte-array type)
        table = frame.cast(dict(self._schema)).to_arrow(compat_level=pl.CompatLevel.newest())
        if self._writer is None:
            self._writer = pq.ParquetWriter(
                self.data, table.schema, compression="zstd", store_schema=False
            )
        self._writer.write_table(table)

    def close(self) -> None:
        """Finish the data file (readable, not yet published)."""
        self._wait()
        self._pool.shutdown()
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def publish(self, result: IngestResult) -> Path:
        self.close()
        manifest = {k: v for k, v in result.to_json().items() if k not in ("reused", "published")}
        manifest |= {
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "nocta_version": __version__,
            "columns": {name: str(dtype) for name, dtype in (self._schema or {}).items()},
            "files": {SNAPSHOT_DATA: sha256_file(self.data)},
        }
        (self.staged.path / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        return self.staged.publish()

    def discard(self) -> None:
        with contextlib.suppress(Exception):  # discarding: the first error is already raised
            self._wait()
        self._pool.shutdown()
        if self._writer is not None:
            self._writer.close()
        self.staged.discard()


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
