"""The strategy's outcome indicators as the run measures them: yearly series and projections.

Pure over frames: the caller reads the run's tables (`series_tables`, `read_forecast`) and
passes them in, so the rules can be tested on hand-made frames. `read_forecast` is the one
place that knows the forecast table's name and columns: when the forecasts step renames
them, only that function changes.
"""

from pathlib import Path

import polars as pl

from analysis.results import Results
from analysis.strategy.plan import MARKET_PREFIX, NATIONAL

FORECAST_STEP, FORECAST_TABLE = "forecasts", "forecasts_national"
TOTAL_MARKET = "total"  # the forecasts' national series of every market together


def read_forecast(run_folder: Path) -> pl.DataFrame:
    """The stored monthly forecasts as (series, month, forecast, lo80, hi80); empty if none.

    `series` is the market code, or "total" for every market together."""
    try:
        frame = Results(run_folder / FORECAST_STEP).table(FORECAST_TABLE)
    except LookupError:
        return pl.DataFrame(
            schema={"series": pl.String, "month": pl.Date, "forecast": pl.Float64,
                    "lo80": pl.Float64, "hi80": pl.Float64}
        )  # fmt: skip
    return frame.select(
        pl.col("market").alias("series"),
        pl.col("month").cast(pl.Date),
        *(pl.col(c).cast(pl.Float64) for c in ("forecast", "lo80", "hi80")),
    )


def forecast_series(ident: str) -> str:
    """The forecast series an indicator is projected with."""
    return TOTAL_MARKET if ident == NATIONAL else ident.removeprefix(MARKET_PREFIX)


def read_series(run_folder: Path) -> pl.DataFrame:
    """Every indicator's yearly values in the run as (indicator, year, value)."""
    parts = []
    try:
        national = Results(run_folder / "case_rates").table("case_rates_national")
        parts.append(
            national.select(
                pl.lit(NATIONAL).alias("indicator"),
                pl.col("year").cast(pl.Int64),
                pl.col("cases").cast(pl.Float64).alias("value"),
            )
        )
    except LookupError:
        pass
    try:
        markets = Results(run_folder / "indicators").table("market_rates")
        parts.append(
            markets.select(
                (pl.lit(MARKET_PREFIX) + pl.col("market")).alias("indicator"),
                pl.col("year").cast(pl.Int64),
                pl.col("cases").cast(pl.Float64).alias("value"),
            )
        )
    except LookupError:
        pass
    if not parts:
        return pl.DataFrame(schema={"indicator": pl.String, "year": pl.Int64, "value": pl.Float64})
    return pl.concat(parts).sort("indicator", "year")
