"""Run the analysis notebooks over the current snapshots into a new, complete run.

A run is written under a temporary name and becomes `results/current` only when every notebook
succeeded, so a failed night leaves yesterday's results in place. A run whose inputs, notebook,
parameters and software are those of the current run is not redone.
"""

import datetime as dt
import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from analysis import __version__
from analysis.catalog import Catalog
from analysis.fsutil import atomic_dir, sha256_file, switch_symlink
from analysis.notebook_run import run_notebook

NOTEBOOK = "case_rates.ipynb"
SOURCES = ("police_cases", "population")


@dataclass(frozen=True)
class RefreshOutcome:
    run_id: str
    results: Path
    skipped: bool


def fingerprint(catalog: Catalog, snapshots: dict[str, str], parameters: dict) -> str:
    """What decides whether a run can be reused: inputs, code, parameters, software."""
    basis = {
        "snapshots": snapshots,
        "notebook": sha256_file(catalog.notebooks / NOTEBOOK),
        "parameters": parameters,
        "nocta": __version__,
        "lock": sha256_file(catalog.lock_file) if catalog.lock_file.exists() else None,
    }
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()


def refresh(
    catalog: Catalog, year_from: int = 2015, year_to: int = 2025, force: bool = False
) -> RefreshOutcome:
    snapshots = {s: catalog.latest_snapshot(s) for s in SOURCES}
    parameters = {"year_from": year_from, "year_to": year_to}
    print_ = fingerprint(catalog, snapshots, parameters)
    current = catalog.current_results / "run.json"
    if not force and current.exists():
        record = json.loads(current.read_text(encoding="utf-8"))
        if record.get("fingerprint") == print_:
            return RefreshOutcome(record["run_id"], catalog.current_results.resolve(), skipped=True)

    started = dt.datetime.now(dt.UTC)
    run_id = f"{started:%Y%m%dT%H%M%SZ}-{print_[:8]}"
    results_target = catalog.results_dir(run_id)
    run_dir = catalog.run_dir(run_id)  # the log: kept even when the run fails
    run_dir.mkdir(parents=True)
    with atomic_dir(results_target) as res_tmp:
        executed = run_dir / NOTEBOOK
        run_notebook(
            catalog.notebooks / NOTEBOOK,
            executed,
            parameters={
                "nocta_home": str(catalog.home),
                "results_dir": str(res_tmp),
                "police_snapshot": snapshots["police_cases"],
                "population_snapshot": snapshots["population"],
                **parameters,
            },
            cwd=Path(tempfile.gettempdir()),
        )
        record = {
            "run_id": run_id,
            "fingerprint": print_,
            "started": started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "nocta_version": __version__,
            "parameters": parameters,
            "snapshots": snapshots,
            "steps": [{"notebook": NOTEBOOK, "status": "ok"}],
            "outputs": {p.name: sha256_file(p) for p in sorted(res_tmp.iterdir())},
        }
        text = json.dumps(record, indent=2) + "\n"
        (res_tmp / "run.json").write_text(text, encoding="utf-8")
        (run_dir / "run.json").write_text(text, encoding="utf-8")
    switch_symlink(catalog.current_results, run_id)
    return RefreshOutcome(run_id, results_target, skipped=False)
