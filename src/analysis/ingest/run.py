"""`nocta ingest`: one partner file in, one governed snapshot out (or the reason why not).

Ingesting the same file twice reuses its snapshot rather than making a copy, so reruns of the
demo and of scheduled jobs are cheap and the snapshot ids stay stable.
"""

import datetime as dt
from pathlib import Path

import polars as pl

from analysis.catalog import Catalog
from analysis.fsutil import sha256_file
from analysis.ingest.decode import read_partner_file
from analysis.ingest.police import split_police
from analysis.ingest.pseudonymise import load_key
from analysis.ingest.snapshot import IngestResult, find_snapshot_of, new_snapshot_id, write_snapshot
from analysis.reference.population import read_tempo_population

SOURCES = ("police_cases", "population")


def ingest_file(
    catalog: Catalog, source: str, path: Path, today: dt.date | None = None
) -> IngestResult:
    """Validate, quarantine, pseudonymise and snapshot one extract of `source`."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; this version ingests {', '.join(SOURCES)}")
    digest = sha256_file(path)
    existing = find_snapshot_of(catalog, source, digest)
    if existing:
        fields = IngestResult.__dataclass_fields__
        return IngestResult(**{k: v for k, v in existing.items() if k in fields}, reused=True)

    snapshot_id = new_snapshot_id(digest)
    if source == "population":
        accepted, quarantined, reasons, info = (
            read_tempo_population(path),
            None,
            {},
            {"format": "tempo"},
        )
        rows_read = accepted.height
    else:
        raw, info = read_partner_file(path)
        key = load_key(catalog.keys)
        accepted, problems = split_police(raw, key, today or dt.date.today())
        rows_read = raw.height
        reasons = dict(problems.group_by("rule").len().sort("rule").iter_rows())
        quarantined = _rejected_rows(raw, problems)
    result = IngestResult(
        source=source,
        source_file=path.name,
        source_sha256=digest,
        rows_read=rows_read,
        rows_accepted=accepted.height,
        rows_quarantined=rows_read - accepted.height,
        snapshot_id=snapshot_id,
        reasons=reasons,
        read_as=info,
    )
    write_snapshot(catalog, result, accepted, quarantined)
    return result


def _rejected_rows(raw: pl.DataFrame, problems: pl.DataFrame) -> pl.DataFrame:
    """The rejected rows as sent, each with its row number and all its reasons."""
    reasons = problems.group_by("row").agg(
        reasons=pl.concat_str([pl.col("rule"), pl.lit(": "), pl.col("message")]).str.join(" | ")
    )
    numbered = raw.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))
    return reasons.with_columns(pl.col("row").cast(pl.Int64)).join(numbered, on="row").sort("row")
