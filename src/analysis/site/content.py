"""What the site shows, gathered from one run: its record, results, report builds, the release
before it. Load only: nothing here computes an indicator a notebook should have computed.

A missing piece (a report not built, a step not run) is recorded as missing, so the pages can
say so instead of failing or silently leaving a hole.
"""

import json
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import polars as pl

from analysis.catalog import PROJECT, Catalog
from analysis.reference.counties import BY_CODE as COUNTIES
from analysis.reference.geo import county_geojson
from analysis.reference.markets import MARKETS
from analysis.results import Results

DOCUMENTS = ("nocta", "strategy")
EDITIONS = ("public", "restricted")
LANGS = ("ro", "en")
RATES_STEP = "case_rates"
MARKET_STEP = "market_profile"  # results/<run>/market_profile/<market>/ when the run has them
GUIDES = PROJECT / "docs" / "guides"  # <lang>/<name>.md and img/, kept in the repository
GUIDE_NAMES = {  # guide -> its file name in each language (the page's name on the site too)
    "staff": {"ro": "personal", "en": "staff"},
    "analysts": {"ro": "analisti", "en": "analysts"},
    "administrators": {"ro": "administratori", "en": "administrators"},
    "data_stewards": {"ro": "furnizori", "en": "data-stewards"},
}
PUBLISHED_TABLES = {  # step -> tables published for download
    "case_rates": ("case_rates", "case_rates_national"),
}


@dataclass
class SiteContent:
    run: dict
    run_folder: Path  # the run's public view: the open pages read nothing else
    headline: dict
    rates: pl.DataFrame | None  # county x year
    national: pl.DataFrame | None  # year
    charts: dict[str, dict]  # name -> Vega-Lite spec (the run's own)
    tables: dict[str, pl.DataFrame]  # published tables, by name
    documents: dict[tuple[str, str, str], Path]  # (document, edition, lang) -> build folder
    previous: dict | None  # the current release's manifest, if any
    previous_headline: dict = field(default_factory=dict)
    releases: list[dict] = field(default_factory=list)  # earlier releases' manifests
    missing: list[str] = field(default_factory=list)
    market_charts: dict[str, dict[str, dict]] = field(default_factory=dict)  # market -> charts


def report_build(catalog: Catalog, run_id: str, document: str, edition: str, lang: str) -> Path:
    """Where `nocta report build` put one document (analysis/report/build.py's layout)."""
    return catalog.home / "reports" / run_id / document / edition / lang


def load(catalog: Catalog, run_folder: Path, view_folder: Path) -> SiteContent:
    """What the pages show: numbers, figures and downloads from the public view only (the
    restricted section links the restricted editions, which are built apart)."""
    run_folder = run_folder.resolve()
    run = json.loads((run_folder / "run.json").read_text(encoding="utf-8"))
    missing: list[str] = []
    headline, charts, tables = {}, {}, {}
    rates = national = None
    for step, names in PUBLISHED_TABLES.items():
        results = Results(view_folder / step)
        if not results.folder.is_dir():
            missing.append(f"results of step {step}")
            continue
        headline |= {k: v for k, v in results.headline.items() if k != "_hidden"}
        for name in names:
            try:
                tables[name] = results.table(name)
            except LookupError:
                missing.append(f"table {name}")
        for spec in sorted(results.folder.glob("chart_*.vl.json")):
            charts[spec.name[len("chart_") : -len(".vl.json")]] = json.loads(spec.read_text())
    market_charts = {}
    for folder in sorted((view_folder / MARKET_STEP).glob("*")):
        found = {
            p.name[len("chart_") : -len(".vl.json")]: json.loads(p.read_text())
            for p in sorted(folder.glob("chart_*.vl.json"))
        }
        if found:
            market_charts[folder.name] = found
    rates = tables.get("case_rates")
    national = tables.get("case_rates_national")
    documents = {}
    for document in DOCUMENTS:
        for edition in EDITIONS:
            for lang in LANGS:
                folder = report_build(catalog, run["run_id"], document, edition, lang)
                if (folder / f"{document}.html").is_file():
                    documents[(document, edition, lang)] = folder
                else:
                    missing.append(f"report {document} ({edition}, {lang})")
    previous = None
    previous_headline: dict = {}
    manifest = catalog.current_site / "manifest.json"
    if manifest.is_file():
        previous = json.loads(manifest.read_text(encoding="utf-8"))
        old = catalog.current_site / "data" / "headline.json"
        if old.is_file():
            previous_headline = json.loads(old.read_text(encoding="utf-8"))
    releases = []
    for path in sorted(catalog.releases.glob("*/manifest.json"), reverse=True):
        m = json.loads(path.read_text(encoding="utf-8"))
        releases.append({k: m.get(k) for k in ("release_id", "run_id", "built", "notes")})
    return SiteContent(
        run, view_folder, headline, rates, national, charts, tables, documents, previous,
        previous_headline, releases, missing, market_charts,
    )  # fmt: skip


def counties() -> list:
    return sorted(COUNTIES.values(), key=lambda c: c.name_ascii)


def markets() -> list:
    return list(MARKETS)


def _ring_area(ring: list) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1, *_), (x2, y2, *_) in pairwise(ring))


def map_geojson() -> dict:
    """The county boundaries with exterior rings clockwise, as Vega's geoshape wants them."""
    data = json.loads(json.dumps(county_geojson()))
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        for polygon in polygons:
            for i, ring in enumerate(polygon):
                clockwise = _ring_area(ring) < 0
                if clockwise != (i == 0):
                    ring.reverse()
    return data
