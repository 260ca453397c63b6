"""The one place that knows where things live under the data root (NOCTA_HOME, default ./var).

Every stage asks the catalog for a path instead of building one, so moving the data root (to
another disk, or to object storage later) is a change here only. Zones follow ARCHITECTURE.md.
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path

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
        sid = snapshot_id or self.latest_snapshot(source)
        return json.loads((self.snapshot_dir(source, sid) / MANIFEST).read_text(encoding="utf-8"))

    # runs and results ----------------------------------------------------------
    def run_dir(self, run_id: str) -> Path:
        return self.runs / run_id

    def results_dir(self, run_id: str) -> Path:
        return self.results / run_id

    @property
    def current_results(self) -> Path:
        return self.results / "current"

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
