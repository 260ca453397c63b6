"""Registered cases per 100 000 inhabitants by market, nationally and by county, per year.

The same exact Poisson limits as `rates.case_rates`, so a county's cocaine rate and its overall
rate are read the same way. Every market of the reference list appears in every year that has
cases, with zero where it had none: a market without cases in a county is a finding too.
A county-year (or year) with cases but no INS population is kept with a null rate, for
`rates.missing_population` to report; it is never dropped or filled.
"""

import polars as pl

from analysis.indicators.rates import PER, poisson_limits
from analysis.indicators.series import national_population
from analysis.reference.markets import MARKETS

RATE_COLUMNS = ("cases", "population", "rate", "rate_low", "rate_high")


def _with_rates(frame: pl.DataFrame) -> pl.DataFrame:
    low, high = poisson_limits(frame["cases"])
    scale = PER / frame["population"]
    return frame.with_columns(
        rate=frame["cases"] * scale, rate_low=low * scale, rate_high=high * scale
    )


def _annual(cases: pl.LazyFrame | pl.DataFrame, by: list[str]) -> pl.DataFrame:
    return (
        cases.lazy()
        .group_by(*by, year=pl.col("registered_on").dt.year().cast(pl.Int32))
        .agg(cases=pl.len().cast(pl.Int64))
        .collect()
    )


def _markets() -> pl.DataFrame:
    return pl.DataFrame({"market": [m.code for m in MARKETS]})


def market_rates(
    cases: pl.LazyFrame | pl.DataFrame, population: pl.LazyFrame | pl.DataFrame
) -> pl.DataFrame:
    """Romania: cases per 100 000 by market and year (columns market, year, RATE_COLUMNS).

    `cases` needs `registered_on` and `market`; `population` county, year, population.
    """
    counts = _annual(cases, ["market"])
    years = counts.select("year").unique()
    grid = (
        _markets()
        .join(years, how="cross")
        .join(national_population(population), on="year", how="left")
    )
    out = (
        grid.join(counts, on=["market", "year"], how="full", coalesce=True)
        .with_columns(pl.col("cases").fill_null(0))
        .sort("market", "year")
    )
    return _with_rates(out).select("market", "year", *RATE_COLUMNS)


def county_market_rates(
    cases: pl.LazyFrame | pl.DataFrame, population: pl.LazyFrame | pl.DataFrame
) -> pl.DataFrame:
    """Cases per 100 000 by county, market and year (columns county, market, year, RATE_COLUMNS).

    Every county with population in a year with cases appears for every market.
    """
    counts = _annual(cases, ["county", "market"])
    years = counts.select("year").unique()
    pop = (
        population.lazy()
        .select("county", pl.col("year").cast(pl.Int32), "population")
        .collect()
        .join(years, on="year", how="semi")
    )
    grid = pop.join(_markets(), how="cross")
    out = (
        grid.join(counts, on=["county", "market", "year"], how="full", coalesce=True)
        .with_columns(pl.col("cases").fill_null(0))
        .sort("county", "market", "year")
    )
    return _with_rates(out).select("county", "market", "year", *RATE_COLUMNS)
