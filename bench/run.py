"""`make bench`: run time and peak memory of the heavy jobs at national scale.

Figures depend on the machine, so each row is also given as a ratio to a reference row measured
in the same run: compare ratios between runs, not seconds. Each job runs in its own process so
its peak memory (max RSS) is its own. Later issues add their rows to JOBS.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

NOCTA = str(Path(sys.executable).with_name("nocta"))


def measure(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of one command in a child process."""
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
        "dt = time.perf_counter() - t\n"
        "print(dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), float(out[1])


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="nocta-bench-"))
    env = os.environ | {"NOCTA_HOME": str(work / "var")}
    small, full = work / "scale-0.1", work / "scale-1"
    jobs = [
        (
            "synth --scale 0.1",
            [NOCTA, "synth", "--out", str(small), "--scale", "0.1", "--seed", "1"],
            None,
        ),
        (
            "synth --scale 1",
            [NOCTA, "synth", "--out", str(full), "--scale", "1", "--seed", "1"],
            "synth --scale 0.1",
        ),
        (
            "ingest police_cases, scale 0.1",
            [NOCTA, "ingest", "--source", "police_cases", str(small / "police_cases.csv")],
            None,
        ),
        (
            "ingest police_cases, scale 1",
            [NOCTA, "ingest", "--source", "police_cases", str(full / "police_cases.csv")],
            "ingest police_cases, scale 0.1",
        ),
    ]
    rows: dict[str, tuple[float, float]] = {}
    print(f"{'job':<34} {'seconds':>9} {'peak MiB':>9}  ratio to")
    for name, args, reference in jobs:
        seconds, peak = measure(args, env)
        rows[name] = (seconds, peak)
        ratio = f"{seconds / rows[reference][0]:5.1f}x time of '{reference}'" if reference else ""
        print(f"{name:<34} {seconds:9.1f} {peak:9.0f}  {ratio}", flush=True)
    synth_json = json.loads((full / "_synth.json").read_text(encoding="utf-8"))
    print(
        "\nscale 1 volume:",
        json.dumps(synth_json.get("rows", synth_json.get("files")), default=str),
    )
    print(f"(work folder {work}; remove it when done)")


if __name__ == "__main__":
    main()
