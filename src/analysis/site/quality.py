"""The administrators' data-quality page: restricted/<lang>/data-quality.html.

One section per partner: a chart of the share of rows quarantined by month and rule, and a
table per source and month (packages, refused, files rejected, rows read, share quarantined,
worst lateness against the agreed schedule). The numbers are the run's `data_quality` step
(pipeline/quality.py, from the intake's quality record), read from the run itself, not from
its public view: the page lives in the restricted section only (0750/0640, outside the search
index), so its counts are not protected; they are counts of rows and packages, never of people.
"""

from pathlib import Path

import polars as pl

from analysis.charts import nocta_theme
from analysis.site.charts import SCHEMA

PAGE = "data-quality.html"
STEP = "data_quality"
WORDS = {
    "ro": {
        "title": "Calitatea datelor partenerilor",
        "intro": "Pentru fiecare partener: ponderea rândurilor puse în carantină, pe luni și "
        "reguli, și pachetele primite, refuzate sau întârziate față de calendarul convenit. "
        "Fiecare pachet a primit deja răspunsul său (feedback semnat și criptat).",
        "none": "Rularea nu are registrul calității: niciun pachet nu a trecut încă prin "
        "`nocta transfer receive`.",
        "chart": "Rânduri în carantină (%) pe luni și reguli",
        "month": "Luna",
        "share": "Rânduri în carantină (%)",
        "rule": "Regula",
        "source": "Sursa",
        "packages": "Pachete",
        "refused": "Refuzate",
        "files_rejected": "Fișiere respinse",
        "rows_read": "Rânduri citite",
        "quarantine_pct": "Carantină (%)",
        "max_days_late": "Întârziere (zile)",
        "link": "Calitatea datelor partenerilor (pentru administratori)",
    },
    "en": {
        "title": "Partners' data quality",
        "intro": "For each partner: the share of rows quarantined, by month and rule, and the "
        "packages received, refused or late against the agreed schedule. Every package has "
        "already been answered (signed, encrypted feedback).",
        "none": "The run has no quality record: no package has come through "
        "`nocta transfer receive` yet.",
        "chart": "Rows quarantined (%) by month and rule",
        "month": "Month",
        "share": "Rows quarantined (%)",
        "rule": "Rule",
        "source": "Source",
        "packages": "Packages",
        "refused": "Refused",
        "files_rejected": "Files rejected",
        "rows_read": "Rows read",
        "quarantine_pct": "Quarantined (%)",
        "max_days_late": "Late (days)",
        "link": "Partners' data quality (for administrators)",
    },
}
COLUMNS = ("month", "source", "packages", "refused", "files_rejected", "rows_read",
           "quarantine_pct", "max_days_late")  # fmt: skip


def chart(rules: pl.DataFrame, partner: str, lang: str) -> dict:
    """Stacked bars: per month, the share of rows quarantined, one colour per source · rule."""
    words = WORDS[lang]
    values = (
        rules.filter(pl.col("partner") == partner)
        .with_columns(label=pl.col("source") + " · " + pl.col("rule"))
        .select("month", "label", "share_pct")
        .to_dicts()
    )
    return {
        "$schema": SCHEMA,
        "description": f"{words['chart']}: {partner}",
        "config": nocta_theme()["config"],
        "data": {"values": values},
        "mark": "bar",
        "width": "container",
        "encoding": {
            "x": {"field": "month", "type": "ordinal", "title": words["month"]},
            "y": {"field": "share_pct", "type": "quantitative", "title": words["share"],
                  "aggregate": "sum"},
            "color": {"field": "label", "type": "nominal", "title": words["rule"]},
            "tooltip": [
                {"field": "month", "title": words["month"]},
                {"field": "label", "title": words["rule"]},
                {"field": "share_pct", "title": words["share"], "format": ".2f"},
            ],
        },
    }  # fmt: skip


def sections(run_folder: Path, lang: str) -> list[dict]:
    """One dict per partner: its name, chart spec and monthly rows (oldest month first)."""
    folder = run_folder / STEP
    if not (folder / "quality_by_month.parquet").is_file():
        return []
    months = pl.read_parquet(folder / "quality_by_month.parquet")
    rules = pl.read_parquet(folder / "quality_by_month_rule.parquet")
    out = []
    for partner in sorted(months["partner"].unique()):
        rows = months.filter(pl.col("partner") == partner).sort("month", "source")
        out.append(
            {
                "partner": partner,
                "chart": chart(rules, partner, lang),
                "rows": rows.select(COLUMNS).to_dicts(),
            }
        )
    return out


def link(lang: str) -> tuple[str, str, str]:
    """The restricted index's entry for this page."""
    return (PAGE, WORDS[lang]["link"], "")


def page(site, run_folder: Path, lang: str) -> None:
    """Write restricted/<lang>/data-quality.html with `site` (site.build.Site)."""
    words = WORDS[lang]
    found = sections(run_folder, lang)
    site.page(f"restricted/{lang}/{PAGE}", "data_quality.html", lang, words["title"],
              "restricted", q=words, partners=found, columns=COLUMNS,
              has_charts=bool(found))  # fmt: skip
