"""`nocta`: one command, one sub-command per stage. The only module that ties stages together."""

import importlib
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import ClassVar

import click
from rich.console import Console
from rich.markup import escape

from analysis import __version__
from analysis.catalog import Catalog
from analysis.fsutil import sha256_file
from analysis.ingest.memory import keep_freed_memory

console = Console(stderr=True, emoji=False, highlight=False, soft_wrap=True)

DEMO_SEED = 2026
DEMO_SCALE = 0.02  # 20,000 police cases: national and market figures clear the threshold
DEMO_DEFECTS = 0.01


class StageError(click.ClickException):
    """A failure an analyst can act on: printed as one message, exit 1, no traceback."""


class StageGroup(click.Group):
    """The other stages' command groups are imported when used, so `nocta ingest` does not
    load the report and portal stacks (great-tables, pypdf, tornado) on every run."""

    STAGES: ClassVar[dict[str, str]] = {
        "keys": "analysis.transfer.commands:keys",
        "transfer": "analysis.transfer.commands:transfer",
        "report": "analysis.report.commands:report",
        "site": "analysis.site.commands:site",
        "portal": "analysis.portal.commands:portal",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.STAGES})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.STAGES and name not in self.commands:
            module, attr = self.STAGES[name].split(":")
            command = getattr(importlib.import_module(module), attr)
            if name == "transfer":
                command.add_command(receive)  # lives here: it ties transfer to ingest
            self.add_command(command, name)
        return super().get_command(ctx, name)


@click.group(cls=StageGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nocta")
def main() -> None:
    """nocta: data, analysis and publication of the National Organised Crime Threat Assessment.

    The data root is NOCTA_HOME (default ./var); secrets are under NOCTA_KEYS (default
    $NOCTA_HOME/keys).
    """


@main.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder to write the extracts into.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same bytes.")
@click.option(
    "--scale",
    type=click.FloatRange(min=0, min_open=True),
    default=0.01,
    show_default=True,
    help="1 = national 2015-2025 volume (about 1 million police cases).",
)
@click.option(
    "--defects",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of rows broken against a named rule; the truth goes to _defects.csv.",
)
def synth(out: Path, seed: int, scale: float, defects: float) -> None:
    """Write synthetic partner extracts, in each partner's own format, into OUT."""
    from analysis.synth import generate

    summary = generate(out, seed=seed, scale=scale, defects=defects, progress=True)
    console.print(f"[green]Wrote synthetic extracts to {out}[/green]")
    console.print(summary_text(summary))


def summary_text(summary: object) -> str:
    counts = getattr(summary, "rows", None) or getattr(summary, "counts", None) or summary
    return json.dumps(counts, indent=2, default=str)


class ExitCode(click.ClickException):
    """A one-line failure with the exit code the runbooks document."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.exit_code = code


@main.command()
@click.option("--source", required=True, help="Source name: one contract of data_contracts/.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of prose.")
def ingest(source: str, file: Path, as_json: bool) -> None:
    """Validate FILE against its contract, quarantine bad rows, pseudonymise, snapshot.

    Exit 0 when a snapshot was published (quarantined rows included), 3 when more rows break
    the contract than its steward accepts (nothing published), 2 when FILE cannot be read as
    that source at all.
    """
    keep_freed_memory()  # before polars loads
    from analysis.contracts.model import ContractError
    from analysis.fsutil import OutsideRoot
    from analysis.ingest.decode import Unreadable
    from analysis.ingest.pseudonymise import MissingKey
    from analysis.ingest.run import TooManyRejected, ingest_file

    try:
        with _reading(file) as progress:
            result = ingest_file(Catalog.from_env(), source, file, on_progress=progress)
    except TooManyRejected as exc:
        if as_json:
            click.echo(json.dumps(_ingest_json(exc.result)))
        raise ExitCode(str(exc), 3) from None
    except (Unreadable, ContractError, MissingKey) as exc:
        raise ExitCode(str(exc), 2) from None
    except OutsideRoot as exc:
        raise ExitCode(str(exc), 1) from None
    if as_json:
        click.echo(json.dumps(_ingest_json(result)))
        return
    _print_ingest(result)


@contextmanager
def _reading(file: Path) -> Iterator[Callable[[int, int], None]]:
    """A progress bar over the bytes of FILE, on a terminal only (never in --json pipes)."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    columns = (f"reading {file.name}", BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(
        *columns, console=console, transient=True, disable=not console.is_terminal
    ) as bar:
        task = bar.add_task("read", total=file.stat().st_size)
        yield lambda done, total: bar.update(task, completed=done, total=total)


