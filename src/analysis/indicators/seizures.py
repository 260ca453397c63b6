"""Seizures at the border: what was seized, where, coming from where and going where, how.

Quantities are only ever added up within one unit (kilograms with kilograms, cigarette sticks
with sticks): a total of "kg + pieces" means nothing, so every table keeps `unit` as a key.
Values are RON as declared by Customs; a seizure without a value adds nothing to `value_ron`
and `valued` says how many seizures the value total rests on.
"""

from collections.abc import Sequence

import polars as pl


def seizure_totals(seizures: pl.LazyFrame | pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """Seizures, quantity and value per `by` and unit (plus `year` if asked for in `by`).

    `seizures` needs seized_on, market, quantity, unit, value_ron and the `by` columns.
    """
    lazy = seizures.lazy().with_columns(year=pl.col("seized_on").dt.year().cast(pl.Int32))
    return (
        lazy.group_by(*by, "unit")
        .agg(
            seizures=pl.len().cast(pl.Int64),
            quantity=pl.col("quantity").sum(),
            value_ron=pl.col("value_ron").sum(),
            valued=pl.col("value_ron").is_not_null().sum().cast(pl.Int64),
        )
        .sort(*by, "unit")
        .collect()
    )


def seizures_by_commodity(seizures: pl.LazyFrame | pl.DataFrame) -> pl.DataFrame:
    """Per market (commodity), unit and year."""
    return seizure_totals(seizures, ["market", "year"])


def seizures_by_route(seizures: pl.LazyFrame | pl.DataFrame) -> pl.DataFrame:
    """Per route (origin -> destination) and market, over the whole period given, busiest
    routes first; `route` is the label a chart shows (`CO → RO`)."""
    out = seizure_totals(seizures, ["origin_country", "destination_country", "market"])
    return out.with_columns(
        route=pl.format("{} → {}", "origin_country", "destination_country")
    ).sort("seizures", "route", descending=[True, False])


def seizures_by_border_point(seizures: pl.LazyFrame | pl.DataFrame) -> pl.DataFrame:
    """Per border point (with its county), market and unit, busiest first."""
    out = seizure_totals(seizures, ["border_point", "county", "market"])
    return out.sort("seizures", "border_point", descending=[True, False])


def seizures_by_transport_mode(seizures: pl.LazyFrame | pl.DataFrame) -> pl.DataFrame:
    """Per transport mode, market and unit."""
    return seizure_totals(seizures, ["transport_mode", "market"])
