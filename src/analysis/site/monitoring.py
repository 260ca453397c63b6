"""The portal's strategy-monitoring page: per objective, each indicator's baseline, target,
latest value and status (on track / at risk / off track, by the rule printed on the page),
with a small trend chart; and the annual monitoring report's builds.

The open page (`<lang>/strategy-monitoring.html`) reads the run's public view, where a count
under the threshold is already withheld (printed "sub 10" / "fewer than 10", left out of the
charts); the restricted page (`restricted/<lang>/strategy-monitoring.html`) reads the run's
results. site/build.py calls `pages` once per language.
"""

import shutil
from pathlib import Path

import polars as pl

from analysis.catalog import Catalog
from analysis.disclosure import DEFAULT_THRESHOLD
from analysis.report.build import BuildSpec, output_dir
from analysis.report.strategy import indicator_name
from analysis.results import WITHHELD, Results
from analysis.strategy import charts
from analysis.strategy.objectives import market_name
from analysis.strategy.plan import NATIONAL

DOCUMENT = "monitoring"
PAGE = "strategy-monitoring.html"
WORDS = {
    "ro": {
        "title": "Monitorizarea strategiei",
        "intro": "Indicatorii Strategiei naționale față de ținte, la rularea curentă a evaluării.",
        "rule": "Regula stadiului: valoarea așteptată într-un an se află pe dreapta de la "
        "valoarea de referință la țintă; pe drumul bun când ultima valoare este cel mult cea "
        "așteptată, în pericol când o depășește cu cel mult {margin} %, în afara țintei "
        "dincolo de atât.",
        "report": "Raportul anual de monitorizare (HTML)",
        "indicator": "Indicator", "baseline": "Referință", "target": "Ținta",
        "latest": "Ultima valoare", "status": "Stadiul", "general": "Obiectivul general",
        "dropped": "Piața nu mai este între prioritățile acestei rulări: autorii decid dacă "
        "obiectivul rămâne.",
        "none": "Rularea nu are încă înregistrarea monitorizării strategiei.",
        "on_track": "pe drumul bun", "at_risk": "în pericol", "off_track": "în afara țintei",
        "no_data": "fără date", "lt": "sub",
    },
    "en": {
        "title": "Strategy monitoring",
        "intro": "The National Strategy's indicators against their targets, at the current run "
        "of the assessment.",
        "rule": "Status rule: the expected value in a year lies on the straight line from the "
        "baseline to the target; on track when the latest value is at most the expected one, "
        "at risk when above it by no more than {margin} %, off track beyond that.",
        "report": "The annual monitoring report (HTML)",
        "indicator": "Indicator", "baseline": "Baseline", "target": "Target",
        "latest": "Latest value", "status": "Status", "general": "General objective",
        "dropped": "The market is no longer among this run's priorities: the authors decide "
        "whether the objective stays.",
        "none": "The run has no strategy monitoring record yet.",
        "on_track": "on track", "at_risk": "at risk", "off_track": "off track",
        "no_data": "no data", "lt": "fewer than",
    },
}  # fmt: skip
MARGIN_FALLBACK = 10  # a run recorded before the plan said its margin


def _rows(folder: Path, name: str) -> list[dict]:
    """A strategy table's rows with withheld cells (the public view's mask) as HIDDEN."""
    try:
        return Results(folder).masked_rows(name)
    except LookupError:
        return []


HIDDEN = WITHHELD