@main.command("check")
@click.option("--source", required=True, help="Source name: one contract of data_contracts/.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--reasons",
    "reasons_csv",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every broken rule, row by row, to this CSV (as the quarantine's reasons.csv).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of prose.")
def check_command(source: str, file: Path, reasons_csv: Path | None, as_json: bool) -> None:
    """Check FILE against its contract before sealing it: what ingest would accept.

    Nothing is kept and no key is needed. Exit 0 when the platform would publish it, 3 when
    more rows break the contract than the steward accepts, 2 when FILE cannot be read as that
    source at all.
    """
    keep_freed_memory()  # before polars loads
    from analysis.contracts.model import ContractError
    from analysis.ingest.decode import Unreadable
    from analysis.ingest.run import check_file

    try:
        with _reading(file) as progress:
            result = check_file(source, file, reasons_csv, on_progress=progress)
    except (Unreadable, ContractError) as exc:
        raise ExitCode(str(exc), 2) from None
    if as_json:
        keys = ("source", "rows_read", "rows_accepted", "rows_quarantined", "reasons")
        click.echo(json.dumps({k: getattr(result, k) for k in keys} | {"ok": result.published}))
    else:
        console.print(
            f"{result.source}: {result.rows_read:,} rows, {result.rows_accepted:,} would be "
            f"accepted, {result.rows_quarantined:,} quarantined"
        )
        for rule, count in result.reasons.items():
            console.print(f"  {rule}: {count:,}")
        if reasons_csv and result.rows_quarantined:
            console.print(f"every reason, row by row: {reasons_csv}")
    if not result.published:
        raise ExitCode(
            f"{file.name}: {result.rows_quarantined:,} of {result.rows_read:,} rows break the "
            "contract, more than the platform accepts: fix them before sending",
            3,
        )


def _ingest_json(result) -> dict:
    keys = ("source", "rows_read", "rows_accepted", "rows_quarantined", "snapshot_id", "reasons")
    keys += ("cnps_in_text",)
    return {k: getattr(result, k) for k in keys} | {
        "published": result.published,
        "reused": result.reused,
    }


def _print_ingest(result) -> None:
    if result.reused:
        console.print(
            f"{result.source}: {escape(result.source_file)} was already ingested as snapshot "
            f"{result.snapshot_id}; nothing to do"
        )
        return
    console.print(
        f"{result.source}: {result.rows_read:,} rows read, {result.rows_accepted:,} accepted, "
        f"{result.rows_quarantined:,} quarantined; snapshot {result.snapshot_id}"
    )
    for rule, count in result.reasons.items():
        console.print(f"  quarantined for {rule}: {count:,}")
    for column, count in result.cnps_in_text.items():
        console.print(f"  CNPs typed into {column}, replaced in place: {count:,}")
    for label, warning in result.warnings.items():
        detail = warning.get("note") or f"{warning['unmatched']:,} values not found"
        console.print(f"  [yellow]warning[/yellow] {label}: {detail}")


@click.command("receive")
@click.option(
    "--inbox",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder partners drop packages into (default: $NOCTA_HOME/inbox).",
)
def receive(inbox: Path | None) -> None:
    """Open every sealed package waiting in the inbox, then ingest what landed.

    The scheduled intake: refused packages go to inbox/rejected/ with their reason; each
    landed file is ingested as the source its package names. Each package and each file is
    handled on its own: one that fails never stops the others. Files landed but not ingested
    by an earlier run (stopped halfway) are ingested first. Exit 4 if any package was refused,
    3 if any extract was rejected by its contract or unreadable, 1 if something failed on the
    platform's side (fix it: the next run retries), else 0.
    """
    keep_freed_memory()
    from analysis.transfer import TransferError
    from analysis.transfer.inbox import intake_lock, open_waiting

    catalog = Catalog.from_env()
    inbox = inbox or catalog.inbox
    tally: dict[str, int] = {}
    try:
        with intake_lock(inbox) if inbox.is_dir() else nullcontext():
            outcomes = open_waiting(catalog, inbox) if inbox.is_dir() else []
            for outcome in outcomes:
                _report_opened(outcome, tally)
            results: dict = {}
            finished = _ingest_landed(catalog, tally, results)
            _send_feedback(catalog, outcomes, results)
    except TransferError as exc:
        raise ExitCode(str(exc), 1) from None
    if not outcomes and not finished:
        console.print(f"No packages waiting in {escape(str(inbox))}.")
    worst = max((_EXIT[k] for k in tally), default=0)
    if worst:
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(tally.items()))
        raise ExitCode(f"intake finished with problems: {summary}; see above", worst)


# what went wrong in an intake -> its exit code (the highest wins)
_EXIT = {"package(s) refused": 4, "extract(s) rejected": 3, "failure(s) on this side": 1}


def _report_opened(outcome, tally: dict[str, int]) -> None:
    """One package's outcome, as plain text: names and reasons come from the package and are
    never read as console markup."""
    name = escape(outcome.package.name)
    if outcome.accepted:
        console.print(
            f"opened {name}: {escape(outcome.source)} from {escape(outcome.partner)} "
            f"(transfer {outcome.transfer_id})"
        )
        for alert in outcome.alerts:
            console.print(f"  [yellow]alert[/yellow] {escape(alert)}")
    elif outcome.code is None:  # the platform's side: the package waits in the inbox
        console.print(f"[red]not opened[/red] {name}: {escape(outcome.reason or '')}")
        tally["failure(s) on this side"] = tally.get("failure(s) on this side", 0) + 1
    else:
        console.print(f"[red]refused[/red] {name}: {escape(outcome.reason or '')}")
        tally["package(s) refused"] = tally.get("package(s) refused", 0) + 1


def _ingest_landed(catalog: Catalog, tally: dict[str, int], results: dict | None = None) -> int:
    """Ingest every landed file whose outcome the ledger does not hold yet (this run's and
    any an earlier run left), each on its own; how many files were handled. `results` learns,
    per transfer, its manifest and each file's outcome (feedback.FileResult, None: retried)."""
    from analysis.transfer import state
    from analysis.transfer.encoding import format_time, utc_now
    from analysis.transfer.ledger import Ledger

    ledger = Ledger(state.ledger(catalog))
    handled = 0
    for manifest, landing in ledger.unfinished():
        for entry in manifest.files:
            if ledger.is_finished(manifest.transfer_id, entry.name):
                continue
            found: list = []
            outcome = _ingest_one(
                catalog, manifest, catalog.home / landing / entry.name, tally, found
            )
            if results is not None:
                results.setdefault(manifest.transfer_id, (manifest, []))[1].extend(found or [None])
            handled += 1
            if outcome is not None:
                ledger.finish(manifest.transfer_id, entry.name, outcome, format_time(utc_now()))
    return handled


def _ingest_one(
    catalog: Catalog, manifest, path: Path, tally: dict[str, int], found: list | None = None
) -> str | None:
    """Ingest one landed file; its outcome for the ledger, or None to retry on the next run
    (a problem on the platform's side: a missing key, a full disk). Errors are printed and
    audited by kind, never with a value from the file. `found` learns the file's result for
    the partner's feedback (counts, the masked reasons.csv, a masked one-line note)."""
    from analysis.audit import AuditLog
    from analysis.contracts.model import ContractError
    from analysis.fsutil import OutsideRoot
    from analysis.ingest.decode import Unreadable
    from analysis.ingest.freetext import scrub
    from analysis.ingest.pseudonymise import MissingKey
    from analysis.ingest.run import PURPOSE, TooManyRejected, ingest_file
    from analysis.ingest.snapshot import ingested_before
    from analysis.transfer.feedback import FileResult

    found = [] if found is None else found
    label = f"{escape(manifest.source)} {escape(path.name)} (transfer {manifest.transfer_id})"
    kind = None
    try:
        if not path.is_file():
            console.print(f"[red]missing[/red] {label}: the landed file is gone")
            kind, outcome = "failure(s) on this side", "missing"
            found.append(FileResult(path.name, outcome))
        elif ingested_before(catalog, manifest.source, sha256_file(path)):
            console.print(f"{label}: already ingested before; nothing to do")
            found.append(_earlier_result(catalog, manifest.source, path))
            return "reused"
        else:
            result = ingest_file(catalog, manifest.source, path)
            _print_ingest(result)
            found.append(_file_result(catalog, path.name, "published", result))
            return "published"
    except TooManyRejected as exc:
        console.print(f"[red]rejected[/red] {escape(str(exc))}")
        tally["extract(s) rejected"] = tally.get("extract(s) rejected", 0) + 1
        found.append(_file_result(catalog, path.name, "rejected", exc.result))
        return "rejected"  # audited by ingest
    except (Unreadable, ContractError) as exc:
        first = str(exc).splitlines()[0]
        console.print(f"[red]unreadable[/red] {label}: {escape(first)}")
        kind, outcome = "extract(s) rejected", "unreadable"
        found.append(FileResult(path.name, outcome, note=scrub(first)))
    except (MissingKey, OutsideRoot) as exc:
        console.print(f"[red]not ingested[/red] {label}: {escape(str(exc))}")
        tally["failure(s) on this side"] = tally.get("failure(s) on this side", 0) + 1
        return None
    except Exception as exc:  # a failure of this file only: the next files are still ingested
        console.print(
            f"[red]not ingested[/red] {label}: {type(exc).__name__} (the next run retries; "
            "`nocta ingest` on the landed file shows the details)"
        )
        tally["failure(s) on this side"] = tally.get("failure(s) on this side", 0) + 1
        return None
    tally[kind] = tally.get(kind, 0) + 1
    AuditLog(catalog.audit_log).append(
        "collection",
        manifest.source,
        f"rejected: {outcome}",
        PURPOSE,
        transfer_id=manifest.transfer_id,
        partner=manifest.partner,
    )
    return outcome


def _file_result(catalog: Catalog, name: str, outcome: str, result):
    """A file's ingest result as its partner may see it: counts, and the quarantine's masked
    reasons.csv (the partner's own rows; identifiers masked, never pseudonymised)."""
    from analysis.transfer.feedback import FileResult

    reasons = catalog.quarantine / result.source / result.snapshot_id / "reasons.csv"
    return FileResult(
        name,
        outcome,
        rows_read=result.rows_read,
        rows_accepted=result.rows_accepted,
        rows_quarantined=result.rows_quarantined,
        reasons=dict(result.reasons),
        reasons_csv=reasons if result.rows_quarantined else None,
    )


def _earlier_result(catalog: Catalog, source: str, path: Path):
    """The result of the earlier ingest of exactly this file (same sha256: the same rows the
    partner sent), so a resent extract still tells its partner what to fix."""
    from types import SimpleNamespace

    from analysis.catalog import MANIFEST
    from analysis.transfer.feedback import FileResult

    digest = sha256_file(path)
    for found in sorted((catalog.curated / source).glob(f"*/{MANIFEST}"), reverse=True):
        earlier = json.loads(found.read_text(encoding="utf-8"))
        if earlier.get("source_sha256") == digest:
            fields = ("snapshot_id", "rows_read", "rows_accepted", "rows_quarantined", "reasons")
            result = SimpleNamespace(source=source, **{k: earlier[k] for k in fields})
            return _file_result(catalog, path.name, "reused", result)
    return FileResult(path.name, "reused")


def _send_feedback(catalog: Catalog, outcomes: list, results: dict) -> None:
    """A feedback package to the sending partner for each package refused after its sender
    was authenticated, and each transfer with files handled in this run (a file retried by
    the next run, for a problem on the platform's side, gets its own feedback then): each
    file is reported once. An unauthenticated sender gets none."""
    from functools import partial

    from analysis.transfer.feedback import answer
    from analysis.transfer.open import Outcome

    names = {o.transfer_id: o.package.name for o in outcomes if o.accepted}
    for outcome in outcomes:
        if outcome.code is not None and outcome.partner is None:
            console.print(
                f"no feedback for {escape(outcome.package.name)}: its sender is not "
                "authenticated (see inbox/rejected/ and the audit log)"
            )
        elif outcome.code is not None:
            _say_feedback(partial(answer, catalog, outcome), outcome.package.name)
    for manifest, handled in results.values():
        files = [f for f in handled if f is not None]  # None: retried by the next run
        if not files:
            continue
        done = Outcome(
            package=Path(f"{manifest.transfer_id}.nocta"),
            accepted=True,
            transfer_id=manifest.transfer_id,
            partner=manifest.partner,
            sender_key_id=manifest.key_id,
            sequence=manifest.sequence,
            source=manifest.source,
        )
        if manifest.transfer_id in names:  # the name the partner gave, as it was received
            done = Outcome(**{**done.__dict__, "package": Path(names[manifest.transfer_id])})
        _say_feedback(partial(answer, catalog, done, files), done.package.name)


def _say_feedback(write, name: str) -> None:
    """Write one feedback; a failure (a key or the outbox unusable) is said, never stops the
    others, and leaves the intake's own outcome as it was: the package is still handled."""
    from analysis.transfer import TransferError

    try:
        path = write()
    except (TransferError, OSError) as exc:
        console.print(f"[red]no feedback written[/red] for {escape(name)}: {escape(str(exc))}")
        return
    if path is not None:
        console.print(f"feedback for the partner: {escape(str(path))}")


@main.command("catalog")
@click.option("--json", "as_json", is_flag=True)
def catalog_command(as_json: bool) -> None:
    """List the curated snapshots of every source; the newest is the current one."""
    catalog = Catalog.from_env()
    listing = catalog.list_snapshots()
    if as_json:
        click.echo(json.dumps(listing))
        return
    if not listing:
        console.print(f"No snapshots under {catalog.curated} yet: run `nocta ingest`.")
    for source, snapshots in listing.items():
        click.echo(source)
        for i, snap in enumerate(snapshots):
            mark = "current" if i == 0 else ""
            click.echo(
                f"  {snap['snapshot_id']}  {snap['rows_accepted']:>10,} rows  "
                f"{snap['rows_quarantined']:>8,} quarantined  {mark}"
            )


@main.command("tutorials")
@click.option(
    "--to",
    "dest",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("~/tutoriale-nocta"),
    show_default=True,
    help="Folder to copy them into (in JupyterLab: your home).",
)
def tutorials_command(dest: Path) -> None:
    """Copy the analysts' tutorials into your own folder, to open and run them in JupyterLab.

    A tutorial already there is kept as it is (your edits are never overwritten).
    """
    from analysis.tutorials import copy_tutorials

    try:
        copied, kept = copy_tutorials(Catalog.from_env(), dest.expanduser())
    except LookupError as exc:
        raise StageError(str(exc)) from None
    for path in copied:
        click.echo(f"copied {path}")
    for path in kept:
        click.echo(f"kept   {path} (already there)")


@main.group()
def audit() -> None:
    """The append-only, hash-chained audit log."""


@audit.command("verify")
def audit_verify() -> None:
    """Check the audit log: no record edited, removed, reordered or forged, none missing at
    its end (the head file and the snapshot manifests cite how many records it had)."""
    from analysis.audit import AuditKeyError, AuditLog

    catalog = Catalog.from_env()
    path = catalog.audit_log
    try:
        outcome = AuditLog(path, catalog.keys).verify(_audit_anchors(catalog))
    except AuditKeyError as exc:
        raise ExitCode(str(exc), 1) from None
    if not outcome.ok:
        line = outcome.first_bad_line
        if line is None:
            advice = "copy audit/ aside and compare with a backup"
            raise ExitCode(f"{path}: {outcome.reason}; {advice}", 1)
        # a line's edit shows on the next one, whose `prev` no longer matches: name both
        where = f"; compare lines {line - 1} and {line} with a backup" if line > 1 else ""
        raise ExitCode(f"{path} line {line}: {outcome.reason}{where}", 1)
    unkeyed = f" ({outcome.unkeyed} written before the log was keyed)" if outcome.unkeyed else ""
    click.echo(f"{path}: {outcome.records} records, chain intact, keyed{unkeyed}")


def _audit_anchors(catalog: Catalog) -> list:
    """The audit log's head as each file that cites it does (an `audit_head` key, written from
    `AuditLog.head()`): snapshot manifests, run records and release manifests."""
    from analysis.audit import Anchor

    anchors = []
    citing = [
        *catalog.curated.glob("*/*/_manifest.json"),
        *catalog.runs.glob("*/run.json"),
        *catalog.releases.glob("*/manifest.json"),
    ]
    for manifest_path in sorted(citing):
        try:
            head = json.loads(manifest_path.read_text(encoding="utf-8")).get("audit_head")
            if head:
                cited = Anchor(int(head["records"]), str(head["sha256"]), str(manifest_path))
                anchors.append(cited)
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a damaged manifest is verify_snapshot's business
    return anchors


@main.command()
@click.option("--dry-run", is_flag=True, help="List what would run and why; run nothing.")
@click.option("--cores", type=click.IntRange(1), default=2, show_default=True)
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Pipeline parameters (default pipelines/config.yaml).",
)
@click.option("--force", is_flag=True, help="Rerun every step even when nothing changed.")
def refresh(dry_run: bool, cores: int, config_path: Path | None, force: bool) -> None:
    """Run the pipeline (Snakemake + Papermill) over the current snapshots.

    Only steps whose inputs, notebook, parameters, code or software changed rerun. When every
    step succeeded the run becomes results/current; a failure leaves it untouched.
    """
    outcome = _refresh(Catalog.from_env(), config_path, cores, dry_run, force)
    if outcome.run_id and not dry_run:
        click.echo(outcome.run_id)


