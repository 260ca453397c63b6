"""The one place that knows where things live under the data root (NOCTA_HOME, default ./var).

Every stage asks the catalog for a path instead of building one, so moving the data root (to
another disk, or to object storage later) is a change here only. Zones follow ARCHITECTURE.md.
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

SNAPSHOT_DATA = "data.parquet"
MANIFEST = "_manifest.json"
# The project checkout (notebooks/, reports/): the editable install's root unless NOCTA_PROJECT says
PROJECT = Path(os.environ.get("NOCTA_PROJECT", Path(__file__).resolve().parents[2]))


@dataclass(frozen=True)
class Catalog:
    home: Path

    @classmethod
    def from_env(cls) -> "Catalog":
        """The data root from NOCTA_HOME, or ./var in the current folder."""
        return cls(Path(os.environ.get("NOCTA_HOME", "var")).resolve())

    # the project's sources -------------------------------------------------------
    @property
    def notebooks(self) -> Path:
        return PROJECT / "notebooks"

    @property
    def reports(self) -> Path:
        return PROJECT / "reports"

    @property
    def pipelines(self) -> Path:
        return PROJECT / "pipelines"

    @property
    def lock_file(self) -> Path:
        return PROJECT / "requirements.lock"

    # zones -----------------------------------------------------------------
    @property
    def keys(self) -> Path:
        """Secrets; NOCTA_KEYS moves them outside the data root, as production must."""
        return Path(os.environ.get("NOCTA_KEYS", self.home / "keys")).resolve()

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def quarantine(self) -> Path:
        return self.home / "quarantine"

    @property
    def curated(self) -> Path:
        return self.home / "curated"

    @property
    def runs(self) -> Path:
        return self.home / "runs"

    @property
    def results(self) -> Path:
        return self.home / "results"

    @property
    def site(self) -> Path:
        return self.home / "site"

    @property
    def inbox(self) -> Path:
        return self.home / "inbox"

    @property
    def outbox(self) -> Path:
        """Feedback packages for the partners, one folder each (`outbox/<partner>/`)."""
        return self.home / "outbox"

    def partner_outbox(self, partner: str) -> Path:
        return self.outbox / partner

    @property
    def quality_record(self) -> Path:
        """The data-quality record: one line per package opened or refused (restricted)."""
        return self.home / "quality" / "record.jsonl"

    @property
    def audit_log(self) -> Path:
        return self.home / "audit" / "audit.jsonl"

    # snapshots ---------------------------------------------------------------
    def snapshot_dir(self, source: str, snapshot_id: str) -> Path:
        return self.curated / source / snapshot_id

    def latest_snapshot(self, source: str) -> str:
        """Id of the newest snapshot of a source (ids sort by time); an error names the source."""
        root = self.curated / source
        ids = (
            sorted(p.name for p in root.glob("*") if (p / MANIFEST).is_file())
            if root.is_dir()
            else []
        )
        if not ids:
            raise LookupError(
                f"no curated snapshot of {source!r} under {root}: run `nocta ingest` first"
            )
        return ids[-1]

    def list_snapshots(self) -> dict[str, list[dict]]:
        """Every source's snapshots, newest first, with their manifests' counts."""
        listing: dict[str, list[dict]] = {}
        for source_dir in sorted(p for p in self.curated.glob("*") if p.is_dir()):
            manifests = sorted(source_dir.glob(f"*/{MANIFEST}"), reverse=True)
            listing[source_dir.name] = [
                {
                    k: m[k]
                    for k in (
                        "snapshot_id",
                        "rows_read",
                        "rows_accepted",
                        "rows_quarantined",
                        "source_file",
                        "created_at",
                    )
                }
                for m in (json.loads(p.read_text(encoding="utf-8")) for p in manifests)
            ]
        return listing

    def snapshot_data(self, source: str, snapshot_id: str | None = None) -> Path:
        """Parquet file of a snapshot (the latest when no id is given)."""
        sid = snapshot_id or self.latest_snapshot(source)
        return self.snapshot_dir(source, sid) / SNAPSHOT_DATA

    def snapshot_manifest(self, source: str, snapshot_id: str | None = None) -> dict:
        """The manifest of a snapshot (the latest when no id is given): which file it came
        from (`source_file`, `source_sha256`), the contract (`contract_id`,
        `contract_version`), the counts (`rows_read`, `rows_accepted`, `rows_quarantined`),
        the quarantine reasons as rule id -> rows (`reasons`), `columns` and `created_at`."""
        sid = snapshot_id or self.latest_snapshot(source)
        return json.loads((self.snapshot_dir(source, sid) / MANIFEST).read_text(encoding="utf-8"))

    def scan_snapshot(self, source: str, snapshot_id: str | None = None) -> "pl.LazyFrame":
        """A governed snapshot as a polars LazyFrame: the current (latest) one when no id is
        given, so filters and column choices run before anything is read.

        Why: analysts (and the tutorials) name a source, not a path. Without this every
        notebook rebuilt `pl.scan_parquet(catalog.snapshot_data(...))`, and a mistyped id
        surfaced as polars' "file not found" on an internal path; here it is a LookupError
        that names the source and says how to list what exists (`nocta catalog`).
        """
        import polars as pl

        sid = snapshot_id or self.latest_snapshot(source)
        if not (self.snapshot_dir(source, sid) / MANIFEST).is_file():
            raise LookupError(
                f"no snapshot {sid!r} of {source!r}: `nocta catalog` (or "
                "Catalog.list_snapshots()) lists the snapshots of every source"
            )
        return pl.scan_parquet(self.snapshot_data(source, sid))

    def read_snapshot(self, source: str, snapshot_id: str | None = None) -> "pl.DataFrame":
        """The whole snapshot in memory (see `scan_snapshot`; prefer it for large sources)."""
        return self.scan_snapshot(source, snapshot_id).collect()

    # runs and results ----------------------------------------------------------
    def run_dir(self, run_id: str) -> Path:
        return self.runs / run_id

    def results_dir(self, run_id: str) -> Path:
        return self.results / run_id

    def public_view(self, run_id: str) -> Path:
        """The public view of a run: the only results the public outputs are built from."""
        return self.home / "public" / run_id

    @property
    def current_results(self) -> Path:
        return self.results / "current"

    def step_results(self, step: str, run_id: str | None = None) -> Path:
        """Results folder of one pipeline step of a run (results/current when no id is given).

        `step` is the notebook's name, with the county or market of a fanned-out step:
        "indicators", "county_profile/CJ", "market_profile/drugs_cannabis". Why: analysts
        read the pipeline's results (with results.Results) without knowing how a run is laid
        out; a step the run did not compute is a LookupError that says which steps it has.
        """
        run = self.results_dir(run_id) if run_id else self.current_results
        if not (run / "run.json").is_file():
            raise LookupError(f"no pipeline run {run_id or 'current'!r}: run `nocta refresh` first")
        folder = run / step
        if not step or Path(step).is_absolute() or ".." in Path(step).parts or not folder.is_dir():
            done = sorted(str(p.parent.relative_to(run)) for p in run.glob("**/headline.json"))
            raise LookupError(
                f"the run {run.resolve().name} has no step {step!r}; it has: {', '.join(done)}"
            )
        return folder

    @property
    def pipeline(self) -> Path:
        """Snakemake's working folder: per-step outputs kept between runs (what makes reruns
        incremental), its own metadata, and the input pointers it decides reruns from."""
        return self.home / "pipeline"

    # site ----------------------------------------------------------------------
    @property
    def releases(self) -> Path:
        return self.site / "releases"

    @property
    def current_site(self) -> Path:
        return self.site / "current"
