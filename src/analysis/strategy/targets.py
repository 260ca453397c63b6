"""Targets proposed from the forecasts, each with its rule stated, or the authors' override.

For an outcome indicator (a yearly count the strategy wants lower):
- baseline: its value in the last complete year of the run;
- projection without new measures: the stored monthly forecast summed over the last calendar
  year the forecast covers whole, with the sums of the monthly 80 % bounds (wider than an
  annual 80 % interval would be);
- proposed target: by the plan's rule, `lower80` (the projection's lower 80 % bound) or
  `percent_below_projection: p` (p % below the projection), rounded to a whole count;
- a series the forecasts step left out (too sparse to model): the target is the rule's
  percentage (10 % for `lower80`) below the baseline, and the rule says so;
- an author's override replaces the proposal and its reason is printed next to it.
"""

from dataclasses import dataclass

import polars as pl

from analysis.strategy.indicators import forecast_series
from analysis.strategy.plan import IndicatorPlan


@dataclass(frozen=True)
class Target:
    indicator: str
    baseline_year: int | None
    baseline: float | None
    target_year: int | None
    projection: float | None
    proj_lo80: float | None
    proj_hi80: float | None
    proposed: float | None
    target: float | None
    rule_ro: str
    rule_en: str
    override_ro: str | None
    override_en: str | None


def rule_text(rule: str | dict, lang: str) -> str:
    """The rule in words, as printed beside the target."""
    if rule == "lower80":
        return (
            "limita inferioară a intervalului de 80 % al proiecției"
            if lang == "ro"
            else "the projection's lower 80 % bound"
        )
    p = f"{rule['percent_below_projection']:g}".replace(".", "," if lang == "ro" else ".")
    return f"cu {p} % sub proiecție" if lang == "ro" else f"{p} % below the projection"


def projection(forecast: pl.DataFrame, series: str) -> tuple[int, float, float, float] | None:
    """(year, sum of forecasts, of lower, of upper 80 % bounds) over the last calendar year
    the forecast covers whole; None without such a year."""
    rows = forecast.filter(pl.col("series") == series)
    if rows.is_empty():
        return None
    years = (
        rows.group_by(pl.col("month").dt.year().alias("year"))
        .agg(
            pl.col("month").n_unique().alias("months"),
            pl.col("forecast").sum(),
            pl.col("lo80").sum(),
            pl.col("hi80").sum(),
        )
        .filter(pl.col("months") == 12)
        .sort("year")
    )
    if years.is_empty():
        return None
    last = years.row(-1, named=True)
    return int(last["year"]), float(last["forecast"]), float(last["lo80"]), float(last["hi80"])


def horizon_year(forecast: pl.DataFrame) -> int | None:
    """The last calendar year the forecasts cover whole (the other indicators' target year)."""
    years = projection(forecast.with_columns(series=pl.lit("*")), "*")
    return years[0] if years else None


def baseline(
    series: pl.DataFrame, ident: str, last_complete: int | None
) -> tuple[int, float] | None:
    """The indicator's value in the last complete year (or its latest year)."""
    rows = series.filter((pl.col("indicator") == ident) & pl.col("value").is_not_null())
    if last_complete is not None:
        rows = rows.filter(pl.col("year") <= last_complete)
    if rows.is_empty():
        return None
    last = rows.sort("year").row(-1, named=True)
    return int(last["year"]), float(last["value"])


def last_complete_year(forecast: pl.DataFrame) -> int | None:
    """The last year the data cover whole: the year before the forecast's first month (a
    forecast from July follows data up to June, so that year is not complete either)."""
    if forecast.is_empty():
        return None
    first = forecast["month"].min()
    return first.year - 1


def propose(plan: IndicatorPlan, series: pl.DataFrame, forecast: pl.DataFrame) -> Target:
    """Baseline, projection and the target for one indicator."""
    base = baseline(series, plan.id, last_complete_year(forecast))
    proj = projection(forecast, forecast_series(plan.id))
    proposed, proj_year = None, None
    rule_ro, rule_en = rule_text(plan.rule, "ro"), rule_text(plan.rule, "en")
    if proj is None and base is not None:
        proj_year = horizon_year(forecast)
        p = 10 if plan.rule == "lower80" else plan.rule["percent_below_projection"]
        proposed = float(round(base[1] * (1 - p / 100)))
        rule_ro = f"fără prognoză (serie prea rară): cu {p:g} % sub valoarea de referință"
        rule_en = f"no forecast (series too sparse): {p:g} % below the baseline"
    if proj is not None:
        _, mid, lo, _ = proj
        if plan.rule == "lower80":
            proposed = float(round(lo))
        else:
            proposed = float(round(mid * (1 - plan.rule["percent_below_projection"] / 100)))
    over = plan.override
    return Target(
        indicator=plan.id,
        baseline_year=base[0] if base else None,
        baseline=base[1] if base else None,
        target_year=proj[0] if proj else (proj_year if base is not None else None),
        projection=proj[1] if proj else None,
        proj_lo80=proj[2] if proj else None,
        proj_hi80=proj[3] if proj else None,
        proposed=proposed,
        target=over.target if over else proposed,
        rule_ro=rule_ro,
        rule_en=rule_en,
        override_ro=over.reason["ro"] if over else None,
        override_en=over.reason["en"] if over else None,
    )


def targets_frame(targets: list[Target]) -> pl.DataFrame:
    """The targets as the run's `strategy/targets` table."""
    schema = {
        "indicator": pl.String, "baseline_year": pl.Int64, "baseline": pl.Float64,
        "target_year": pl.Int64, "projection": pl.Float64, "proj_lo80": pl.Float64,
        "proj_hi80": pl.Float64, "proposed": pl.Float64, "target": pl.Float64,
        "rule_ro": pl.String, "rule_en": pl.String, "override_ro": pl.String,
        "override_en": pl.String,
    }  # fmt: skip
    return pl.DataFrame([t.__dict__ for t in targets], schema=schema)