@main.command("runs")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of prose.")
def runs_command(as_json: bool) -> None:
    """The pipeline's runs, oldest first (results/current marked), and any step whose last
    attempt failed, with the notebook, the cell and the error: what a night run left.

    Exit 0 when no step is failing, 1 when one is (results/current is then the last good run).
    """
    from analysis.pipeline.step import ERROR_RECORD

    catalog = Catalog.from_env()
    current = catalog.current_results.resolve().name if catalog.current_results.exists() else None
    runs = []
    for record in sorted(catalog.runs.glob("*/run.json")):
        run = json.loads(record.read_text(encoding="utf-8"))
        steps = len(run.get("steps", []))
        runs.append({"run_id": run["run_id"], "started": run.get("started"), "steps": steps,
                     "current": run["run_id"] == current})  # fmt: skip
    failed = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((catalog.pipeline / "steps").rglob(ERROR_RECORD))
    ]
    if as_json:
        click.echo(json.dumps({"runs": runs, "failed": failed}))
    else:
        if not runs:
            click.echo(f"No run under {catalog.runs} yet: run `nocta refresh`.")
        for run in runs:
            mark = "  current" if run["current"] else ""
            click.echo(f"{run['run_id']}  {run['steps']} steps  started {run['started']}{mark}")
        for error in failed:
            click.echo(f"FAILED {error['step']} at {error['time']}: {error['message']}")
        if failed:
            click.echo(
                f"results/current is still {current or 'not set'}; fix the cause, then rerun "
                "`nocta refresh`."
            )
    if failed:
        sys.exit(1)


