"""`nocta refresh`: bring the pipeline up to date with Snakemake, then publish it as a run.

Snakemake decides what reruns; this module prepares its inputs, shows progress, and when every
step succeeded copies the steps' results into a new `results/<run_id>/` (hard links: cheap) with
its run record and the strategy's monitoring record (`strategy/`: every indicator against
its target, carried on from the previous run), then switches `results/current`. When Snakemake
had nothing to do, no run is made and the current one stays. A failure leaves
`results/current` untouched.
"""

import datetime as dt
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from analysis.catalog import PROJECT, Catalog
from analysis.fsutil import atomic_dir, switch_symlink
from analysis.pipeline.inputs import write_pointers
from analysis.pipeline.quality import write_quality_results
from analysis.pipeline.record import run_record
from analysis.pipeline.step import ERROR_RECORD
from analysis.strategy.monitoring import record as record_strategy

PROGRESS = re.compile(r"(\d+) of (\d+) steps \((\d+)%\) done")


class RefreshFailed(RuntimeError):
    """A step failed; the message names the notebook, the cell and the error."""


@dataclass(frozen=True)
class RefreshOutcome:
    run_id: str | None
    results: Path | None
    skipped: bool
    planned: list[str]  # what would run and why (dry run), or what ran


def load_config(path: Path | None) -> dict:
    config = yaml.safe_load((path or PROJECT / "pipelines" / "config.yaml").read_text("utf-8"))
    if not config.get("notebooks"):
        raise ValueError("pipeline config: `notebooks` lists nothing to run")
    return config


def _snakemake(
    catalog: Catalog, config: dict, cores: int, extra: list[str], on_line: Callable[[str], None]
) -> tuple[int, list[str]]:
    config_file = catalog.pipeline / "inputs" / "config.json"
    config_file.write_text(
        json.dumps(config | {"project": str(PROJECT), "nocta_home": str(catalog.home)})
    )
    args = [
        str(Path(sys.executable).with_name("snakemake")),
        "--snakefile",
        str(catalog.pipelines / "Snakefile"),
        "--directory",
        str(catalog.pipeline),
        "--configfile",
        str(config_file),
        "--cores",
        str(cores),
        "--rerun-triggers",
        "mtime",
        "params",
        "input",
        "code",
        "software-env",
        "--nolock" if "--dry-run" in extra else "--keep-incomplete",
        *extra,
    ]
    env = os.environ | {"OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    lines: list[str] = []
    with subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    ) as proc:
        for line in proc.stdout or []:
            lines.append(line.rstrip("\n"))
            on_line(line)
    return proc.returncode, lines


def _failure(catalog: Catalog, lines: list[str], since: float) -> str:
    errors = [
        p for p in (catalog.pipeline / "steps").rglob(ERROR_RECORD) if p.stat().st_mtime >= since
    ]
    if errors:
        return "\n".join(json.loads(p.read_text())["message"] for p in errors)
    tail = "\n".join(line for line in lines[-15:] if line.strip())
    return f"the pipeline stopped before any notebook failed:\n{tail}"


def refresh(
    catalog: Catalog,
    config_path: Path | None = None,
    cores: int = 2,
    dry_run: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    force: bool = False,
) -> RefreshOutcome:
    config = load_config(config_path)
    snapshots = write_pointers(catalog)
    extra = ["--dry-run"] if dry_run else []
    if force:
        extra.append("--forceall")

    def on_line(line: str) -> None:
        match = PROGRESS.search(line)
        if match and on_progress:
            on_progress(int(match.group(1)), int(match.group(2)))

    started = dt.datetime.now(dt.UTC)
    code, lines = _snakemake(catalog, config, cores, extra, on_line)
    planned = _planned(lines)
    if code != 0:
        if dry_run:
            raise RefreshFailed("\n".join(lines[-20:]))
        raise RefreshFailed(_failure(catalog, lines, started.timestamp() - 1))
    current = catalog.current_results / "run.json"
    if dry_run or (not planned and current.exists()):
        run_id = json.loads(current.read_text())["run_id"] if current.exists() else None
        return RefreshOutcome(
            run_id,
            catalog.current_results.resolve() if run_id else None,
            skipped=True,
            planned=planned,
        )
    run_id = f"{started:%Y%m%dT%H%M%SZ}"
    record = run_record(catalog, run_id, config, snapshots, started)
    target = catalog.results_dir(run_id)
    with atomic_dir(target) as tmp:
        for step in record["steps"]:
            os.makedirs(tmp / step["step"], exist_ok=True)
            source = catalog.pipeline / "steps" / step["step"] / "results"
            for path in sorted(p for p in source.rglob("*") if p.is_file()):
                dest = tmp / step["step"] / path.relative_to(source)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.link(path, dest)
        write_quality_results(catalog, tmp)  # the intake's quality record, as of this run
        previous = catalog.current_results
        record_strategy(
            tmp,
            catalog.reports / "strategy" / "plan.yaml",
            previous.resolve() if (previous / "run.json").exists() else None,
            run_id,
        )
        (tmp / "run.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    _keep_log(catalog, run_id, record)
    switch_symlink(catalog.current_results, run_id)
    return RefreshOutcome(run_id, target, skipped=False, planned=planned)


def _keep_log(catalog: Catalog, run_id: str, record: dict) -> None:
    """runs/<run_id>/: the executed notebooks (the log of each step) and the run record."""
    log = catalog.run_dir(run_id)
    for step in record["steps"]:
        executed = catalog.pipeline / "steps" / step["step"] / "executed.ipynb"
        dest = log / step["step"] / "executed.ipynb"
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.link(executed, dest)
    (log / "run.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def _planned(lines: list[str]) -> list[str]:
    """The notebook jobs Snakemake scheduled and why, from its output."""
    jobs: list[list[str]] = []
    rule = None
    for line in lines:
        text = line.strip()
        if text.startswith(("rule ", "localrule ")):
            rule = text.split()[1].rstrip(":")
        elif rule == "notebook" and text.startswith("output: steps/"):
            jobs.append([text.removeprefix("output: steps/").removesuffix("/step.json"), ""])
        elif rule == "notebook" and text.startswith("reason:") and jobs:
            jobs[-1][1] = text.removeprefix("reason:").strip()
    return [f"{step}: {why}" if why else step for step, why in jobs]
