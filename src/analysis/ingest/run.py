"""`nocta ingest`: one partner file in, one governed snapshot out (or the reason why not).

decode -> validate every rule of the source's contract -> quarantine each failing row with all
its reasons -> pseudonymise -> snapshot -> audit record. Every row read is either accepted or
quarantined. Ingesting the same file twice reuses its snapshot and says so.
"""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from analysis.audit import AuditLog
from analysis.catalog import Catalog
from analysis.contracts.model import Contract, load_contract
from analysis.contracts.schema import failures
from analysis.fsutil import sha256_file
from analysis.ingest.crossref import reference_warnings
from analysis.ingest.decode import INDEX, Decoded, Unreadable, read_partner_file
from analysis.ingest.layouts import read_eurostat, read_tempo
from analysis.ingest.messages import explain
from analysis.ingest.normalise import normalise
from analysis.ingest.pseudonymise import load_key
from analysis.ingest.snapshot import (
    IngestResult,
    find_snapshot_of,
    new_snapshot_id,
    write_quarantine,
    write_snapshot,
)

PURPOSE = "National Organised Crime Threat Assessment (NOCTA)"


class TooManyRejected(RuntimeError):
    """The rejected share is above the contract's max_reject_ratio: nothing was published."""

    def __init__(self, result: IngestResult, ratio: float, limit: float) -> None:
        super().__init__(
            f"{result.source_file}: {result.rows_quarantined:,} of {result.rows_read:,} rows "
            f"({ratio:.1%}) break the contract, more than the {limit:.1%} its steward accepts; "
            f"nothing was published, the reasons are in quarantine/{result.source}/"
            f"{result.snapshot_id}/reasons.csv"
        )
        self.result = result


@dataclass(frozen=True)
class Validated:
    accepted: pl.DataFrame  # raw strings of the accepted rows (with INDEX)
    rejected: pl.DataFrame  # raw strings of the rejected rows (with INDEX)
    reasons: pl.DataFrame  # row (1-based), rule, column, value (masked), message


def decode(contract: Contract, path: Path) -> Decoded:
    """Read the file in the contract's layout and check the columns are those of the source."""
    reader = {"tempo": read_tempo, "eurostat": read_eurostat}.get(
        contract.layout, read_partner_file
    )
    decoded = reader(path)
    if decoded.frame.height == 0:
        raise Unreadable("has a header but no data rows")
    missing = [h for h in contract.by_header() if h not in decoded.frame.columns]
    if missing:
        raise Unreadable(
            f"is not a {contract.source} extract: missing column(s) {', '.join(missing)}"
        )
    return decoded


def validate(contract: Contract, decoded: Decoded, today: dt.date) -> Validated:
    raw = decoded.frame
    found = pl.concat([failures(contract, raw, today), decoded.row_problems])
    descriptions = {r.rule_id: r.description for r in contract.cross_rules}
    reasons = explain(found, contract, descriptions)
    bad = reasons["index"].unique().implode()
    reasons = reasons.with_columns(row=pl.col("index") + 1).rename({"header": "column"})
    return Validated(
        accepted=raw.filter(~pl.col(INDEX).is_in(bad)),
        rejected=raw.filter(pl.col(INDEX).is_in(bad)),
        reasons=reasons.select("row", "rule", "column", "value", "message"),
    )


def ingest_file(
    catalog: Catalog, source: str, path: Path, today: dt.date | None = None
) -> IngestResult:
    """Validate, quarantine, pseudonymise and snapshot one extract of `source`.

    Raises Unreadable (exit 2), TooManyRejected (exit 3), MissingKey, ContractError.
    """
    contract = load_contract(source)
    digest = sha256_file(path)
    existing = find_snapshot_of(catalog, source, digest, contract.version)
    if existing:
        known = IngestResult.__dataclass_fields__
        return IngestResult(**{k: v for k, v in existing.items() if k in known}, reused=True)
    identifiers = any(f.pii == "direct_identifier" for f in contract.fields)
    key = load_key(catalog.keys) if identifiers else None  # before any work: fail fast
    try:
        decoded = decode(contract, path)
    except Unreadable as exc:
        raise Unreadable(f"{path.name} {exc}") from None
    checked = validate(contract, decoded, today or dt.date.today())
    result = IngestResult(
        source=source,
        source_file=path.name,
        source_sha256=digest,
        rows_read=decoded.frame.height,
        rows_accepted=checked.accepted.height,
        rows_quarantined=checked.rejected.height,
        snapshot_id=new_snapshot_id(digest),
        reasons=dict(checked.reasons.group_by("rule").len().sort("rule").iter_rows()),
        read_as=decoded.read_as,
        contract_id=contract.contract_id,
        contract_version=contract.version,
        key_version=key.version if key else None,
    )
    assert result.rows_read == result.rows_accepted + result.rows_quarantined
    audit = AuditLog(catalog.audit_log)
    if checked.rejected.height:
        rows = checked.rejected.with_columns(row=pl.col(INDEX) + 1).drop(INDEX)
        write_quarantine(catalog, result, checked.reasons, rows.select("row", pl.exclude("row")))
    ratio = result.rows_quarantined / result.rows_read
    if ratio > contract.max_reject_ratio:
        result.published = False
        audit.append(
            "collection",
            source,
            "rejected: too many rows break the contract",
            PURPOSE,
            rows_read=result.rows_read,
            rows_quarantined=result.rows_quarantined,
            source_sha256=digest,
        )
        raise TooManyRejected(result, ratio, contract.max_reject_ratio)
    snapshot = normalise(checked.accepted, contract, key)
    result.warnings = reference_warnings(catalog, contract, snapshot)
    write_snapshot(catalog, result, snapshot)
    audit.append(
        "collection",
        source,
        "published",
        PURPOSE,
        snapshot_ids=[result.snapshot_id],
        rows_read=result.rows_read,
        rows_accepted=result.rows_accepted,
        rows_quarantined=result.rows_quarantined,
        source_sha256=digest,
        contract=f"{contract.contract_id}@{contract.version}",
    )
    return result
