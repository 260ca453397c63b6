"""Specific objectives from the assessment: one per priority market of the run's ranking.

Each carries the evidence the assessment gives for it (rank, score, the level of each
dimension: prevalence, trend, groups, harm), so the strategy's reason for an objective is the
run's, not an author's. A market the authors adopted as a priority (`priorities` in the plan)
that is no longer in the run's ranking is kept and flagged for them, never dropped silently.
"""

from dataclasses import dataclass

import polars as pl

from analysis.reference import MARKETS
from analysis.strategy.plan import MARKET_PREFIX, Plan

TOP = 5  # the ranking's first markets become specific objectives
LEVELS = {
    "ro": {
        "trend_level": {1: "în scădere", 2: "stabilă", 3: "în creștere"},
        "level": {1: "redus", 2: "mediu", 3: "ridicat"},
        "level_f": {1: "redusă", 2: "medie", 3: "ridicată"},  # prevalență, amenințare
    },
    "en": {
        "trend_level": {1: "falling", 2: "stable", 3: "rising"},
        "level": {1: "low", 2: "medium", 3: "high"},
    },
}


@dataclass(frozen=True)
class Objective:
    code: str  # "OS1", ...
    market: str
    priority: int | None  # None: dropped from the run's ranking
    score: float | None
    levels: dict[str, int]
    reasons: str | None  # the assessment's own sentence (Romanian; restricted edition)
    indicator: str

    @property
    def dropped(self) -> bool:
        return self.priority is None


def market_name(code: str, lang: str) -> str:
    m = next((m for m in MARKETS if m.code == code), None)
    return code if m is None else (m.name_ro if lang == "ro" else m.name_en)


def derive(priorities: pl.DataFrame, plan: Plan) -> list[Objective]:
    """The run's first TOP priorities, then the plan's priorities the run no longer ranks."""
    ranked = priorities.sort("priority").head(TOP).to_dicts() if priorities.height else []
    out = []
    for i, row in enumerate(ranked, start=1):
        out.append(
            Objective(
                f"OS{i}", row["market"], int(row["priority"]), float(row["score"]),
                {k: int(row[k]) for k in ("prevalence_level", "trend_level", "group_level",
                                          "harm_level") if row.get(k) is not None},
                row.get("reasons"), f"{MARKET_PREFIX}{row['market']}",
            )
        )  # fmt: skip
    kept = {o.market for o in out}
    for code in plan.priorities:
        if code not in kept:
            out.append(
                Objective(f"OS{len(out) + 1}", code, None, None, {}, None, f"{MARKET_PREFIX}{code}")
            )
            kept.add(code)
    return out


def evidence(o: Objective, lang: str) -> str:
    """The sentence that ties the objective to the threat that justifies it."""
    if o.dropped:
        return (
            f"Piața nu mai este între primele {TOP} priorități ale acestei rulări: autorii "
            "decid dacă obiectivul rămâne."
            if lang == "ro"
            else f"The market is no longer among this run's first {TOP} priorities: the "
            "authors decide whether the objective stays."
        )
    w = LEVELS[lang]
    lv = o.levels
    trend = w["trend_level"].get(lv.get("trend_level"), "–")
    level = w["level"]
    score = f"{o.score:.1f}".replace(".", ",") if lang == "ro" else f"{o.score:.1f}"
    if lang == "ro":
        return (
            f"Evaluarea o plasează pe locul {o.priority} (scor {score} din 100): prevalență "
            f"{w['level_f'].get(lv.get('prevalence_level'), '–')}, tendință {trend}, amenințarea "
            f"grupurilor {w['level_f'].get(lv.get('group_level'), '–')}, prejudiciu "
            f"{level.get(lv.get('harm_level'), '–')}."
        )
    return (
        f"The assessment ranks it {o.priority} (score {score} of 100): prevalence "
        f"{level.get(lv.get('prevalence_level'), '–')}, trend {trend}, group threat "
        f"{level.get(lv.get('group_level'), '–')}, harm {level.get(lv.get('harm_level'), '–')}."
    )


def outcome_indicators(objectives: list[Objective], plan: Plan) -> list[str]:
    """Every indicator the strategy follows: national, each objective's, the plan's, the
    actions' — in that order, once each."""
    from analysis.strategy.plan import NATIONAL

    found = [NATIONAL, *(o.indicator for o in objectives), *plan.indicators,
             *(a.outcome_indicator for a in plan.actions)]  # fmt: skip
    return list(dict.fromkeys(found))
