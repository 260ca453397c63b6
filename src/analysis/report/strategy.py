"""The strategy's template expressions: `strategy.…` in reports/strategy/ and
reports/monitoring/ (reports/README.md lists them).

The plan (reports/strategy/plan.yaml) is the authors' content and is read at build time, so a
mistake in it refuses the build with its line named; the numbers (baselines, projections,
targets, the monitoring record) come from the run's `strategy/` step: in the public edition
from the public view, where a count under the threshold is already withheld, and printed
here as "sub 10" / "fewer than 10" whatever its source (an author's override included).
"""

import html as html_lib
from functools import cached_property
from pathlib import Path

import polars as pl
import vl_convert as vlc

from analysis.catalog import Catalog
from analysis.report import tables
from analysis.results import WITHHELD, Results
from analysis.strategy import charts, objectives
from analysis.strategy.plan import MARKET_PREFIX, NATIONAL, Plan, load_plan

PLAN = Path("strategy") / "plan.yaml"
HIDDEN = WITHHELD  # a cell the public view withheld
W = {
    "ro": {
        "indicator": "Indicator", "baseline": "Valoarea de referință", "projection":
        "Proiecția fără măsuri noi (interval 80 %)", "target": "Ținta", "rule": "Regula",
        "override": "Țintă stabilită de autori", "national": "Dosare de criminalitate organizată "
        "înregistrate (total național)", "market": "Dosare înregistrate: {}", "action": "Acțiunea",
        "lead": "Responsabil", "partners": "Parteneri", "when": "Termen", "output":
        "Indicator de realizare", "outcome": "Indicator de rezultat", "funding": "Finanțare",
        "detail": "Detalii operative", "risk": "Riscul", "mitigation": "Măsura de atenuare",
        "likelihood": "Probabilitate", "latest": "Ultima valoare", "status": "Stadiul",
        "objective": "Obiectiv", "low": "redusă", "medium": "medie", "high": "ridicată",
        "on_track": "pe drumul bun", "at_risk": "în pericol", "off_track": "în afara țintei",
        "no_data": "fără date", "lt": "sub", "code": "Cod", "institution": "Instituția",
    },
    "en": {
        "indicator": "Indicator", "baseline": "Baseline", "projection":
        "Projection without new measures (80 % interval)", "target": "Target", "rule": "Rule",
        "override": "Target set by the authors", "national": "Organised-crime cases registered "
        "(national total)", "market": "Cases registered: {}", "action": "Action",
        "lead": "Lead", "partners": "Partners", "when": "Deadline", "output": "Output indicator",
        "outcome": "Outcome indicator", "funding": "Funding", "detail": "Operational details",
        "risk": "Risk", "mitigation": "Mitigation", "likelihood": "Likelihood",
        "latest": "Latest value", "status": "Status", "objective": "Objective", "low": "low",
        "medium": "medium", "high": "high", "on_track": "on track", "at_risk": "at risk",
        "off_track": "off track", "no_data": "no data", "lt": "fewer than", "code": "Code",
        "institution": "Institution",
    },
}  # fmt: skip


def indicator_name(ident: str, lang: str) -> str:
    """An indicator's name in the page's language."""
    if ident == NATIONAL:
        return W[lang]["national"]
    return W[lang]["market"].format(objectives.market_name(ident.removeprefix(MARKET_PREFIX), lang))


