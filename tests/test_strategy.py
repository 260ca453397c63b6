"""The strategy: its plan checked with the line named, objectives from the run's priorities,
targets from the forecasts, the monitoring record across refreshes, both editions.

The runs are hand-written so every expected number is worked out here: twelve months of a
forecast of 10 a month with a lower 80 % bound of 6 give a projection of 120 and a `lower80`
target of 72; 10 % below the projection is 108.
"""

import datetime as dt
import html
import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import analysis.catalog
from analysis.catalog import PROJECT, Catalog
from analysis.report.build import BuildSpec, build_one
from analysis.report.commands import report
from analysis.results import Results, write_results
from analysis.site.releases import publish
from analysis.strategy.monitoring import AT_RISK, OFF_TRACK, ON_TRACK, monitor, record
from analysis.strategy.plan import PlanError, load_plan
from analysis.strategy.targets import propose

PLAN = PROJECT / "reports" / "strategy" / "plan.yaml"
RUN_ID = "20990101T000000Z"


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line holding `needle` (worked out from the text)."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def plan_with(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    text = PLAN.read_text(encoding="utf-8")
    assert old in text
    changed = text.replace(old, new, 1)
    path = tmp_path / "plan.yaml"
    path.write_text(changed, encoding="utf-8")
    return path, changed


# --- the plan ---------------------------------------------------------------------------
def test_the_committed_plan_is_a_real_draft():
    plan = load_plan(PLAN)
    assert plan.vision["ro"] and plan.vision["en"]
    assert len(plan.general_objectives) >= 3 and len(plan.actions) >= 5 and len(plan.risks) >= 3
    for action in plan.actions:
        assert action.lead in plan.institutions and action.deadline >= action.start
    assert all("ş" not in a.text["ro"] and "ţ" not in a.text["ro"] for a in plan.actions)


def test_an_action_with_an_unknown_institution_names_its_line(tmp_path):
    path, text = plan_with(tmp_path, "    lead: ANABI\n", "    lead: XYZ\n")
    with pytest.raises(PlanError) as err:
        load_plan(path, "reports/strategy/plan.yaml")
    line = line_of(text, "lead: XYZ")
    assert str(err.value).startswith(f"reports/strategy/plan.yaml line {line}: institution 'XYZ'")
    assert "is not one of" in str(err.value) and "DIICOT" in str(err.value)


def test_an_unknown_partner_names_its_line(tmp_path):
    path, text = plan_with(tmp_path, "partners: [ANAF, IGPR]", "partners: [ANAF, Interpol]")
    with pytest.raises(
        PlanError, match=rf"line {line_of(text, 'Interpol')}: institution 'Interpol'"
    ):
        load_plan(path)


def test_a_missing_owner_or_deadline_names_the_action(tmp_path):
    path, text = plan_with(tmp_path, "    lead: ANABI\n", "")
    with pytest.raises(PlanError, match=rf"line {line_of(text, '- id: A5')}: actions.4: 'lead'"):
        load_plan(path)
    path, text = plan_with(tmp_path, "    deadline: 2030\n", "")
    with pytest.raises(
        PlanError, match=rf"line {line_of(text, '- id: A5')}: .*'deadline' is missing"
    ):
        load_plan(path)


def test_an_indicator_the_run_does_not_compute_names_its_line(tmp_path):
    old = "    outcome_indicator: market_cases/excise_goods\n"
    path, text = plan_with(tmp_path, old, "    outcome_indicator: market_cases/tulips\n")
    with pytest.raises(PlanError, match=rf"line {line_of(text, 'tulips')}: indicator"):
        load_plan(path)


# --- objectives, targets, monitoring (frames in, frames out) -----------------------------
def priorities(*markets: str) -> pl.DataFrame:
    n = len(markets)
    return pl.DataFrame(
        {
            "priority": list(range(1, n + 1)),
            "market": list(markets),
            "market_name": list(markets),
            "score": [90.0 - 10 * i for i in range(n)],
            "prevalence_level": [3] * n,
            "trend_level": [3] * n,
            "group_level": [2] * n,
            "harm_level": [3] * n,
            "reasons": ["motivul evaluării"] * n,
            "method_version": ["t"] * n,
        }
    )


