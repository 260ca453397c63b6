"""`make bench`: run time and peak memory of the heavy jobs at national scale.

Seconds depend on the machine and on what else runs, so each row that matters is also given
as a ratio to a reference job measured in the same run (compare ratios between runs, not
seconds). Each job runs in its own process, so its peak memory (max RSS) is its own. The
ingest rows are measured in turn, three times, and their medians compared. The other stages
add their rows from their own modules here (STAGES).
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BIN = Path(sys.executable).parent
NOCTA = str(BIN / "nocta")
ROUNDS = 3
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


def fresh_home(work: Path, name: str) -> dict[str, str]:
    """A data root with a pseudonymisation key and no snapshot: ingest really runs."""
    home = work / name
    shutil.rmtree(home, ignore_errors=True)
    env = os.environ | {"NOCTA_HOME": str(home)}
    subprocess.run([NOCTA, "keys", "init", "--pseudonym"], env=env, check=True, capture_output=True)
    return env


def row(name: str, seconds: float, peak: float, rows: int | None, ratio: str = "") -> None:
    rate = f"{rows / seconds:10,.0f}" if rows else " " * 10
    print(f"{name:<34} {seconds:8.1f} {peak:9.0f} {rate}  {ratio}", flush=True)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="nocta-bench-"))
    env = fresh_home(work, "var")
    small, full = work / "scale-0.1", work / "scale-1"
    police = str(full / "police_cases.csv")
    double = str(work / "police_cases_x2.csv")
    print(f"{'job':<34} {'seconds':>8} {'peak MiB':>9} {'rows/s':>10}  ratio")
    synth_small = measure([NOCTA, "synth", "--out", str(small), "--scale", "0.1"], env)
    row("synth --scale 0.1", *synth_small, None)
    seconds, peak = measure([NOCTA, "synth", "--out", str(full), "--scale", "1"], env)
    row("synth --scale 1", seconds, peak, None, f"{seconds / synth_small[0]:5.1f}x scale 0.1")

    # the reads, the check and the ingest of the same file, measured in turn ROUNDS times (a
    # shared 2-core machine swings single runs by a quarter): the medians are compared
    compared = {
        "bare polars read, utf8-lossy": [sys.executable, "-c", BARE_READ, police, "utf8-lossy"],
        "bare polars read, windows-1250": [sys.executable, "-c", BARE_READ, police, "windows-1250"],
        "nocta check (read + every rule)": [NOCTA, "check", "--source", "police_cases", police],
        "ingest police_cases, scale 1": [NOCTA, "ingest", "--source", "police_cases", police],
    }
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in compared}
    for n in range(ROUNDS):
        home = fresh_home(work, f"var-{n}")  # the round's ingest finds no snapshot there
        for name, args in compared.items():
            runs[name].append(measure(args, home))
    median = {name: statistics.median(s for s, _ in taken) for name, taken in runs.items()}
    reference = "bare polars read, windows-1250"
    for name, taken in runs.items():
        spread = "/".join(f"{s:.1f}" for s, _ in taken)
        ratio = f"{median[name] / median[reference]:5.1f}x the read ({spread} s)"
        row(name, median[name], max(p for _, p in taken), 1_000_000, ratio)
    lossy = median["ingest police_cases, scale 1"] / median["bare polars read, utf8-lossy"]
    print(f"(ingest is {lossy:.1f}x the utf8-lossy read, which reads the file's ș ț as U+FFFD)")

    subprocess.run([sys.executable, "-c", DOUBLE, police, double], check=True)
    seconds, peak = measure([NOCTA, "ingest", "--source", "police_cases", double], env)
    ratio = f"{seconds / median['ingest police_cases, scale 1']:5.1f}x scale 1"
    row("ingest police x2 (~240 MB)", seconds, peak, 2_000_000, ratio)
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
