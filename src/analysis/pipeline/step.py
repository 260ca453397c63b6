"""One pipeline step: a notebook run by Papermill into its own step folder.

The executed notebook is the step's log. On success `step.json` (status, timing, outputs'
sha256) is written last, as the step's Snakemake output; on failure `error.json` names the
notebook, the cell and the error, so the refresh can tell an analyst in one screen.
"""

import datetime as dt
import json
import shutil
import time
from pathlib import Path

from analysis.fsutil import sha256_file
from analysis.notebook_run import NotebookFailed, run_notebook

STEP_RECORD = "step.json"
ERROR_RECORD = "error.json"


def run_step(notebook: Path, step_dir: Path, parameters: dict, step: str) -> dict:
    """Run `notebook` with `parameters`; its results go to step_dir/results."""
    step_dir = step_dir.resolve()
    results = step_dir / "results"
    shutil.rmtree(results, ignore_errors=True)
    results.mkdir(parents=True)
    (step_dir / ERROR_RECORD).unlink(missing_ok=True)
    executed = step_dir / "executed.ipynb"
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    try:
        run_notebook(notebook, executed, parameters | {"results_dir": str(results)}, cwd=step_dir)
    except Exception as exc:  # a cell raised, the kernel died or would not start: say which
        known = isinstance(exc, NotebookFailed | ValueError)
        message = (
            str(exc)
            if known
            else (
                f"{notebook.name} could not run: {type(exc).__name__}: {exc}\n"
                f"  executed notebook (as far as it got): {executed}"
            )
        )
        record = {
            "step": step,
            "notebook": notebook.name,
            "message": message,
            "executed": str(executed),
            "time": started.isoformat(timespec="seconds"),
        }
        (step_dir / ERROR_RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        raise
    record = {
        "step": step,
        "notebook": notebook.name,
        "status": "ok",
        "started": started.isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - clock, 2),
        "parameters": {k: v for k, v in parameters.items() if k != "nocta_home"},
        "outputs": {
            p.relative_to(results).as_posix(): sha256_file(p)
            for p in sorted(results.rglob("*"))
            if p.is_file()
        },
    }
    (step_dir / STEP_RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record