def forecast(series: str, per_month: float, lo80: float, year: int = 2027) -> pl.DataFrame:
    months = [dt.date(year, m, 1) for m in range(1, 13)]
    return pl.DataFrame(
        {
            "series": [series] * 12,
            "month": months,
            "forecast": [float(per_month)] * 12,
            "lo80": [float(lo80)] * 12,
            "hi80": [float(per_month * 2)] * 12,
        }
    )


def series(ident: str, values: dict[int, float]) -> pl.DataFrame:
    return pl.DataFrame(
        {"indicator": [ident] * len(values), "year": list(values), "value": list(values.values())},
        schema={"indicator": pl.String, "year": pl.Int64, "value": pl.Float64},
    )


def test_a_changed_forecast_moves_the_proposed_target():
    plan = load_plan(PLAN)
    past = series("national_cases", {2025: 130.0})
    before = propose(plan.indicator("national_cases"), past, forecast("total", 10, 6, 2026))
    assert (before.baseline_year, before.baseline) == (2025, 130.0)
    assert (before.target_year, before.projection, before.proj_lo80) == (2026, 120.0, 72.0)
    assert before.target == 72.0 and "lower 80 %" in before.rule_en  # the rule, stated
    after = propose(plan.indicator("national_cases"), past, forecast("total", 10, 5, 2026))
    assert after.target == 60.0
    # a market without its own rule gets the default: 10 % below the projection
    code = "market_cases/drugs_cannabis"
    cannabis = propose(
        plan.indicator(code), series(code, {2025: 9}), forecast("drugs_cannabis", 10, 6, 2026)
    )
    assert cannabis.target == 108.0 and cannabis.rule_en == "10 % below the projection"


def test_an_override_replaces_the_target_and_keeps_its_reason():
    plan = load_plan(PLAN)
    code = "market_cases/cybercrime"
    t = propose(
        plan.indicator(code), series(code, {2025: 150}), forecast("cybercrime", 20, 12, 2026)
    )
    assert t.proposed == 204.0  # 15 % below 240
    assert t.target == 200.0 and "consultation" in t.override_en


def test_a_priority_that_leaves_the_ranking_is_flagged_not_dropped():
    plan = load_plan(PLAN)  # its authors adopted drugs_synthetic ... excise_goods
    tables = monitor(
        plan, priorities("drugs_heroin", "cybercrime"), series("national_cases", {2025: 100.0}),
        forecast("total", 10, 6), None, "r1",
    )  # fmt: skip
    objectives = tables["objectives"]
    assert objectives.filter(~pl.col("dropped"))["market"].to_list() == [
        "drugs_heroin",
        "cybercrime",
    ]
    dropped = objectives.filter(pl.col("dropped"))["market"].to_list()
    assert dropped == ["drugs_synthetic", "drugs_cocaine", "money_laundering", "excise_goods"]


@pytest.mark.parametrize(
    ("value", "status"), [(85.0, ON_TRACK), (95.0, AT_RISK), (100.0, OFF_TRACK)]
)
def test_the_second_refresh_sets_the_new_value_against_the_first_target(value, status):
    plan = load_plan(PLAN)
    first = monitor(
        plan,
        priorities(),
        series("national_cases", {2025: 100.0}),
        forecast("total", 8, 5),
        None,
        "r1",
    )
    row = first["monitoring"].filter(pl.col("indicator") == "national_cases").row(0, named=True)
    assert (row["baseline"], row["target"], row["target_year"], row["status"]) == (
        100.0,
        60.0,
        2027,
        ON_TRACK,
    )
    # a year later: new data, and a forecast that would propose another target
    second = monitor(
        plan, priorities(), series("national_cases", {2025: 100.0, 2026: value}),
        forecast("total", 9, 1, 2028), first["monitoring_history"], "r2",
    )  # fmt: skip
    row = second["monitoring"].filter(pl.col("indicator") == "national_cases").row(0, named=True)
    # the path from 100 (2025) to 60 (2027) expects 80 in 2026; at risk up to 88 (10 %)
    assert (row["target"], row["expected"], row["latest"]) == (60.0, 80.0, value)
    expected_status = ON_TRACK if value <= 80 else AT_RISK if value <= 88 else OFF_TRACK
    assert row["status"] == expected_status
    history = second["monitoring_history"].filter(pl.col("indicator") == "national_cases")
    assert history.select("run_id", "year", "value").rows() == [
        ("r1", 2025, 100.0),
        ("r2", 2026, value),
    ]


