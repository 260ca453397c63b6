"""Every forecast number the NOCTA prints is the stored forecast's, and every claim about the
backtest is what a recomputation from the stored backtest says.

The run is built from planted series, fitted by the real forecast code: a trending seasonal
market (the models beat the naive forecast), a seasonal random walk (the naive forecast wins,
and the text must say the forecast does not beat it) and a sparse market (no forecast, and the
reason printed). The restricted NOCTA is built in both languages (Pandoc, Typst) and read back.
"""

import datetime as dt
import html
import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from analysis.catalog import Catalog
from analysis.forecast import forecast_series
from analysis.indicators.series import month_grid
from analysis.report.build import BuildSpec, build_one
from analysis.report.formatting import num as _num
from analysis.results import write_results

RUN_ID = "20990102T000000Z"
MONTHS = month_grid(dt.date(2015, 1, 1), dt.date(2025, 12, 1))
SEASON = np.array([0.86, 0.91, 1.00, 1.02, 1.05, 1.06, 1.08, 1.04, 1.04, 1.03, 0.99, 0.92])
TREND, WALK, SPARSE = "drugs_cocaine", "firearms", "extortion"


def _planted() -> pl.DataFrame:
    rng = np.random.default_rng(11)
    moy = MONTHS.dt.month().to_numpy()
    trend = rng.poisson(40 * SEASON[moy - 1] * np.exp(0.08 * np.arange(132) / 12))
    walk = np.round(200 + np.cumsum(rng.normal(0, 8, (11, 12)), axis=0).ravel())
    sparse = rng.poisson(8, 132) * (rng.random(132) < 0.5)
    series = {TREND: trend, WALK: walk, SPARSE: sparse}
    return pl.concat(
        pl.DataFrame({"market": k, "month": MONTHS, "cases": v.astype(float)})
        for k, v in series.items()
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    home = tmp_path_factory.mktemp("citations")
    run = home / "results" / RUN_ID
    markets = _planted()
    total = markets.group_by("month").agg(pl.col("cases").sum())
    series = pl.concat(
        [markets, total.with_columns(market=pl.lit("total")).select(markets.columns)]
    )
    fc = forecast_series(series, ["market"], workers=0, total=total)
    write_results(
        run / "forecasts",
        {"forecasts_national": fc.forecasts, "forecast_selection": fc.selection,
         "forecast_backtest": fc.backtest, "forecast_accuracy": fc.accuracy},
        {},
        {"horizon_months": 24, "last_month": "2025-12-01"},
    )  # fmt: skip
    for market in (TREND, WALK, SPARSE):
        write_results(run / "market_profile" / market, {}, {}, {"latest_year": 2025})
    record = {
        "run_id": RUN_ID,
        "started": "2099-01-02T00:00:00+00:00",
        "finished": "2099-01-02T00:05:00+00:00",
        "nocta_version": "test",
        "git": {"commit": "0123456789abcdef0123", "dirty": False},
        "parameters": {"edition": "2099", "year_from": 2015, "year_to": 2025},
        "notebooks": ["forecasts", "market_profile"],
        "snapshots": {},
    }
    (run / "run.json").write_text(json.dumps(record), encoding="utf-8")
    catalog = Catalog(home)
    texts = {}
    for lang in ("ro", "en"):
        folder = build_one(catalog, run, BuildSpec("nocta", "restricted", lang))
        texts[lang] = _text(folder / "nocta.html")
    return run / "forecasts", texts


def num(value: float, decimals: int, lang: str = "ro") -> str:
    """A number as the page shows it once its text is read back (spaces made plain)."""
    return _num(value, decimals, lang).replace("\u202f", " ")


def _text(page: Path) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"[\s\u202f\u00a0]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def _stored(folder: Path):
    forecasts = pl.read_parquet(folder / "forecasts_national.parquet")
    backtest = pl.read_parquet(folder / "forecast_backtest.parquet")
    selection = pl.read_parquet(folder / "forecast_selection.parquet")
    return forecasts, backtest, selection


def _next_year(forecasts: pl.DataFrame, market: str) -> float:
    return forecasts.filter(pl.col("market") == market).sort("month").head(12)["forecast"].sum()


def _recomputed(backtest: pl.DataFrame, market: str, band: str = "1-12") -> tuple[float, float]:
    """Mean MASE of the nested choice, and of the naive forecast on the same origins."""
    rows = backtest.filter((pl.col("market") == market) & (pl.col("band") == band))
    chosen = rows.filter(pl.col("selected"))
    naive = rows.filter(
        (pl.col("model") == "seasonal_naive") & pl.col("origin").is_in(chosen["origin"].implode())
    )
    return chosen["mase"].mean(), naive["mase"].mean()


def test_the_twelve_month_totals_printed_are_the_stored_forecast(built):
    folder, texts = built
    forecasts, _, _ = _stored(folder)
    for lang, words in (("ro", "dosare estimate pentru următoarele 12 luni"),
                        ("en", "cases expected in the next 12 months")):  # fmt: skip
        # Romanian puts "de" between a number from 20 up and its noun
        printed = re.findall(rf"(\d[\d ,.]*?) (?:de )?{words}", texts[lang])
        expected = [num(_next_year(forecasts, m), 0, lang) for m in (TREND, WALK)]
        assert sorted(p.strip() for p in printed) == sorted(expected), printed
    total = num(_next_year(forecasts, "total"), 0)
    assert f"Pentru următoarele 12 luni, modelul estimează {total} dosare" in texts["ro"]
    assert f"Prognoza pentru următoarele 12 luni estimează {total}" in texts["ro"]
    assert f"the model expects {num(_next_year(forecasts, 'total'), 0, 'en')}" in texts["en"]


def test_the_verdicts_against_the_naive_forecast_are_the_backtest_s(built):
    folder, texts = built
    _, backtest, _ = _stored(folder)
    trend, trend_naive = _recomputed(backtest, TREND)
    walk, walk_naive = _recomputed(backtest, WALK)
    assert trend < trend_naive and not walk < walk_naive  # what was planted
    ro = texts["ro"]
    assert (
        f"prognoza a greșit mai puțin decât prognoza naivă sezonieră (MASE la 1-12 luni "
        f"{num(trend, 2)}, față de {num(trend_naive, 2)})" in ro
    )
    assert (
        "prognoza nu a greșit mai puțin decât prognoza naivă "
        f"sezonieră (MASE la 1-12 luni {num(walk, 2)}, față de {num(walk_naive, 2)})" in ro
    )
    en = texts["en"]
    assert (
        f"did not err less than the seasonal naive forecast (MASE 1-12 months ahead "
        f"{num(walk, 2, 'en')}, against {num(walk_naive, 2, 'en')})" in en
    )
    total, total_naive = _recomputed(backtest, "total")
    late, late_naive = _recomputed(backtest, "total", "13-24")
    assert (
        f"la 1-12 luni este {num(total, 2)}, față de {num(total_naive, 2)} pentru prognoza "
        "naivă sezonieră" in ro
    )
    assert f"La 13-24 de luni: {num(late, 2)} față de {num(late_naive, 2)}" in ro
    verdict = "a greșit mai puțin" if total < total_naive else "nu a greșit mai puțin"
    assert (
        f"dosare înregistrate; în testul retrospectiv, prognoza {verdict} decât prognoza naivă "
        "sezonieră (capitolul" in ro
    )  # the summary's finding
    # the side-by-side table: the procedure and the naive forecast on the same origins
    origins = backtest.filter(
        (pl.col("market") == "total") & (pl.col("band") == "1-12") & pl.col("selected")
    ).height
    assert f"1-12 selected {origins} {num(total, 2, 'en')}" in en
    assert f"1-12 seasonal_naive {origins} {num(total_naive, 2, 'en')}" in en


def test_a_sparse_market_gets_no_forecast_and_the_reason(built):
    folder, texts = built
    forecasts, _, selection = _stored(folder)
    assert forecasts.filter(pl.col("market") == SPARSE).is_empty()
    reason = selection.filter(pl.col("market") == SPARSE)["skipped"].item()
    assert reason.startswith("serie prea rară")
    assert f"Piața nu este prognozată: {reason}." in texts["ro"]
