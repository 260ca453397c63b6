"""`make bench` rows for issue 4: seal and open throughput (MB/s) and peak memory.

A file of random-looking bytes (written in chunks, never held in memory) is sealed into a
package and opened into landing, each in its own process so its peak resident memory (max RSS)
is its own. Two sizes show that memory stays flat (streaming) whatever the file size; the issue
asks for at least 100 MB/s and under 200 MiB peak for 1 GiB.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

MIB = 1 << 20
SIZES = (64 * MIB, 1024 * MIB)
TARGET_MBS, TARGET_PEAK_MIB = 100, 200

SEAL = """
import sys
from pathlib import Path
from analysis.transfer import seal_package
key, bundle, extract, out = map(Path, sys.argv[1:])
seal_package("bench", key, bundle, "bench_extract", [extract], out)
"""

OPEN = """
import sys
from pathlib import Path
from analysis.catalog import Catalog
from analysis.transfer import open_package
outcome = open_package(Catalog.from_env(), Path(sys.argv[1]))
sys.exit(0 if outcome.accepted else outcome.reason)
"""

MEASURE = """
import resource, subprocess, sys, time
t = time.perf_counter()
subprocess.run(sys.argv[1:], check=True)
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


def measure(code: str, args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of `python -c code args` in a child."""
    job = [sys.executable, "-c", code, *args]
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *job], env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), float(out[1])


def write_extract(path: Path, size: int) -> None:
    """`size` bytes drawn from a 16 MiB random pool at shifting offsets, written 1 MiB at a time."""
    pool = os.urandom(16 * MIB + MIB)
    with path.open("wb") as f:
        for i in range(size // MIB):
            start = (i * 7919 * 4099) % (16 * MIB)
            f.write(pool[start : start + MIB])
        f.flush()
        os.fsync(f.fileno())  # on disk before the clock starts: its writeback is not seal's


def setup(work: Path, env: dict[str, str]) -> tuple[Path, Path]:
    """Platform keys, one registered partner; returns (partner key, platform.pub)."""
    code = """
import sys
from pathlib import Path
from analysis.catalog import Catalog
from analysis.transfer import state
from analysis.transfer.keys import init_partner, read_public
from analysis.transfer.platform import init_platform
from analysis.transfer.registry import Registry
catalog = Catalog.from_env()
init_platform(state.platform_keys(catalog))
key, pub = init_partner("bench", Path(sys.argv[1]))
Registry(state.registry(catalog)).register("bench", read_public(pub)[0], sources=["bench_extract"])
"""
    subprocess.run([sys.executable, "-c", code, str(work / "partner")], env=env, check=True)
    return work / "partner" / "bench.key", work / "var" / "keys" / "platform" / "platform.pub"


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="nocta-transfer-bench-"))
    env = os.environ | {"NOCTA_HOME": str(work / "var")}
    env.pop("NOCTA_KEYS", None)
    try:
        key, bundle = setup(work, env)
        print(f"{'job':<22} {'MiB':>6} {'seconds':>8} {'MB/s':>7} {'peak MiB':>9}")
        failures = []
        for size in SIZES:
            extract = work / f"extract-{size // MIB}.bin"
            write_extract(extract, size)
            package = work / f"extract-{size // MIB}.nocta"
            jobs = (
                ("seal", SEAL, [str(key), str(bundle), str(extract), str(package)]),
                ("open", OPEN, [str(package)]),
            )
            for name, code, args in jobs:
                seconds, peak = measure(code, args, env)
                rate = size / 1e6 / seconds
                row = f"{size // MIB:>6} {seconds:>8.2f} {rate:>7.0f} {peak:>9.0f}"
                print(f"transfer {name:<13} {row}")
                if size == SIZES[-1] and (rate < TARGET_MBS or peak > TARGET_PEAK_MIB):
                    failures.append(name)
            extract.unlink()
            shutil.rmtree(work / "var" / "landing", ignore_errors=True)
        verdict = f"FAIL: {', '.join(failures)}" if failures else "ok"
        print(f"target for 1 GiB: >= {TARGET_MBS} MB/s, < {TARGET_PEAK_MIB} MiB peak: {verdict}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