# --- the run and the documents ------------------------------------------------------------
def make_run(
    home: Path, small: int = 7, year: int = 2025, run_id: str = RUN_ID, previous: Path | None = None
) -> Path:
    """A run with two priority markets; national cases fall by 10 a year from 900 in 2021
    (860 in 2025, 850 in 2026); cocaine's cases are `small` in the last year."""
    run = home / "results" / run_id
    years = list(range(2021, year + 1))
    national = pl.DataFrame({"year": years, "cases": [900 - 10 * i for i in range(len(years))]})
    write_results(run / "case_rates", {"case_rates_national": national.with_columns(
        population=pl.lit(19_000_000), rate=pl.col("cases") / 190)}, {}, {})  # fmt: skip
    markets = pl.DataFrame(
        {
            "market": ["drugs_cocaine"] * len(years) + ["drugs_heroin"] * len(years),
            "year": years * 2,
            "cases": [30] * (len(years) - 1) + [small] + [40] * len(years),
        }
    )
    write_results(run / "indicators", {"market_rates": markets}, {}, {"latest_year": year})
    write_results(
        run / "threat_assessment",
        {"priorities": priorities("drugs_cocaine", "drugs_heroin")},
        {},
        {},
    )
    fc = pl.concat(
        [
            forecast("total", 70, 60, year + 2),
            forecast("drugs_cocaine", 2.5, 1, year + 2),
            forecast("drugs_heroin", 3, 2, year + 2),
        ]
    )
    fc = fc.rename({"series": "market"}).with_columns(
        model=pl.lit("t"), lo95=0.0, hi95=pl.col("hi80")
    )
    write_results(run / "forecasts", {"forecasts_national": fc}, {}, {})
    record_json = {
        "run_id": run_id, "started": "2099-01-01T00:00:00+00:00",
        "finished": "2099-01-01T00:05:00+00:00", "nocta_version": "test",
        "git": {"commit": "0123456789abcdef", "dirty": False},
        "parameters": {"edition": "2099"}, "notebooks": [], "snapshots": {},
    }  # fmt: skip
    (run / "run.json").write_text(json.dumps(record_json), encoding="utf-8")
    record(run, PLAN, previous, run_id)
    return run


