"""Rates of registered organised-crime cases per 100 000 inhabitants, by county and year.

Denominators are INS resident population on 1 January; a county-year with cases but no
population is an error, not a gap filled silently (see `missing_population`). Intervals are the
exact (Garwood) Poisson 95 % limits, so small counties are not ranked on noise.
"""

import polars as pl
from scipy.stats import chi2

PER = 100_000
ALPHA = 0.05


def poisson_limits(counts: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Exact 95 % confidence limits of Poisson counts: chi2(a/2, 2x)/2 and chi2(1-a/2, 2x+2)/2."""
    x = counts.to_numpy().astype(float)
    low = chi2.ppf(ALPHA / 2, 2 * x) / 2
    low[x == 0] = 0.0
    high = chi2.ppf(1 - ALPHA / 2, 2 * x + 2) / 2
    return pl.Series(low), pl.Series(high)


def case_rates(cases: pl.LazyFrame, population: pl.LazyFrame) -> pl.DataFrame:
    """Cases per 100 000 by county and year, with exact 95 % limits.

    `cases` needs `county` and `registered_on` (date); `population` needs `county`, `year`,
    `population`. Every county with population in a year that has cases appears, with 0 cases
    where it had none, since a county without cases still has a rate.
    """
    counts = (
        cases.with_columns(year=pl.col("registered_on").dt.year().cast(pl.Int32))
        .group_by("county", "year")
        .agg(cases=pl.len().cast(pl.Int64))
    )
    years = counts.select("year").unique()
    grid = population.with_columns(pl.col("year").cast(pl.Int32)).join(years, on="year", how="semi")
    rates = (
        grid.join(counts, on=["county", "year"], how="full", coalesce=True)
        .with_columns(pl.col("cases").fill_null(0))
        .sort("year", "county")
        .collect()
    )
    low, high = poisson_limits(rates["cases"])
    scale = PER / rates["population"]
    return rates.with_columns(
        rate=rates["cases"] * scale, rate_low=low * scale, rate_high=high * scale
    ).select("county", "year", "cases", "population", "rate", "rate_low", "rate_high")


def missing_population(rates: pl.DataFrame) -> pl.DataFrame:
    """County-years that have cases but no population: the caller must stop, not publish."""
    return rates.filter(pl.col("population").is_null()).select("county", "year", "cases")


def national_rates(rates: pl.DataFrame) -> pl.DataFrame:
    """Romania as a whole, per year, from the county rows."""
    return (
        rates.group_by("year")
        .agg(pl.col("cases").sum(), pl.col("population").sum())
        .with_columns(rate=pl.col("cases") / pl.col("population") * PER)
        .sort("year")
    )
