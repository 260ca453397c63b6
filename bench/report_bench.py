"""`make bench` rows for the report builds: each document × edition × language (HTML and PDF),
built for real (force: no cached build is reused), and the whole set; then what the publication
boundary costs in it: deriving the public view afresh and scanning the public editions, as a
share of the whole set. Over the demo run (a fresh `nocta demo --scale 0.01` data root, or the one
in NOCTA_BENCH_HOME when it already has results/current).

Run: python -c "import sys; sys.path.insert(0, 'bench'); import report_bench; report_bench.main()"
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def demo_home() -> Path:
    given = os.environ.get("NOCTA_BENCH_HOME")
    if given and (Path(given) / "results" / "current" / "run.json").exists():
        return Path(given)
    home = Path(tempfile.mkdtemp(prefix="nocta-report-bench-")) / "var"
    env = os.environ | {"NOCTA_HOME": str(home)}
    env.pop("NOCTA_KEYS", None)
    subprocess.run(
        [str(BIN / "nocta"), "demo", "--scale", "0.01"], env=env, check=True, capture_output=True
    )
    return home


def main() -> None:
    from analysis.catalog import Catalog
    from analysis.report.build import DOCUMENTS, EDITIONS, LANGS, BuildSpec, build_one, vega_bundle

    home = demo_home()
    catalog = Catalog(home)
    run = (catalog.current_results).resolve()
    t = time.perf_counter()
    vega_bundle()
    print(f"{'report job':<40} {'seconds':>8}")
    print(f"{'vega-embed bundle (once per process)':<40} {time.perf_counter() - t:>8.2f}")
    total = time.perf_counter()
    built = []
    for document in DOCUMENTS:
        for edition in EDITIONS:
            for lang in LANGS:
                t = time.perf_counter()
                built.append(
                    build_one(catalog, run, BuildSpec(document, edition, lang), force=True)
                )
                name = f"report {document} {edition} {lang} (HTML+PDF)"
                print(f"{name:<40} {time.perf_counter() - t:>8.2f}")
    n = len(DOCUMENTS) * len(EDITIONS) * len(LANGS)
    whole = time.perf_counter() - total
    print(f"{f'report build all ({n} builds)':<40} {whole:>8.2f}")
    boundary = publication_rows(run, [f for f in built if f.parts[-2] == "public"])
    print(f"{'publication boundary / whole build':<40} {boundary / whole:>8.1%}")


def publication_rows(run: Path, public: list[Path]) -> float:
    """Seconds of a fresh public view and of the scan of every public edition (both real work:
    the view is derived into an empty folder, the scan reads every file)."""
    from analysis.disclosure import DEFAULT_THRESHOLD
    from analysis.publication import view
    from analysis.publication.scan import scan

    with tempfile.TemporaryDirectory() as scratch:
        t = time.perf_counter()
        view.derive(run, Path(scratch), DEFAULT_THRESHOLD)
        derived = time.perf_counter() - t
    print(f"{'public view, derived afresh':<40} {derived:>8.2f}")
    t = time.perf_counter()
    for folder in public:
        scan(folder, DEFAULT_THRESHOLD)
    scanned = time.perf_counter() - t
    print(f"{f'outsider scan of {len(public)} public editions':<40} {scanned:>8.2f}")
    return derived + scanned


if __name__ == "__main__":
    main()
