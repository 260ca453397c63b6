"""`make bench` rows for the sealed transfer: seal and open throughput (MB/s) and peak memory,
and what the partners' feedback adds to the intake.

A file of random-looking bytes (written in chunks, never held in memory) is sealed into a
package and opened into landing, each in its own process so its peak resident memory (max RSS)
is its own. Two sizes show that memory stays flat (streaming) whatever the file size; the
target is at least 100 MB/s and under 200 MiB peak for 1 GiB.

Feedback: a scale-1 police extract with 1% defects is sealed and taken in by `nocta transfer
receive` (open, ingest, feedback); then, in its own process, the feedback of that very package
(read the masked reasons.csv, sign, seal to the partner, write, append the quality record) is
made again and timed alone. Its share of the intake must stay under 10%.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

MIB = 1 << 20
FEEDBACK_TARGET = 0.10  # feedback adds under 10% to `receive`
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


# the feedback of the one package `receive` took in, made again and timed alone (seconds)
FEEDBACK = """
import json, sys, time
from analysis.catalog import Catalog
from analysis.transfer import state
from analysis.transfer.feedback import FileResult, answer
from analysis.transfer.open import Outcome
catalog = Catalog.from_env()
[receipt] = (state.receipts(catalog) / "police").glob("*.receipt.json")
body = json.loads(receipt.read_text())["receipt"]
[found] = (catalog.curated / "police_cases").glob("*/_manifest.json")
snap = json.loads(found.read_text())
reasons = catalog.quarantine / "police_cases" / snap["snapshot_id"] / "reasons.csv"
t = time.perf_counter()
outcome = Outcome(package=receipt, accepted=True, transfer_id=body["transfer_id"],
    partner="police", sender_key_id=body["sender_key_id"], sequence=body["sequence"],
    source="police_cases")
files = [FileResult("police_cases.csv", "published", snap["rows_read"], snap["rows_accepted"],
    snap["rows_quarantined"], snap["reasons"], reasons)]
answer(catalog, outcome, files)
print(time.perf_counter() - t)
"""


RECEIVE = """
import sys
from analysis.cli import main
sys.argv = ["nocta", "transfer", "receive"]
main()
"""


def feedback_rows(work: Path) -> bool:
    """`receive` of a scale-1 police package with 1% defects, and its feedback's share."""
    env = os.environ | {"NOCTA_HOME": str(work / "fb")}
    env.pop("NOCTA_KEYS", None)
    nocta = str(Path(sys.executable).with_name("nocta"))

    def run(*args: object) -> str:
        done = subprocess.run([nocta, *map(str, args)], env=env, check=True, capture_output=True)
        return done.stdout.decode()

    extracts, partner, inbox = work / "synth", work / "police", work / "fb" / "inbox"
    run("synth", "--out", extracts, "--scale", "1", "--defects", "0.01")
    bundle = Path(run("keys", "init", "--platform").strip())
    run("keys", "init", "--pseudonym")
    run("keys", "init", "--partner", "police", "--out", partner)
    run("keys", "register", "--partner", "police", "--source", "police_cases",
        partner / "police.pub")  # fmt: skip
    inbox.mkdir(parents=True)
    run("transfer", "seal", "--partner", "police", "--key", partner / "police.key", "--to",
        bundle, "--source", "police_cases", "--out", inbox / "police.nocta",
        extracts / "police_cases.csv")  # fmt: skip
    seconds, peak = measure(RECEIVE, [], env)
    alone = subprocess.run(
        [sys.executable, "-c", FEEDBACK], env=env, check=True, capture_output=True, text=True
    )
    feedback = float(alone.stdout.split()[-1])
    share = feedback / (seconds - feedback)
    verdict = "ok" if share < FEEDBACK_TARGET else "FAIL"
    print(f"transfer receive, police scale 1, 1% defects: {seconds:.2f} s, peak {peak:.0f} MiB")
    print(
        f"  of which feedback {feedback:.2f} s: +{share:.1%} of the rest "
        f"(target < {FEEDBACK_TARGET:.0%}): {verdict}"
    )
    return share < FEEDBACK_TARGET


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
        feedback_rows(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
