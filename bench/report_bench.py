"""`make bench` rows for the report builds: each document × edition × language (HTML and PDF)
and the whole set, over the demo run (a fresh `nocta demo --scale 0.01` data root, or the one
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
    for document in DOCUMENTS:
        for edition in EDITIONS:
            for lang in LANGS:
                t = time.perf_counter()
                build_one(catalog, run, BuildSpec(document, edition, lang))
                name = f"report {document} {edition} {lang} (HTML+PDF)"
                print(f"{name:<40} {time.perf_counter() - t:>8.2f}")
    n = len(DOCUMENTS) * len(EDITIONS) * len(LANGS)
    print(f"{f'report build all ({n} builds)':<40} {time.perf_counter() - total:>8.2f}")


if __name__ == "__main__":
    main()
