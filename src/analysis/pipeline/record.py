"""The run record (`run.json`): enough to say which data, code, parameters and software made
every number of a run, and to redo it."""

import datetime as dt
import importlib.metadata as md
import json
import subprocess
from pathlib import Path

from analysis import __version__
from analysis.audit import AuditLog
from analysis.catalog import PROJECT, Catalog
from analysis.fsutil import sha256_file
from analysis.pipeline.plan import plan_steps
from analysis.pipeline.step import STEP_RECORD

PACKAGES = (
    "polars",
    "pandera",
    "papermill",
    "snakemake",
    "statsmodels",
    "networkx",
    "altair",
    "pypandoc-binary",
    "typst",
    "scipy",
    "numpy",
)


def _git() -> dict:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=PROJECT, capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("rev-parse", "HEAD")
    return {
        "commit": commit or None,
        "dirty": bool(git("status", "--porcelain")) if commit else None,
    }


def _versions() -> dict:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = md.version(name)
        except md.PackageNotFoundError:
            continue
    return found


def run_record(
    catalog: Catalog, run_id: str, config: dict, snapshots: dict, started: dt.datetime
) -> dict:
    steps = []
    notebooks = Path(config.get("notebooks_dir") or catalog.notebooks)
    for step in plan_steps(config, notebooks, snapshots):
        record = json.loads((catalog.pipeline / "steps" / step.name / STEP_RECORD).read_text())
        record["reused"] = dt.datetime.fromisoformat(record["started"]) < started
        steps.append(record)
    lock = catalog.lock_file
    return {
        "run_id": run_id,
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "nocta_version": __version__,
        "git": _git(),
        "lock_sha256": sha256_file(lock) if lock.exists() else None,
        "packages": _versions(),
        "parameters": {k: v for k, v in config.items() if k != "notebooks"},
        "notebooks": config["notebooks"],
        "snapshots": snapshots,
        "steps": steps,
        # cited, so that `nocta audit verify` can later prove no record up to here was removed
        "audit_head": AuditLog(catalog.audit_log, catalog.keys).head(),
    }