def _refresh(
    catalog: Catalog,
    config_path: Path | None = None,
    cores: int = 2,
    dry_run: bool = False,
    force: bool = False,
):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from analysis.pipeline.runner import RefreshFailed
    from analysis.pipeline.runner import refresh as run_refresh

    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("Pipeline steps", total=None)
            outcome = run_refresh(
                catalog,
                config_path,
                cores,
                dry_run=dry_run,
                force=force,
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
    except RefreshFailed as exc:
        raise StageError(f"{exc}\nresults/current is unchanged.") from None
    except (LookupError, ValueError) as exc:
        raise StageError(str(exc)) from None
    if dry_run:
        if not outcome.planned:
            console.print("Nothing to run: every step is up to date.")
        for line in outcome.planned:
            console.print(f"would run {line}")
    elif outcome.skipped:
        console.print(f"Analysis: nothing changed, kept {outcome.run_id} (no notebook ran)")
    else:
        console.print(f"Analysis: new run {outcome.run_id} ({len(outcome.planned)} steps ran)")
    return outcome


def _publish(catalog: Catalog, force: bool):
    from analysis.site.releases import publish as publish_site

    if not (catalog.current_results / "run.json").exists():
        raise StageError("there is no results/current yet: run `nocta refresh` first")
    with console.status("Building the portal site…"):
        release = publish_site(catalog, catalog.current_results.resolve(), force=force)
    state = "nothing changed, kept" if release.skipped else "published"
    console.print(f"Site: {state} release {release.release_id}")
    return release


@main.command()
@click.option(
    "--scale", type=click.FloatRange(min=0, min_open=True), default=DEMO_SCALE, show_default=True
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Pipeline parameters (default pipelines/config.yaml).",
)
def demo(scale: float, config_path: Path | None) -> None:
    """The whole path on synthetic data: synth -> ingest -> notebook -> report -> site."""
    from analysis.ingest.pseudonymise import KEY_FILE, create_key
    from analysis.ingest.run import TooManyRejected, ingest_file
    from analysis.synth import EXTRACTS, generate

    catalog = Catalog.from_env()
    if not (catalog.keys / KEY_FILE).exists():
        console.print(f"Pseudonymisation key: created {create_key(catalog.keys)}")
    extracts = catalog.landing / "synthetic"
    if _synth_is_current(extracts, DEMO_SEED, scale, DEMO_DEFECTS):
        console.print(f"Synthetic extracts: unchanged in {extracts}")
    else:
        generate(extracts, seed=DEMO_SEED, scale=scale, defects=DEMO_DEFECTS, progress=True)
        console.print(f"Synthetic extracts: written to {extracts}")
    for source, name in EXTRACTS:
        try:
            result = ingest_file(catalog, source, extracts / name)
        except TooManyRejected as exc:
            raise ExitCode(str(exc), 3) from None
        verb = "unchanged" if result.reused else "new"
        console.print(
            f"Ingest {source}: {result.rows_accepted:,} accepted, "
            f"{result.rows_quarantined:,} quarantined ({verb} snapshot {result.snapshot_id})"
        )
    _refresh(catalog, config_path)
    _build_reports(catalog)
    _publish(catalog, force=False)
    site = catalog.current_site
    console.print(
        "\n[bold green]Done.[/bold green] The published portal:\n"
        f"  HTML: {site / 'ro' / 'index.html'} (English: {site / 'en' / 'index.html'})\n"
        f"  PDF:  {site / 'ro' / 'summary.pdf'} (the one-page summary)\n"
        f"Open it in a browser: file://{site / 'ro' / 'index.html'}; make serve puts it behind "
        "the hub's login"
    )


def _build_reports(catalog: Catalog) -> None:
    from analysis.report.build import build_all

    with console.status("Building the assessment and the strategy (ro/en, public/restricted)…"):
        folders = build_all(catalog, catalog.current_results.resolve())
    console.print(f"Reports: {len(folders)} editions built under {catalog.home / 'reports'}")


def _synth_is_current(folder: Path, seed: int, scale: float, defects: float) -> bool:
    """True when `folder` holds extracts made with these settings by this version, untouched."""
    record_path = folder / "_synth.json"
    if not record_path.exists():
        return False
    record = json.loads(record_path.read_text(encoding="utf-8"))
    from analysis.synth import GENERATOR_VERSION

    wanted = {"seed": seed, "scale": scale, "defects": defects, "version": GENERATOR_VERSION}
    if any(record.get(k) != v for k, v in wanted.items()):
        return False
    files = record.get("files", {})
    return bool(files) and all(
        (folder / name).exists() and sha256_file(folder / name) == meta["sha256"]
        for name, meta in files.items()
    )


if __name__ == "__main__":
    sys.exit(main())
