"""`nocta ingest`: one partner file in, one governed snapshot out (or the reason why not).

decode -> validate every rule of the source's contract -> quarantine each failing row with all
its reasons -> pseudonymise -> snapshot -> audit record. Every row read is either accepted or
quarantined. A CSV is streamed batch by batch, so memory stays flat whatever the file's size;
the snapshot and the quarantine are staged and appear whole at the end, or not at all.
Ingesting the same file twice reuses its snapshot and says so.
"""

import datetime as dt
import gc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import polars as pl
import polars.selectors as cs

from analysis.audit import AuditLog
from analysis.catalog import Catalog
from analysis.contracts.model import Contract, load_contract
from analysis.contracts.schema import Validator
from analysis.contracts.typed import TYPED
from analysis.exports import formula_safe
from analysis.fsutil import sha256_file
from analysis.ingest.crossref import reference_warnings
from analysis.ingest.decode import (
    BLOCK_BYTES,
    INDEX,
    Batch,
    PartnerFile,
    Unreadable,
    read_partner_file,
)
from analysis.ingest.freetext import scrub
from analysis.ingest.layouts import read_eurostat, read_tempo
from analysis.ingest.messages import explain
from analysis.ingest.normalise import Pseudonymiser, normalise
from analysis.ingest.pseudonymise import load_key
from analysis.ingest.snapshot import (
    IngestResult,
    QuarantineWriter,
    SnapshotWriter,
    find_snapshot_of,
    new_snapshot_id,
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
class Checked:
    accepted: pl.DataFrame  # the accepted rows' typed columns (with INDEX)
    rejected: pl.DataFrame  # raw strings of the rejected rows (with INDEX)
    reasons: pl.DataFrame  # row (1-based), rule, column, value (masked), message


def open_source(contract: Contract, path: Path, block_bytes: int = BLOCK_BYTES) -> PartnerFile:
    """Open the file in the contract's layout and check its columns are those of the source."""
    reader = {"tempo": read_tempo, "eurostat": read_eurostat}.get(contract.layout)
    opened = (
        reader(path)
        if reader
        else read_partner_file(
            path, block_bytes, contract.limits, contract.sheet, contract.by_header()
        )
    )
    missing = [h for h in contract.by_header() if h not in opened.columns]
    if missing:
        raise Unreadable(
            f"is not a {contract.source} extract: missing column(s) {', '.join(missing)}"
        )
    return opened


def check(validator: Validator, batch: Batch) -> Checked:
    """Every rule on one batch: accepted rows, rejected rows and the reasons, in file order."""
    frame = validator.evaluate(batch.frame)
    start = batch.frame[INDEX][0] if batch.frame.height else 0
    found = validator.failures(frame).with_columns(pl.col("index") + start)
    contract = validator.contract
    descriptions = {r.rule_id: r.description for r in contract.cross_rules}
    reasons = explain(pl.concat([found, batch.row_problems]), contract, descriptions)
    bad = pl.col(INDEX).is_in(reasons["index"].unique().implode())
    reasons = reasons.with_columns(row=pl.col("index") + 1).rename({"header": "column"})
    typed = frame.select(INDEX, cs.starts_with(TYPED))  # what the snapshot is made from
    return Checked(
        accepted=typed.filter(~bad) if reasons.height else typed,
        rejected=batch.frame.filter(bad) if reasons.height else batch.frame.clear(),
        reasons=reasons.select("row", "rule", "column", "value", "message"),
    )


def _batches(opened: PartnerFile, path: Path) -> Iterator[Batch]:
    """The file's batches, the next one read (decoded, parsed) in a thread while this one is
    checked; a block that cannot be parsed stops ingest naming the file."""
    batches = iter(opened.batches)
    with ThreadPoolExecutor(1, thread_name_prefix="nocta-read") as pool:
        ahead = pool.submit(next, batches, None)
        while True:
            try:
                batch = ahead.result()
            except Unreadable as exc:
                raise Unreadable(f"{path.name} {exc}") from None
            except pl.exceptions.PolarsError as exc:
                message = f"{path.name} cannot be read as csv: {exc}".splitlines()[0]
                raise Unreadable(scrub(message)) from None
            if batch is None:
                return
            ahead = pool.submit(next, batches, None)
            yield batch


def _stream(
    contract: Contract,
    path: Path,
    result: IngestResult,
    today: dt.date,
    block_bytes: int,
    on_batch: Callable[[Checked], None],
    on_progress: Callable[[int, int], None] | None,
) -> None:
    """Check every batch of the file in order, counting into `result`; `on_batch` keeps them."""
    try:
        opened = open_source(contract, path, block_bytes)
    except Unreadable as exc:
        raise Unreadable(f"{path.name} {exc}") from None
    validator = Validator(contract, today)
    size = path.stat().st_size
    reasons: dict[str, int] = {}
    with _frozen():
        for batch in _batches(opened, path):
            checked = check(validator, batch)
            result.rows_read += batch.frame.height
            rejected = result.rows_quarantined + checked.rejected.height
            _within_limits(contract, path, result.rows_read, rejected)
            result.rows_accepted += checked.accepted.height
            result.rows_quarantined += checked.rejected.height
            for rule, n in checked.reasons.group_by("rule").len().iter_rows():
                reasons[rule] = reasons.get(rule, 0) + n
            on_batch(checked)
            if on_progress:
                on_progress(min(opened.bytes_read or size, size), size)
    if result.rows_read == 0:
        raise Unreadable(f"{path.name} has a header but no data rows")
    result.reasons = dict(sorted(reasons.items()))
    result.read_as = opened.read_as


def _within_limits(contract: Contract, path: Path, rows: int, rejected: int) -> None:
    """Stop reading a file over the source's row limit, or one whose rejected rows already
    exceed what the steward accepts of the largest extract the source may send (it cannot be
    published, and its quarantine would only fill the disk)."""
    limit = contract.limits.max_rows
    if rows > limit:
        raise Unreadable(
            f"{path.name} has more than {limit:,} rows, the limit for {contract.source} "
            "(max_rows in the contract); nothing was published"
        )
    if rejected > max(contract.max_reject_ratio * limit, 1000):
        raise Unreadable(
            f"{path.name}: {rejected:,} rows break the contract already, more than the "
            f"{contract.max_reject_ratio:.1%} its steward accepts of the largest extract "
            f"({limit:,} rows, max_rows in the contract); stopped reading, nothing was published"
        )


@contextmanager
def _frozen() -> Iterator[None]:
    """Python's cycle collector leaves alone what exists before the stream (the imported
    modules and the contract, ~64,000 objects) instead of walking it again in every full
    collection the stream's allocations trigger; all is as before afterwards."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _raw_rows(checked: Checked) -> pl.DataFrame:
    rows = checked.rejected.with_columns(row=pl.col(INDEX) + 1).drop(INDEX)
    return rows.select("row", pl.exclude("row"))


def check_file(
    source: str,
    path: Path,
    reasons_csv: Path | None = None,
    today: dt.date | None = None,
    *,
    block_bytes: int = BLOCK_BYTES,
    on_progress: Callable[[int, int], None] | None = None,
) -> IngestResult:
    """Every rule of the contract on `path`, nothing kept: what ingest would accept, before the
    file is sealed and sent. Needs no key and no data root. The reasons, as quarantine writes
    them (identifiers masked, spreadsheet-safe), go to `reasons_csv` when given."""
    contract = load_contract(source)
    result = IngestResult(source, path.name, sha256_file(path), 0, 0, 0, snapshot_id="")
    result.contract_id, result.contract_version = contract.contract_id, contract.version
    out = reasons_csv.open("wb") if reasons_csv else None
    try:

        def keep(checked: Checked) -> None:
            if out and checked.reasons.height:
                formula_safe(checked.reasons).write_csv(out, include_header=out.tell() == 0)

        _stream(contract, path, result, today or dt.date.today(), block_bytes, keep, on_progress)
    finally:
        if out:
            out.close()
    if result.rows_quarantined / result.rows_read > contract.max_reject_ratio:
        result.published = False
    return result


def ingest_file(
    catalog: Catalog,
    source: str,
    path: Path,
    today: dt.date | None = None,
    *,
    block_bytes: int = BLOCK_BYTES,
    on_progress: Callable[[int, int], None] | None = None,
) -> IngestResult:
    """Validate, quarantine, pseudonymise and snapshot one extract of `source`.

    Raises Unreadable (exit 2), TooManyRejected (exit 3), MissingKey, ContractError.
    `on_progress(bytes_done, bytes_total)` follows a long file. The file of the current
    snapshot again is a no-op that says so.
    """
    contract = load_contract(source)
    digest = sha256_file(path)
    existing = find_snapshot_of(catalog, source, digest, contract.version)
    # a no-op only while that snapshot is current: sent again after a bad extract, the same
    # file becomes current again (as a new snapshot: published ones never change)
    if existing and existing["snapshot_id"] == catalog.latest_snapshot(source):
        known = IngestResult.__dataclass_fields__
        return IngestResult(**{k: v for k, v in existing.items() if k in known}, reused=True)
    identifiers = any(f.pii == "direct_identifier" for f in contract.fields)
    key = load_key(catalog.keys) if identifiers else None  # before any work: fail fast
    result = IngestResult(
        source=source,
        source_file=path.name,
        source_sha256=digest,
        rows_read=0,
        rows_accepted=0,
        rows_quarantined=0,
        snapshot_id=new_snapshot_id(digest),
        contract_id=contract.contract_id,
        contract_version=contract.version,
        key_version=key.version if key else None,
    )
    names = Pseudonymiser(key) if key else None
    snapshot = SnapshotWriter(catalog, source, result.snapshot_id)
    quarantine = QuarantineWriter(catalog, source, result.snapshot_id)
    found: dict[str, int] = {}  # CNPs typed into text fields, filled by the writer's thread

    def keep(checked: Checked) -> None:
        quarantine.write(checked.reasons, _raw_rows(checked))
        snapshot.write(partial(normalise, checked.accepted, contract, names, found))

    try:
        _stream(contract, path, result, today or dt.date.today(), block_bytes, keep, on_progress)
    except BaseException:
        snapshot.discard()
        quarantine.discard()
        raise
    assert result.rows_read == result.rows_accepted + result.rows_quarantined
    audit = AuditLog(catalog.audit_log)
    ratio = result.rows_quarantined / result.rows_read
    if ratio > contract.max_reject_ratio:
        result.published = False
        snapshot.discard()
        quarantine.close(result)
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
    try:
        snapshot.close()
        result.cnps_in_text = dict(sorted(found.items()))
        result.warnings = reference_warnings(catalog, contract, pl.scan_parquet(snapshot.data))
    except BaseException:
        snapshot.discard()
        quarantine.discard()
        raise
    quarantine.close(result)
    result.audit_head = audit.head()  # cited, so that removing records later is detected
    snapshot.publish(result)
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
        cnps_in_text=sum(result.cnps_in_text.values()),
    )
    return result
