"""Romania against the EU, on Eurostat's recorded offences (crim_off_cat), per 100 000.

Like with like only: the same ICCS code, Eurostat's own rates (P_HTHAB) for every country.
Romania's rate is also recomputed by nocta from Eurostat's counts (NR) and INS resident
population on 1 January, and the two are compared: that check is what lets the report put
nocta's own rates next to Eurostat's. On the embedded files 1 January population reproduces
Eurostat to within 0.7 % in every year 2012-2022 (the year-average population is further off,
up to 0.9 %); years before 2012 cannot be checked because the INS file starts in 2012.
Romania's new Criminal Code (in force 1 February 2014) is a break in every series: `period`
says on which side of it a year lies, and changes across it are not trends.
"""

import polars as pl

from analysis.indicators.series import national_population
from analysis.reference.markets import MARKETS

# EU member states as Eurostat writes them (Greece is EL); the UK left before 2020.
EU27 = (
    "BE",
    "BG",
    "CZ",
    "DK",
    "DE",
    "EE",
    "IE",
    "EL",
    "ES",
    "FR",
    "HR",
    "IT",
    "CY",
    "LV",
    "LT",
    "LU",
    "HU",
    "MT",
    "NL",
    "AT",
    "PL",
    "PT",
    "RO",
    "SI",
    "SK",
    "FI",
    "SE",
)
BREAK_YEAR = 2014  # first year under the new Criminal Code and Code of Criminal Procedure
AGREEMENT = 0.03  # nocta vs Eurostat rate: the relative difference accepted


def _period(year: pl.Expr) -> pl.Expr:
    return (
        pl.when(year < BREAK_YEAR)
        .then(pl.lit("înainte de 2014"))
        .otherwise(pl.lit("din 2014 (noul Cod penal)"))
    )


def market_iccs() -> pl.DataFrame:
    """Markets with their Eurostat ICCS code (`ICCS0601`...): several may share one."""
    return pl.DataFrame(
        {"market": [m.code for m in MARKETS], "iccs": [f"ICCS{m.iccs}" for m in MARKETS]}
    )


def _wide(eurostat: pl.LazyFrame | pl.DataFrame) -> pl.DataFrame:
    """geo, iccs, year, count (NR), eurostat_rate (P_HTHAB)."""
    data = eurostat.lazy().select("geo", "iccs", "unit", pl.col("year").cast(pl.Int32), "value")
    counts = data.filter(pl.col("unit") == "NR").drop("unit").rename({"value": "count"})
    rates = data.filter(pl.col("unit") == "P_HTHAB").drop("unit")
    return counts.join(
        rates.rename({"value": "eurostat_rate"}),
        on=["geo", "iccs", "year"],
        how="full",
        coalesce=True,
    ).collect()


def romania_rate_check(
    eurostat: pl.LazyFrame | pl.DataFrame, population: pl.LazyFrame | pl.DataFrame
) -> pl.DataFrame:
    """Romania's rate from Eurostat's count and INS population, against Eurostat's rate.

    Columns: iccs, year, count, population, nocta_rate, eurostat_rate, relative_difference,
    agrees (within AGREEMENT), reason (why a year cannot be compared; null when it can).
    """
    ro = _wide(eurostat).filter(pl.col("geo") == "RO").drop("geo")
    out = ro.join(national_population(population).drop("counties"), on="year", how="left")
    out = out.with_columns(nocta_rate=pl.col("count") / pl.col("population") * 100_000)
    return (
        out.with_columns(
            relative_difference=(pl.col("nocta_rate") / pl.col("eurostat_rate") - 1).abs(),
            reason=pl.when(pl.col("population").is_null())
            .then(pl.lit("no INS population for the year (the INS file starts in 2012)"))
            .when(pl.col("count").is_null() | pl.col("eurostat_rate").is_null())
            .then(pl.lit("Eurostat publishes no count or no rate (':')")),
        )
        .with_columns(
            agrees=pl.when(pl.col("reason").is_null()).then(
                pl.col("relative_difference") <= AGREEMENT
            ),
            period=_period(pl.col("year")),
        )
        .sort("iccs", "year")
        .select(
            "iccs",
            "year",
            "period",
            "count",
            "population",
            "nocta_rate",
            "eurostat_rate",
            "relative_difference",
            "agrees",
            "reason",
        )
    )


def eu_comparison(eurostat: pl.LazyFrame | pl.DataFrame) -> pl.DataFrame:
    """Romania's Eurostat rate against the EU-27 member states', per ICCS code and year.

    Columns: iccs, year, period, romania_rate, eu_median_rate, eu_q1_rate, eu_q3_rate (the
    middle half of the member states), eu_min_rate, eu_max_rate, countries (member states with
    a rate), romania_rank (1 = highest rate), ratio_to_median.
    A year where Romania has no rate is left out.
    """
    eu = _wide(eurostat).filter(pl.col("geo").is_in(EU27) & pl.col("eurostat_rate").is_not_null())
    ranked = eu.with_columns(
        rank=pl.col("eurostat_rate").rank("min", descending=True).over("iccs", "year")
    )
    summary = ranked.group_by("iccs", "year").agg(
        eu_median_rate=pl.col("eurostat_rate").median(),
        eu_q1_rate=pl.col("eurostat_rate").quantile(0.25, interpolation="linear"),
        eu_q3_rate=pl.col("eurostat_rate").quantile(0.75, interpolation="linear"),
        eu_min_rate=pl.col("eurostat_rate").min(),
        eu_max_rate=pl.col("eurostat_rate").max(),
        countries=pl.len().cast(pl.Int64),
    )
    romania = ranked.filter(pl.col("geo") == "RO").select(
        "iccs", "year", romania_rate="eurostat_rate", romania_rank=pl.col("rank").cast(pl.Int64)
    )
    return (
        romania.join(summary, on=["iccs", "year"])
        .with_columns(
            ratio_to_median=pl.when(pl.col("eu_median_rate") > 0).then(
                pl.col("romania_rate") / pl.col("eu_median_rate")
            ),
            period=_period(pl.col("year")),
        )
        .sort("iccs", "year")
        .select(
            "iccs",
            "year",
            "period",
            "romania_rate",
            "eu_median_rate",
            "eu_q1_rate",
            "eu_q3_rate",
            "eu_min_rate",
            "eu_max_rate",
            "countries",
            "romania_rank",
            "ratio_to_median",
        )
    )
