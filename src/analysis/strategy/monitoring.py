"""The monitoring record: each refresh sets every indicator's latest value against its target.

Status rule (stated in the strategy's M&E chapter and on the portal): the expected value in a
year lies on the straight line from the baseline (baseline year) to the target (target
year); the indicator is *on track* when its latest value is at or below the expected value,
*at risk* when it is above it by no more than the plan's margin (`at_risk_margin_pct` of the
expected value), *off track* beyond that. Baseline and target are fixed by the first refresh
that recorded the indicator (an adopted strategy's targets do not move with each forecast),
unless the authors override the target.

Written per run into `results/<run>/strategy/`: `targets` (this run's proposals),
`objectives`, `monitoring` (one row per indicator), `monitoring_history` (what each refresh
recorded, carried over from the previous run) and `monitoring_series` (the yearly values).
"""

from pathlib import Path

import polars as pl

from analysis.results import Results, write_results
from analysis.strategy import objectives as objectives_mod
from analysis.strategy.indicators import read_forecast, read_series
from analysis.strategy.plan import Plan, PlanError, load_plan
from analysis.strategy.targets import propose, targets_frame

STEP = "strategy"
ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA = "on_track", "at_risk", "off_track", "no_data"


def expected(year: int, base_year: int, base: float, target_year: int, target: float) -> float:
    """The value on the straight path from the baseline to the target in `year`."""
    if year <= base_year or target_year <= base_year:
        return base if year <= base_year else target
    share = min(1.0, (year - base_year) / (target_year - base_year))
    return base + (target - base) * share


def status(latest: float | None, expect: float | None, margin_pct: float) -> str:
    """on_track / at_risk / off_track for an indicator the strategy wants lower."""
    if latest is None or expect is None:
        return NO_DATA
    if latest <= expect:
        return ON_TRACK
    if latest <= expect * (1 + margin_pct / 100):
        return AT_RISK
    return OFF_TRACK


HISTORY_SCHEMA = {
    "indicator": pl.String, "year": pl.Int64, "value": pl.Float64, "run_id": pl.String,
    "baseline_year": pl.Int64, "baseline": pl.Float64, "target_year": pl.Int64,
    "target": pl.Float64,
}  # fmt: skip


def monitor(
    plan: Plan,
    priorities: pl.DataFrame,
    series: pl.DataFrame,
    forecast: pl.DataFrame,
    previous: pl.DataFrame | None,
    run_id: str,
) -> dict[str, pl.DataFrame]:
    """The strategy's tables for one run (pure: frames in, frames out)."""
    objectives = objectives_mod.derive(priorities, plan)
    indicators = objectives_mod.outcome_indicators(objectives, plan)
    proposals = [propose(plan.indicator(i), series, forecast) for i in indicators]
    previous = previous if previous is not None else pl.DataFrame(schema=HISTORY_SCHEMA)
    objective_of = {o.indicator: o.code for o in objectives}
    rows, new_history = [], []
    for t in proposals:
        first = previous.filter(pl.col("indicator") == t.indicator).sort("run_id").head(1)
        if first.height and first["baseline"][0] is not None:
            base_year, base = first["baseline_year"][0], first["baseline"][0]
            target_year, target = first["target_year"][0], first["target"][0]
        else:
            base_year, base, target_year, target = (
                t.baseline_year,
                t.baseline,
                t.target_year,
                t.target,
            )
        over = plan.indicator(t.indicator).override
        if over is not None:
            target = over.target
        values = series.filter(
            (pl.col("indicator") == t.indicator) & pl.col("value").is_not_null()
        ).sort("year")
        latest_year = int(values["year"][-1]) if values.height else None
        latest = float(values["value"][-1]) if values.height else None
        expect = (
            expected(latest_year, base_year, base, target_year, target)
            if None not in (latest_year, base_year, base, target_year, target)
            else None
        )
        rows.append(
            {
                "objective": objective_of.get(t.indicator, "OG"),
                "indicator": t.indicator, "baseline_year": base_year, "baseline": base,
                "target_year": target_year, "target": target, "latest_year": latest_year,
                "latest": latest, "expected": expect,
                "status": status(latest, expect, plan.at_risk_margin_pct),
            }
        )  # fmt: skip
        if latest_year is not None:
            new_history.append(
                {"indicator": t.indicator, "year": latest_year, "value": latest,
                 "run_id": run_id, "baseline_year": base_year, "baseline": base,
                 "target_year": target_year, "target": target}
            )  # fmt: skip
    history = (
        pl.concat(
            [
                previous.select(list(HISTORY_SCHEMA)),
                pl.DataFrame(new_history, schema=HISTORY_SCHEMA),
            ]
        )
        .unique(["indicator", "run_id"], keep="last")
        .sort("indicator", "run_id")
    )
    objective_rows = pl.DataFrame(
        [
            {"objective": o.code, "market": o.market, "priority": o.priority,
             "score": o.score, "indicator": o.indicator, "dropped": o.dropped}
            for o in objectives
        ],
        schema={"objective": pl.String, "market": pl.String, "priority": pl.Int64,
                "score": pl.Float64, "indicator": pl.String, "dropped": pl.Boolean},
    )  # fmt: skip
    return {
        "targets": targets_frame(proposals),
        "objectives": objective_rows,
        "monitoring": pl.DataFrame(
            rows,
            schema={
                "objective": pl.String,
                "indicator": pl.String,
                "baseline_year": pl.Int64,
                "baseline": pl.Float64,
                "target_year": pl.Int64,
                "target": pl.Float64,
                "latest_year": pl.Int64,
                "latest": pl.Float64,
                "expected": pl.Float64,
                "status": pl.String,
            },
        ),
        "monitoring_history": history,
        "monitoring_series": series.filter(pl.col("indicator").is_in(indicators)),
    }


def record(run_folder: Path, plan_path: Path, previous_run: Path | None, run_id: str) -> None:
    """The refresh's call: write `strategy/` into the run being assembled.

    A plan with a mistake does not stop a data refresh: the step records the error as its
    headline `plan_error` (the report build refuses the strategy with the same message)."""
    out = run_folder / STEP
    if not plan_path.is_file():  # a project without a strategy: nothing to monitor
        return
    try:
        plan = load_plan(plan_path, "reports/strategy/plan.yaml")
    except PlanError as exc:
        write_results(out, {}, {}, {"plan_error": str(exc)})
        return
    try:
        priorities = Results(run_folder / "threat_assessment").table("priorities")
    except LookupError:
        priorities = pl.DataFrame()
    previous = None
    if previous_run is not None:
        try:
            previous = Results(previous_run / STEP).table("monitoring_history")
        except LookupError:
            previous = None
    tables = monitor(
        plan, priorities, read_series(run_folder), read_forecast(run_folder), previous, run_id
    )
    statuses = tables["monitoring"]["status"].to_list()
    headline = {
        "plan_version": plan.version,
        "indicators": len(statuses),
        "at_risk_margin_pct": plan.at_risk_margin_pct,
    }
    for state in (ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA):
        headline[f"indicators_{state}"] = statuses.count(state)
    write_results(out, tables, {}, headline)
