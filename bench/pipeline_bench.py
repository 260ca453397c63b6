"""`make bench` rows for the pipeline: a full refresh at the demo scale, the per-notebook
overhead, the cores used, and the no-op refresh (goal: under 5 seconds).

The full refresh runs every notebook of pipelines/config.yaml (42 county and 16 market
profiles included) on a freshly generated and ingested data root, in its own process.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from analysis.synth import EXTRACTS

NOCTA = str(Path(sys.executable).with_name("nocta"))


def _timed(args: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main(scale: str = "0.01") -> None:
    home = Path(tempfile.mkdtemp(prefix="nocta-pipeline-bench-")) / "var"
    env = os.environ | {"NOCTA_HOME": str(home), "OMP_NUM_THREADS": "1"}
    subprocess.run([NOCTA, "keys", "init", "--pseudonym"], env=env, check=True, capture_output=True)
    extracts = home / "landing" / "synthetic"
    subprocess.run(
        [NOCTA, "synth", "--out", str(extracts), "--scale", scale],
        env=env,
        check=True,
        capture_output=True,
    )
    for source, name in EXTRACTS:
        subprocess.run(
            [NOCTA, "ingest", "--source", source, str(extracts / name)],
            env=env,
            check=True,
            capture_output=True,
        )
    cores = os.cpu_count() or 1
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    full = _timed([NOCTA, "refresh", "--cores", str(cores)], env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    run = json.loads((home / "results" / "current" / "run.json").read_text())
    steps = run["steps"]
    notebook_time = sum(s["duration_s"] for s in steps)
    noop = _timed([NOCTA, "refresh"], env)
    print(f"{'row':<44} {'value':>10}")
    print(
        f"{'full refresh, scale ' + scale + ' (' + str(len(steps)) + ' notebooks)':<44} "
        f"{full:9.1f}s"
    )
    print(f"{'mean time per notebook (kernel + work)':<44} {notebook_time / len(steps):9.2f}s")
    print(f"{'cores given / CPU-seconds per wall second':<44} {cores:>5} / {cpu / full:4.2f}")
    print(f"{'no-op refresh (goal < 5 s)':<44} {noop:9.2f}s")
    print(f"(data root {home}; remove it when done)")


def main_all() -> None:
    """The demo scale, then the national scale (the latter takes minutes on 2 cores)."""
    main("0.01")
    main("1")


if __name__ == "__main__":
    main(*sys.argv[1:])
