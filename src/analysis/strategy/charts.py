"""The strategy's figures: the action plan as a Gantt-like timeline, an indicator's trend.

Vega-Lite specs (altair) drawn from the plan and the monitoring record, so the report and the
portal print the same figure.
"""

import altair as alt
import polars as pl

from analysis.strategy.plan import Plan

WORDS = {
    "ro": {"year": "An", "lead": "Instituția responsabilă", "action": "Acțiunea",
           "value": "Valoarea", "target": "Ținta"},
    "en": {"year": "Year", "lead": "Lead institution", "action": "Action",
           "value": "Value", "target": "Target"},
}  # fmt: skip


def timeline(plan: Plan, lang: str) -> dict:
    """Actions as bars from their start to the end of their deadline year, one row each,
    grouped and coloured by the lead institution."""
    w = WORDS[lang]
    rows = [
        {"action": f"{a.id} {a.text[lang][:48]}", "lead": a.lead, "start": a.start,
         "end": a.deadline + 1}
        for a in sorted(plan.actions, key=lambda a: (a.lead, a.start, a.id))
    ]  # fmt: skip
    years = alt.Scale(domain=[plan.period[0], plan.period[1] + 1])
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar(cornerRadius=2)
        .encode(
            x=alt.X("start:Q", title=w["year"], scale=years, axis=alt.Axis(format="d")),
            x2="end:Q",
            y=alt.Y("action:N", title=None, sort=None),
            color=alt.Color("lead:N", title=w["lead"]),
            tooltip=[
                alt.Tooltip("action:N", title=w["action"]),
                alt.Tooltip("lead:N", title=w["lead"]),
            ],
        )
        .properties(width=420, height=max(120, 22 * len(rows)))
    )
    return chart.to_dict()


def trend(series: pl.DataFrame, target_year: int | None, target: float | None, lang: str) -> dict:
    """An indicator's yearly values with its target as a point (hidden values are gaps).

    The values are counts of cases, so the data field is `cases`: the publication scan reads
    it as a count field and refuses one under the threshold."""
    w = WORDS[lang]
    values = [{"year": int(r["year"]), "cases": r["value"]} for r in series.iter_rows(named=True)]
    line = (
        alt.Chart(alt.Data(values=values))
        .mark_line(point=True)
        .encode(x=alt.X("year:O", title=None), y=alt.Y("cases:Q", title=w["value"]))
    )
    layers = [line]
    if target is not None and target_year is not None:
        goal = [{"year": int(target_year), "cases": target}]
        layers.append(
            alt.Chart(alt.Data(values=goal))
            .mark_point(shape="diamond", size=80, filled=True, color="#b03a2e")
            .encode(x="year:O", y="cases:Q", tooltip=[alt.Tooltip("cases:Q", title=w["target"])])
        )
    return alt.layer(*layers).properties(width=220, height=90).to_dict()
