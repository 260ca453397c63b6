"""`make bench` rows for the analysis: every national indicator, and every forecast with its
backtest, on synthetic data at national scale (1).

Seconds depend on the machine and on what else runs, so the indicators are also given as a
ratio to a bare polars scan of the same snapshots measured in the same run, and the forecasts
as series per second and CPU-seconds per wall second (goal: at least 1.7 on two cores, the
two worker processes kept busy; and at most 1.5 x the 102 s the backtest took at scale 1
before the choice of model was nested in it). Each job runs in its own process (its peak
memory is its own), on a data root built once here: synthetic extracts at scale 1, ingested
as the pipeline would. `python bench/analysis_bench.py 1 forecasts` measures the forecast row
alone.
"""

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import measure as measure_command  # noqa: E402  (the probe every bench row uses)

SOURCES = ("police_cases", "customs_seizures", "prosecution_cases", "court_decisions",
           "population", "eurostat_crime")  # fmt: skip
JOB = (
    "import sys; sys.path.insert(0, {here!r}); import analysis_bench; "
    "analysis_bench.{job}(sys.argv[1])"
)


def bare_scan(home: str) -> None:
    """The reference: read every snapshot the indicators read, and nothing else."""
    import polars as pl

    from analysis.catalog import Catalog

    catalog = Catalog(Path(home))
    for source in SOURCES:
        pl.scan_parquet(catalog.snapshot_data(source)).collect()


def national_indicators(home: str) -> None:
    """Every national indicator of the indicators notebook, without charts."""
    import datetime as dt

    import polars as pl

    from analysis.catalog import Catalog
    from analysis.indicators import eu, justice, seizures
    from analysis.indicators.markets import county_market_rates, market_rates
    from analysis.indicators.rates import case_rates
    from analysis.indicators.series import monthly_counts, national_population
    from analysis.indicators.trends import annual_change_exact, year_on_year

    catalog = Catalog(Path(home))
    s = {source: pl.scan_parquet(catalog.snapshot_data(source)) for source in SOURCES}
    police, population = s["police_cases"], s["population"]
    case_rates(police, population)
    market_rates(police, population)
    annual_change_exact(county_market_rates(police, population), ["county", "market"])
    monthly = monthly_counts(police, "registered_on", ["market"], dt.date(2015, 1, 1),
                             dt.date(2025, 12, 31))  # fmt: skip
    year_on_year(monthly, national_population(population), ["market"])
    seizures.seizures_by_commodity(s["customs_seizures"])
    seizures.seizures_by_route(s["customs_seizures"])
    seizures.seizures_by_border_point(s["customs_seizures"])
    seizures.seizures_by_transport_mode(s["customs_seizures"])
    justice.justice_funnel(police, s["prosecution_cases"], s["court_decisions"])
    justice.stage_durations(police, s["prosecution_cases"], s["court_decisions"])
    justice.asset_recovery(s["prosecution_cases"], s["court_decisions"])
    eu.romania_rate_check(s["eurostat_crime"], population)
    eu.eu_comparison(s["eurostat_crime"])


def all_forecasts(home: str) -> None:
    """National market series and every market x county series, backtests included, on two
    worker processes; writes how many series were fitted next to the data root."""
    import datetime as dt

    import polars as pl

    from analysis.catalog import Catalog
    from analysis.forecast import forecast_series
    from analysis.indicators.series import monthly_counts

    catalog = Catalog(Path(home))
    police = pl.scan_parquet(catalog.snapshot_data("police_cases"))
    span = (dt.date(2015, 1, 1), dt.date(2025, 12, 31))
    fitted = 0
    for by in (["market"], ["market", "county"]):
        result = forecast_series(monthly_counts(police, "registered_on", by, *span), by)
        fitted += int(result.selection["skipped"].is_null().sum())
    (Path(home).parent / "forecasts.json").write_text(json.dumps({"fitted": fitted}))


def measure(job: str, home: Path) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of one job in a child process."""
    seconds, peak, _ = measure_cpu(job, home)
    return seconds, peak


def measure_cpu(job: str, home: Path) -> tuple[float, float, float]:
    """Wall seconds, peak MiB and CPU seconds (the job and every process it started)."""
    code = JOB.format(here=str(HERE), job=job)
    env = os.environ | {"OPENBLAS_NUM_THREADS": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds, peak = measure_command([sys.executable, "-c", code, str(home)], env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, peak, cpu


def forecast_row(home: Path, work: Path) -> None:
    seconds, peak, cpu = measure_cpu("all_forecasts", home)
    fitted = json.loads((work / "forecasts.json").read_text())["fitted"]
    rate = f"{fitted / seconds:5.1f} series/s ({fitted} series fitted), "
    rate += f"{cpu / seconds:4.2f} CPU-s per wall s"
    print(f"{'forecasts + backtests, national + county':<40} {seconds:8.1f} {peak:9.0f}  {rate}")


def build_root(work: Path, scale: float) -> Path:
    """Synthetic extracts at `scale`, ingested into a fresh data root."""
    from analysis.catalog import Catalog
    from analysis.ingest.pseudonymise import create_key
    from analysis.ingest.run import ingest_file
    from analysis.synth import FILES, generate

    catalog = Catalog(work / "var")
    create_key(catalog.keys)
    extracts = work / "extracts"
    generate(extracts, seed=0, scale=scale, progress=False)
    for source in SOURCES:
        ingest_file(catalog, source, extracts / FILES[source])
    return catalog.home


def main(scale: float = 1.0, only: str = "") -> None:
    work = Path(tempfile.mkdtemp(prefix="nocta-analysis-bench-"))
    clock = time.perf_counter()
    home = build_root(work, scale)
    print(f"(data root at scale {scale} built in {time.perf_counter() - clock:.0f} s: {home})")
    print(f"{'job':<40} {'seconds':>8} {'peak MiB':>9}  rate")
    if only == "forecasts":
        forecast_row(home, work)
        print(f"(data in {work}; remove it when done)")
        return
    bare, peak = measure("bare_scan", home)
    print(f"{'bare polars scan of the snapshots':<40} {bare:8.1f} {peak:9.0f}", flush=True)
    seconds, peak = measure("national_indicators", home)
    ratio = f"{seconds / bare:5.1f}x the time of the bare scan"
    print(f"{f'national indicators, scale {scale:g}':<40} {seconds:8.1f} {peak:9.0f}  {ratio}")
    forecast_row(home, work)
    print(f"(data in {work}; remove it when done)")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0, *sys.argv[2:3])