def flat(text: str) -> str:
    return re.sub(r"[\s\u202f\u00a0]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


@pytest.fixture(scope="module")
def strategy_builds(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    run = make_run(home)
    catalog = Catalog(home)
    built = {
        edition: build_one(catalog, run, BuildSpec("strategy", edition, "en"))
        for edition in ("public", "restricted")
    }
    return run, built


def test_the_refresh_records_the_strategy_in_the_run(strategy_builds):
    run, _ = strategy_builds
    results = Results(run / "strategy")
    targets = results.table("targets")
    national = targets.filter(pl.col("indicator") == "national_cases").row(0, named=True)
    # baseline: 2025's 860 cases; projection 2027: 12 x 70 = 840, its lower bound 12 x 60 = 720
    assert (national["baseline"], national["projection"], national["target"]) == (
        860.0,
        840.0,
        720.0,
    )
    assert results.headline["indicators"] == results.table("monitoring").height


def test_both_editions_print_the_action_plan_timeline_and_targets(strategy_builds):
    _, built = strategy_builds
    raw = {e: (built[e] / "strategy.html").read_text(encoding="utf-8") for e in built}
    public, restricted = flat(raw["public"]), flat(raw["restricted"])
    for edition, page in (("public", public), ("restricted", restricted)):
        assert "Parallel financial investigations" in page and "DIICOT" in page
        assert '<figure id="fig-timeline"' in raw[edition]  # the Gantt-like figure
        assert "by lead institution and year" in page
        assert (built[edition] / "figures" / "fig-timeline.svg").exists()  # and in print
        assert "840 (720–1,680), 2027 720 the projection’s lower 80 % bound" in page
    # the operational details are for the restricted edition only
    assert "Constanța South port" in restricted and "Constanța South port" not in public
    assert "Operational details" not in public


def test_a_count_under_ten_is_not_printed_in_the_public_edition(strategy_builds):
    _, built = strategy_builds
    public = flat((built["public"] / "strategy.html").read_text(encoding="utf-8"))
    restricted = flat((built["restricted"] / "strategy.html").read_text(encoding="utf-8"))
    # cocaine: 7 cases in 2025 (its baseline); projection 12 x 2.5 = 30, lower bound 12
    assert "Cases registered: cocaine trafficking 7 (2025)" in restricted
    assert "Cases registered: cocaine trafficking fewer than 10 (2025)" in public
    assert "Cases registered: cocaine trafficking 7 (2025)" not in public


def test_a_plan_with_an_unknown_institution_refuses_the_build(tmp_path, monkeypatch):
    project = tmp_path / "project"
    shutil.copytree(PROJECT / "reports", project / "reports")
    plan = project / "reports" / "strategy" / "plan.yaml"
    text = plan.read_text(encoding="utf-8").replace("    lead: ANABI\n", "    lead: XYZ\n")
    plan.write_text(text, encoding="utf-8")
    monkeypatch.setattr(analysis.catalog, "PROJECT", project)
    home = tmp_path / "var"
    make_run(home)
    monkeypatch.setenv("NOCTA_HOME", str(home))
    out = CliRunner().invoke(
        report,
        [
            "build",
            "--run",
            RUN_ID,
            "--document",
            "strategy",
            "--edition",
            "restricted",
            "--lang",
            "ro",
        ],
    )
    assert out.exit_code != 0
    line = line_of(text, "lead: XYZ")
    assert f"reports/strategy/plan.yaml line {line}: institution 'XYZ'" in out.output
    assert not (home / "reports" / RUN_ID / "strategy" / "restricted" / "ro").exists()


def test_the_monitoring_page_shows_each_status_after_a_second_refresh(tmp_path):
    home = tmp_path / "var"
    catalog = Catalog(home)
    first = make_run(home)
    second = make_run(home, year=2026, run_id="20990201T000000Z", previous=first)
    release = publish(catalog, second)
    strategy = (release.folder / "en" / "strategy.html").read_text("utf-8")
    assert 'href="../en/strategy-monitoring.html">Strategy monitoring<' in strategy  # reachable
    open_page = flat((release.folder / "en" / "strategy-monitoring.html").read_text("utf-8"))
    restricted = release.folder / "restricted" / "en" / "strategy-monitoring.html"
    closed_page = flat(restricted.read_text("utf-8"))
    # national: 860 in 2025 to 720 in 2027 expects 790 in 2026; 850 is above it, within 10 %
    national = "Organised-crime cases registered (national total) 860 (2025) 720 (2027) 850 (2026)"
    assert f"{national} at risk" in open_page and f"{national} at risk" in closed_page
    # heroin: 40 a year, its target 32 in 2027 (10 % below 12 x 3): 40 > 36 x 1.1 -> off track
    assert (
        "Cases registered: heroin trafficking 40 (2025) 32 (2027) 40 (2026) off track" in open_page
    )
    # cocaine's 7 cases: withheld on the open page, shown on the restricted one
    assert "cocaine trafficking fewer than 10 (2025)" in open_page
    assert "cocaine trafficking 7 (2025)" in closed_page and " 7 (2025)" not in open_page
    assert "no longer among this run's priorities" in open_page  # the plan's dropped ones
    assert restricted.stat().st_mode & 0o007 == 0  # closed to other users


def test_a_changed_stored_forecast_moves_the_target_in_the_document(tmp_path):
    home = tmp_path / "var"
    run = make_run(home)
    stored = run / "forecasts" / "forecasts_national.parquet"
    fc = pl.read_parquet(stored)
    lower = pl.when(pl.col("market") == "total").then(50.0).otherwise(pl.col("lo80"))
    fc.with_columns(lo80=lower).write_parquet(stored)
    record(run, PLAN, None, RUN_ID)  # the refresh's record, again
    built = build_one(Catalog(home), run, BuildSpec("strategy", "restricted", "en"))
    page = flat((built / "strategy.html").read_text(encoding="utf-8"))
    # the lower 80 % bound is now 12 x 50 = 600: the proposed target follows it
    assert "860 (2025) 840 (600–1,680), 2027 600 the projection’s lower 80 % bound" in page
