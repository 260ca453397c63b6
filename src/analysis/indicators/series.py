"""Monthly counts on a complete calendar: the input of trend tests and forecasts.

A month without a case is a zero, not a missing row; a model fitted on the months that happen
to have cases would see a busier market than there is. Months are the first day of the month
(`pl.Date`), so series from different sources join without parsing.
"""

import datetime as dt
from collections.abc import Sequence

import polars as pl


def month_grid(start: dt.date, end: dt.date) -> pl.Series:
    """First days of every month from `start`'s month to `end`'s, inclusive."""
    first = dt.date(start.year, start.month, 1)
    return pl.date_range(first, end, interval="1mo", eager=True).alias("month")


def monthly_counts(
    events: pl.LazyFrame | pl.DataFrame,
    date: str,
    by: Sequence[str],
    start: dt.date,
    end: dt.date,
    keys: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Events per month for each series (`by` columns), zeros included, sorted.

    The series are the combinations of `by` found in the events, or `keys` when given (to list
    a market or county that had no event at all). Events outside start..end are left out.
    """
    lazy = events.lazy()
    counts = (
        lazy.filter(pl.col(date).is_between(start, end))
        .group_by(*by, month=pl.col(date).dt.truncate("1mo"))
        .agg(cases=pl.len().cast(pl.Int64))
        .collect()
    )
    series = keys.select(by) if keys is not None else counts.select(by).unique()
    grid = series.join(month_grid(start, end).to_frame(), how="cross")
    return (
        grid.join(counts, on=[*by, "month"], how="left")
        .with_columns(pl.col("cases").fill_null(0))
        .sort(*by, "month")
    )


def national_population(population: pl.LazyFrame | pl.DataFrame) -> pl.DataFrame:
    """Romania's population per year: the sum of the counties' (INS counts every resident in
    exactly one county, so the sum is the national figure INS publishes)."""
    return (
        population.lazy()
        .group_by(pl.col("year").cast(pl.Int32))
        .agg(population=pl.col("population").sum(), counties=pl.len())
        .sort("year")
        .collect()
    )