class StrategyExpressions:
    """`strategy` in a template: built per rendering around the document's `Expressions`."""

    def __init__(self, exprs, reports: Path | None = None) -> None:
        self.x = exprs
        self.lang = exprs.lang
        self.w = W[exprs.lang]
        self.path = (reports or Catalog.from_env().reports) / PLAN

    @cached_property
    def plan(self) -> Plan:
        """Loaded on first use, so only the documents that cite the plan check it."""
        return load_plan(self.path, f"reports/{PLAN.as_posix()}")

    def _table(self, name: str) -> list[dict] | None:
        """The rows of a `strategy/` table, each value that the public view withheld
        replaced by HIDDEN (None stays "none": no forecast, no target)."""
        try:
            return Results(self.x.run_folder / "strategy").masked_rows(name)
        except LookupError:
            self.x.missing.append(f"strategy/{name}")
            return None

    def _count(self, value) -> str:
        """A count the page prints: withheld by the public view, or under the threshold in
        the public edition (an author's override too), reads "sub 10"; none reads "–"."""
        if value is HIDDEN or (self.x.public and value is not None and value < self.x.threshold):
            return f"{self.w['lt']} {self.x.threshold}"
        return "–" if value is None else self.x.num(value, 0)

    def _text(self, d: dict | None) -> str:
        return "" if not d else d[self.lang]

    # --- content -------------------------------------------------------------------
    @property
    def version(self) -> str:
        return self.plan.version

    @property
    def period(self) -> str:
        return f"{self.plan.period[0]}–{self.plan.period[1]}"

    @property
    def vision(self) -> str:
        return self.plan.vision[self.lang]

    def general_objectives(self) -> list[dict]:
        return [{"id": o["id"], "text": o[self.lang]} for o in self.plan.general_objectives]

    def objectives(self) -> list[dict]:
        """The specific objectives: the run's first priorities, then dropped ones, flagged."""
        try:
            ranked = Results(self.x.run_folder / "threat_assessment").table("priorities")
        except LookupError:
            self.x.missing.append("threat_assessment/priorities")
            ranked = pl.DataFrame()
        out = []
        for o in objectives.derive(ranked, self.plan):
            out.append(
                {
                    "code": o.code,
                    "market": o.market,
                    "name": objectives.market_name(o.market, self.lang),
                    "evidence": objectives.evidence(o, self.lang),
                    "reasons": None if self.x.public else o.reasons,
                    "dropped": o.dropped,
                    "indicator": indicator_name(o.indicator, self.lang),
                    "actions": [
                        a.id for a in self.plan.actions if a.objective == f"market:{o.market}"
                    ],
                }
            )
        return out

    def _pipe(self, head: list[str], rows: list[list[str]], caption: str, ident: str) -> str:
        def cell(s: str) -> str:
            return str(s).replace("|", "\\|").replace("\n", " ")

        lines = ["| " + " | ".join(head) + " |", "|" + "|".join([":---"] * len(head)) + "|"]
        lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
        return "\n" + "\n".join(lines) + f"\n\n: {caption} {{#{ident}}}\n"

    def targets(self, caption: str) -> str:
        """Baseline, projection with its 80 % interval, target and its rule or override."""
        frame = self._table("targets")
        if frame is None:
            return self.x._block_note("strategy/targets")
        w, rows = self.w, []
        for r in frame:
            over = self.plan.indicator(r["indicator"]).override
            target = over.target if over else r["target"]
            rule = f"{w['override']}: {over.reason[self.lang]}" if over else r[f"rule_{self.lang}"]
            proj = (
                "–"
                if r["target_year"] is None or r["projection"] is None
                else f"{self._count(r['projection'])} ({self._count(r['proj_lo80'])}–"
                f"{self._count(r['proj_hi80'])}), {r['target_year']}"
            )
            rows.append(
                [
                    indicator_name(r["indicator"], self.lang),
                    f"{self._count(r['baseline'])} ({r['baseline_year'] or '–'})",
                    proj,
                    self._count(target),
                    rule,
                ]
            )
        head = [w["indicator"], w["baseline"], w["projection"], w["target"], w["rule"]]
        return self._pipe(head, rows, caption, "tbl-targets")

    def actions(self, caption: str) -> str:
        """The action plan; the restricted edition adds the operational details."""
        w, rows = self.w, []
        for a in self.plan.actions:
            row = [
                f"{a.id}. {a.text[self.lang]} ({self._objective(a.objective)})",
                a.lead,
                ", ".join(a.partners) or "–",
                str(a.start) if a.start == a.deadline else f"{a.start}–{a.deadline}",
                a.output_indicator[self.lang],
                indicator_name(a.outcome_indicator, self.lang),
                a.funding[self.lang],
            ]
            if not self.x.public:
                row.append(self._text(a.restricted_detail) or "–")
            rows.append(row)
        head = [w["action"], w["lead"], w["partners"], w["when"], w["output"], w["outcome"],
                w["funding"]] + ([] if self.x.public else [w["detail"]])  # fmt: skip
        return self._pipe(head, rows, caption, "tbl-actions")

    def _objective(self, ref: str) -> str:
        """OG1, or a priority market's name."""
        if ref.startswith("market:"):
            return objectives.market_name(ref.removeprefix("market:"), self.lang)
        return ref

    def institutions(self, caption: str) -> str:
        rows = [[code, names[self.lang]] for code, names in self.plan.institutions.items()]
        return self._pipe(
            [self.w["code"], self.w["institution"]], rows, caption, "tbl-institutions"
        )

    def risks(self, caption: str) -> str:
        w = self.w
        rows = [[r["risk"][self.lang], w[r["likelihood"]], r["mitigation"][self.lang]]
                for r in self.plan.risks]  # fmt: skip
        return self._pipe([w["risk"], w["likelihood"], w["mitigation"]], rows, caption, "tbl-risks")

    @property
    def margin(self) -> str:
        return self.x.num(self.plan.at_risk_margin_pct, 0)

    def monitoring(self, caption: str) -> str:
        """Per indicator: baseline, target, latest value, status (the record of this run)."""
        frame = self._table("monitoring")
        if frame is None:
            return self.x._block_note("strategy/monitoring")
        w, rows = self.w, []
        for r in frame:
            rows.append(
                [
                    r["objective"],
                    indicator_name(r["indicator"], self.lang),
                    f"{self._count(r['baseline'])} ({r['baseline_year'] or '–'})",
                    f"{self._count(r['target'])} ({r['target_year'] or '–'})",
                    f"{self._count(r['latest'])} ({r['latest_year'] or '–'})",
                    w[r["status"]],
                ]
            )
        head = [w["objective"], w["indicator"], w["baseline"], w["target"], w["latest"],
                w["status"]]  # fmt: skip
        return self._pipe(head, rows, caption, "tbl-monitoring")

    def timeline(self, caption: str) -> str:
        """The action plan by institution and year (a numbered figure)."""
        x = self.x
        spec = charts.timeline(self.plan, self.lang)
        ident = x._unique("fig-timeline")
        label = x._number("figure", ident)
        svg = vlc.vegalite_to_svg(spec)
        if x.fmt == "html":
            return tables.chart_html(ident, svg, spec, f"{label}: {caption}")
        x.figures_dir.mkdir(parents=True, exist_ok=True)
        (x.figures_dir / f"{ident}.svg").write_text(svg, encoding="utf-8")
        alt = html_lib.escape(caption, quote=True)
        return f'\n![{caption}](figures/{ident}.svg){{#{ident} fig-alt="{alt}"}}\n'
