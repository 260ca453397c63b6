"""`make bench`: run time and peak memory of the heavy jobs at national scale.

Seconds depend on the machine and on what else runs, so each row that matters is also given
as a ratio to a reference job measured in the same run (compare ratios between runs, not
seconds). Each job runs in its own process, so its peak memory (max RSS) is its own. Later
issues add their rows to `jobs`.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

BIN = Path(sys.executable).parent
NOCTA = str(BIN / "nocta")
PROBE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
    "print(time.perf_counter() - t, peak)\n"
)
# a bare polars read: as fast as polars goes (utf8-lossy: the file's ș ț become U+FFFD), and
# reading the file right (its encoding, Windows-1250, decoded by polars' own route)
BARE_READ = (
    "import polars as pl, sys\n"
    "pl.read_csv(sys.argv[1], separator=';', encoding=sys.argv[2], infer_schema=False)\n"
)
# the police extract twice, the copy's case numbers made unique (year 20xx -> 30xx): ~240 MB
DOUBLE = (
    "import sys\n"
    "src, out = sys.argv[1:]\n"
    "with open(src, 'rb') as f, open(out, 'wb') as o:\n"
    "    header = f.readline(); body = f.read()\n"
    "    o.write(header + body)\n"
    "    o.write(body.replace(b'/P/20', b'/P/30'))\n"
)


def measure(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of one command in a child process."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *args], env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), float(out[1])


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="nocta-bench-"))
    env = os.environ | {"NOCTA_HOME": str(work / "var")}
    small, full = work / "scale-0.1", work / "scale-1"
    police = str(full / "police_cases.csv")
    double = str(work / "police_cases_x2.csv")
    subprocess.run([NOCTA, "keys", "init", "--pseudonym"], env=env, check=True, capture_output=True)
    jobs = [
        ("synth --scale 0.1", [NOCTA, "synth", "--out", str(small), "--scale", "0.1"], None, None),
        (
            "synth --scale 1",
            [NOCTA, "synth", "--out", str(full), "--scale", "1"],
            "synth --scale 0.1",
            None,
        ),
        (
            "bare polars read, utf8-lossy",
            [sys.executable, "-c", BARE_READ, police, "utf8-lossy"],
            None,
            1_000_000,
        ),
        (
            "bare polars read, windows-1250",
            [sys.executable, "-c", BARE_READ, police, "windows-1250"],
            "bare polars read, utf8-lossy",
            1_000_000,
        ),
        (
            "ingest police_cases, scale 1",
            [NOCTA, "ingest", "--source", "police_cases", police],
            "bare polars read, windows-1250",
            1_000_000,
        ),
        ("write police x2 (~240 MB)", [sys.executable, "-c", DOUBLE, police, double], None, None),
        (
            "ingest police x2 (streamed)",
            [NOCTA, "ingest", "--source", "police_cases", double],
            "ingest police_cases, scale 1",
            2_000_000,
        ),
    ]
    seen: dict[str, float] = {}
    print(f"{'job':<34} {'seconds':>8} {'peak MiB':>9} {'rows/s':>10}  ratio")
    for name, args, reference, rows in jobs:
        seconds, peak = measure(args, env)
        seen[name] = seconds
        rate = f"{rows / seconds:10,.0f}" if rows else " " * 10
        ratio = f"{seconds / seen[reference]:5.1f}x the time of '{reference}'" if reference else ""
        print(f"{name:<34} {seconds:8.1f} {peak:9.0f} {rate}  {ratio}", flush=True)
    lossy = seen["ingest police_cases, scale 1"] / seen["bare polars read, utf8-lossy"]
    print(f"(ingest is {lossy:.1f}x the time of the utf8-lossy read, which reads ș ț wrong)")
    print("(peak MiB of the two ingest rows: streaming keeps it nearly flat as the file doubles)")
    print(f"(data in {work}; remove it when done)")


# the other stages' rows, each a module of this folder with a main() that prints them
STAGES = (
    "transfer_bench",
    "analysis_bench",
    "pipeline_bench",
    "report_bench",
    "portal_bench",
    "hub_bench",
)


if __name__ == "__main__":
    import importlib

    sys.path.insert(0, str(Path(__file__).parent))
    print("== ingest and synthetic extracts")
    main()
    for name in STAGES:
        if (Path(__file__).parent / f"{name}.py").exists():
            print(f"\n== {name.removesuffix('_bench')}", flush=True)
            module = importlib.import_module(name)
            getattr(module, "main_all", module.main)()