def groups(folder: Path, lang: str, public: bool, threshold: int, fmt) -> list[dict]:
    """The page's sections: one per objective, its indicators' rows and trend charts."""
    w = WORDS[lang]

    def count(v) -> str:
        if v is HIDDEN or (public and v is not None and v < threshold):
            return f"{w['lt']} {threshold}"
        return "–" if v is None else fmt(v)

    def dated(v, year) -> str:
        return f"{count(v)} ({year if year not in (None, HIDDEN) else '–'})"

    monitoring = _rows(folder, "monitoring")
    objectives = {r["objective"]: r for r in _rows(folder, "objectives")}
    try:
        series = Results(folder).table("monitoring_series")
    except LookupError:
        series = pl.DataFrame(
            schema={"indicator": pl.String, "year": pl.Int64, "value": pl.Float64}
        )
    out: dict[str, dict] = {}
    for r in monitoring:
        code = r["objective"]
        o = objectives.get(code)
        title = (
            f"{code}: {market_name(o['market'], lang)}"
            if o
            else f"{w['general']}: {indicator_name(NATIONAL, lang)}"
        )
        group = out.setdefault(
            code, {"title": title, "dropped": bool(o and o["dropped"]), "rows": []}
        )
        values = series.filter(pl.col("indicator") == r["indicator"]).filter(
            pl.col("value").is_not_null()
        )
        if public:
            values = values.filter(pl.col("value") >= threshold)  # withheld values: gaps
        target = r["target"] if r["target"] is not HIDDEN else None
        if public and target is not None and target < threshold:
            target = None
        chart = charts.trend(values, r["target_year"], target, lang) if values.height else None
        group["rows"].append(
            {
                "name": indicator_name(r["indicator"], lang),
                "baseline": dated(r["baseline"], r["baseline_year"]),
                "target": dated(r["target"], r["target_year"]),
                "latest": dated(r["latest"], r["latest_year"]),
                "status": w[r["status"]],
                "status_key": r["status"],
                "chart": chart,
                "chart_id": f"trend-{code}-{len(group['rows'])}",
            }
        )
    return list(out.values())


def pages(site, catalog: Catalog, run_folder: Path, public_view: Path, lang: str) -> None:
    """The open and the restricted monitoring page of one language, and the report's builds."""
    w = WORDS[lang]
    margin = Results(public_view / "strategy").headline.get("at_risk_margin_pct", MARGIN_FALLBACK)
    words = dict(w) | {"rule": w["rule"].format(margin=f"{margin:g}")}

    def fmt(v: float) -> str:
        return f"{v:,.0f}".replace(",", "\u202f" if lang == "ro" else ",")

    for edition in ("public", "restricted"):
        restricted = edition == "restricted"
        folder = (run_folder if restricted else public_view) / "strategy"
        found = groups(folder, lang, not restricted, DEFAULT_THRESHOLD, fmt)
        path = f"{'restricted/' if restricted else ''}{lang}/{PAGE}"
        report = _copy_report(site, catalog, run_folder.name, lang, edition)
        has_charts = any(r["chart"] for g in found for r in g["rows"])
        site.page(path, "monitoring.html", lang, w["title"], "strategy", m=words, groups=found,
                  report_href=report, has_charts=has_charts)  # fmt: skip


def _copy_report(site, catalog: Catalog, run_id: str, lang: str, edition: str) -> str | None:
    """Copy the annual monitoring report's build of this run, if `nocta report build` made it
    (its inline chart loader replaced as site/build.py does for the other documents); the
    link relative to the monitoring page."""
    from analysis.site.build import INLINE_LOADER  # site/build.py imports this module

    build = output_dir(catalog, run_id, BuildSpec(DOCUMENT, edition, lang))
    if not (build / f"{DOCUMENT}.html").is_file():
        return None
    base = site.out / "restricted" if edition == "restricted" else site.out
    target = base / "docs" / DOCUMENT / lang
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(build, target, ignore=shutil.ignore_patterns("manifest.json", "inputs.sha256"))
    for page in target.glob("*.html"):
        root = "../" * len(page.relative_to(site.out).parts[:-1])
        loader = f'<script src="{root}assets/charts.js"></script>'
        html = INLINE_LOADER.sub(loader.replace("\\", "\\\\"), page.read_text(encoding="utf-8"))
        page.write_text(html, encoding="utf-8")
    return f"../docs/{DOCUMENT}/{lang}/{DOCUMENT}.html"
