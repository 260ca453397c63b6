"""The portal site from a run: pages in both languages, charts served from the site itself,
formula-safe downloads, an offline search index without the restricted section, releases with
manifests, and a rollback that puts back an earlier release byte for byte.

The run is hand-written: every county for two years (so the map and all county pages have
data), one market profile, and a county name that looks like a spreadsheet formula. The report
builds are stand-ins (the real ones are tested in test_report_build.py): the assessment exists
in both editions, the strategy does not, which the site must say.
"""

import gzip
import hashlib
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner

from analysis.catalog import Catalog
from analysis.charts import county_rate_bars, national_trend, to_spec
from analysis.reference.counties import BY_CODE
from analysis.results import write_results
from analysis.site.commands import site
from analysis.site.releases import publish, rollback, verify

RUN_ID = "20990101T000000Z"
FORMULA = '=HYPERLINK("http://x")'
RESTRICTED_MARK = "zzrestrictedmarkerqq"


def make_run(home: Path, run_id: str = RUN_ID, bump: int = 0) -> Path:
    """A run with case rates for every county in 2024 and 2025 (`bump` adds cases to Cluj)."""
    run = home / "results" / run_id
    rows = []
    for i, code in enumerate(sorted(BY_CODE)):
        for year in (2024, 2025):
            cases = 10 + i + (year - 2024) * 3 + (bump if code == "CJ" else 0)
            population = 300_000 + 10_000 * i
            rate = cases / population * 100_000
            rows.append({
                "county": code, "year": year, "cases": cases, "population": population,
                "rate": rate, "rate_low": rate * 0.8, "rate_high": rate * 1.2,
                "county_name": FORMULA if code == "VN" else BY_CODE[code].name,
            })  # fmt: skip
    rates = pl.DataFrame(rows).with_columns(pl.col("year").cast(pl.Int32))
    national = rates.group_by("year").agg(pl.col("cases").sum(), pl.col("population").sum())
    national = national.with_columns(rate=pl.col("cases") / pl.col("population") * 100_000)
    cluj = rates.filter((pl.col("county") == "CJ") & (pl.col("year") == 2025)).row(0, named=True)
    write_results(
        run / "case_rates",
        {"case_rates": rates, "case_rates_national": national.sort("year")},
        {
            "county_rates": to_spec(county_rate_bars(rates, 2025)),
            "national_trend": to_spec(national_trend(national.sort("year"))),
        },
        {
            "latest_year": 2025,
            "year_from": 2024,
            "cases_total": int(rates["cases"].sum()),
            "cases_latest_year": int(rates.filter(pl.col("year") == 2025)["cases"].sum()),
            "national_rate_latest_year": 4.2,
            "top_county": "Cluj",
            "top_county_rate": round(cluj["rate"], 2),
        },
    )
    trend = {"description": "cocaine cases by year", "data": {"values": [{"y": 2025, "n": 5}]},
             "mark": "bar", "encoding": {"x": {"field": "y"}, "y": {"field": "n"}}}  # fmt: skip
    write_results(run / "market_profile" / "drugs_cocaine", {}, {"trend": trend}, {})
    record = {
        "run_id": run_id, "nocta_version": "test", "parameters": {"edition": "2099"},
        "snapshots": {"police_cases": {"snapshot_id": "20990101T000000000000Z-aaaa1111"}},
    }  # fmt: skip
    (run / "run.json").write_text(json.dumps(record), encoding="utf-8")
    for edition in ("public", "restricted"):
        for lang in ("ro", "en"):
            folder = home / "reports" / run_id / "nocta" / edition / lang
            folder.mkdir(parents=True)
            mark = RESTRICTED_MARK if edition == "restricted" else "assessment text"
            (folder / "nocta.html").write_text(
                f'<!doctype html><html lang="{lang}"><head><title>NOCTA</title></head><body>'
                f"<main><h1>NOCTA {edition}</h1><p>{mark}</p></main></body></html>"
            )
            (folder / "nocta.pdf").write_bytes(blank_pdf())
            (folder / "manifest.json").write_text("{}")
    return run


def blank_pdf() -> bytes:
    """A one-page PDF with no text: the stand-in document the publication scan can read."""
    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=595, height=842)
    writer.write(out)
    return out.getvalue()


def site_files(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    home = tmp_path_factory.mktemp("site") / "var"
    catalog = Catalog(home)
    first = publish(catalog, make_run(home))
    return catalog, first


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.h1 = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.h1 += tag == "h1"


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_every_page_is_built_in_both_languages(published):
    _, release = published
    root = release.folder
    for lang in ("ro", "en"):
        for name in ("index", "assessment", "strategy", "dashboards", "methodology",
                     "dictionary", "downloads", "releases", "search"):  # fmt: skip
            assert (root / lang / f"{name}.html").is_file(), (lang, name)
        assert len(list((root / lang / "counties").glob("*.html"))) == 42 + 1
        assert (root / lang / "markets" / "drugs_cocaine.html").is_file()
        assert (root / "restricted" / lang / "index.html").is_file()
        assert (root / "docs" / "nocta" / lang / "nocta.pdf").is_file()
        assert RESTRICTED_MARK in (root / "restricted/docs/nocta" / lang / "nocta.html").read_text()
    assert not (root / "docs" / "strategy").exists()
    # the root only leads into the portal; the summary is a page of it, with its menu
    assert 'url=ro/"' in (root / "index.html").read_text() and not (root / "index.pdf").exists()
    summary = (root / "ro" / "summary.html").read_text()
    assert "<nav" in summary and "Pe scurt" in summary and (root / "ro/summary.pdf").is_file()
    assert 'href="summary.html"' in (root / "ro" / "index.html").read_text()
    cluj = (root / "ro" / "counties" / "cj.html").read_text()
    assert "Cluj" in cluj and 'id="map-spec"' in cluj and "counties.geojson" in cluj
    market = (root / "en" / "markets" / "drugs_cocaine.html").read_text()
    # the run's own chart spec (5 cases, inline) never crosses: public figures are drawn anew
    assert "cocaine cases by year" not in market
    assert (
        "no indicators for this market" in (root / "en/markets/human_trafficking.html").read_text()
    )


def test_missing_reports_are_said_not_hidden(published):
    _, release = published
    home = (release.folder / "en" / "index.html").read_text()
    assert "Missing from this release" in home and "report strategy (public, en)" in home
    strategy = (release.folder / "ro" / "strategy.html").read_text()
    assert "Documentul nu a fost generat" in strategy
    manifest = json.loads((release.folder / "manifest.json").read_text())
    assert "report strategy (restricted, ro)" in manifest["missing"]


def test_nothing_is_loaded_from_another_host(published):
    _, release = published
    bundle = release.folder / "assets" / "vega-bundle.js"
    assert bundle.stat().st_size > 100_000 and "vegaEmbed" in bundle.read_text()[-2000:]
    for path in release.folder.rglob("*.html"):
        for tag, attrs in parse(path).tags:
            for attr in ("src", "href"):
                value = attrs.get(attr) or ""
                if tag in ("script", "link", "img", "iframe") or attr == "src":
                    assert not re.match(r"(https?:)?//", value), (path, tag, value)
    dashboards = (release.folder / "ro" / "dashboards.html").read_text()
    assert '<script src="../assets/vega-bundle.js">' in dashboards


def test_pages_are_accessible(published):
    _, release = published
    for path in [
        *release.folder.glob("ro/**/*.html"),
        *release.folder.glob("restricted/en/*.html"),
    ]:
        page = parse(path)
        html = next(a for t, a in page.tags if t == "html")
        assert html.get("lang") in ("ro", "en"), path
        assert page.h1 == 1, path
        assert any(t == "a" and a.get("href") == "#main" for t, a in page.tags), path
        for tag, attrs in page.tags:
            if tag == "div" and "vega" in (attrs.get("class") or ""):
                assert attrs.get("role") == "img" and attrs.get("aria-label"), path
            if tag == "img":
                assert attrs.get("alt"), path
    restricted = (release.folder / "restricted" / "ro" / "index.html").read_text()
    assert 'class="marking"' in restricted and 'class="restricted"' in restricted


def contrast(a: str, b: str) -> float:
    def lum(h):
        c = [int(h[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        c = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_colours_meet_wcag_aa_contrast(published):
    css = (published[1].folder / "assets" / "site.css").read_text()
    colours = dict(re.findall(r"--(\w+): (#[0-9a-f]{6})", css))
    for name in ("ink", "accent", "muted", "warn"):
        assert contrast(colours[name], "#ffffff") >= 4.5, name
    assert contrast("#ffffff", "#7f1d1d") >= 4.5  # the restricted marking banner


def test_downloads_are_formula_safe(published):
    folder = published[1].folder / "downloads"
    csv = pl.read_csv(folder / "case_rates.csv")
    rates = (folder / "case_rates.csv").read_text().splitlines()[1].split(",")
    assert all(len(v.partition(".")[2]) <= 1 for v in rates), rates  # one decimal, for people
    assert "'" + FORMULA in csv["county_name"].to_list()
    assert FORMULA not in csv["county_name"].to_list()
    sheet = openpyxl.load_workbook(folder / "case_rates.xlsx").active
    names = [row[7] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'" + FORMULA in names and FORMULA not in names


def test_search_index_covers_public_pages_only(published):
    pytest.importorskip("pagefind", reason="pagefind[bin] is not installed")
    root = published[1].folder / "pagefind"
    entry = json.loads((root / "pagefind-entry.json").read_text())
    assert {"ro", "en"} <= set(entry["languages"])
    assert (root / "pagefind-ui.js").is_file()
    text = b"".join(gzip.decompress(p.read_bytes()) for p in (root / "fragment").glob("*"))
    assert b"Cluj" in text and b"assessment text" in text
    # words stay apart in the excerpts: a card's label and its value, a table's cells
    assert not re.search(rb"acestuia\d|Cazuri\d|Anul\d", text), "glued words in the index"
    assert RESTRICTED_MARK.encode() not in text


def test_manifest_hashes_every_file(published):
    _, release = published
    manifest = json.loads((release.folder / "manifest.json").read_text())
    assert manifest["run_id"] == RUN_ID and manifest["built"]
    files = site_files(release.folder)
    files.pop("manifest.json")
    assert manifest["files"] == files
    assert verify(release.folder) == []


def test_publish_again_then_rollback_restores_byte_for_byte(published):
    catalog, first = published
    before = site_files(first.folder)
    assert publish(catalog, catalog.results_dir(RUN_ID)).skipped  # nothing changed
    second = publish(catalog, make_run(catalog.home, "20990102T000000Z", bump=40))
    assert not second.skipped and catalog.current_site.resolve() == second.folder
    home = (catalog.current_site / "en" / "index.html").read_text()
    assert "What changed since the previous release" in home and first.release_id in home
    releases = (catalog.current_site / "ro" / "releases.html").read_text()
    assert first.release_id in releases and second.release_id in releases
    assert rollback(catalog) == first.release_id
    assert catalog.current_site.resolve() == first.folder
    assert site_files(catalog.current_site) == before
    with pytest.raises(LookupError, match="no release 'nope'"):
        rollback(catalog, "nope")
    assert rollback(catalog, second.release_id) == second.release_id
    (second.folder / "ro" / "index.html").write_text("tampered")
    with pytest.raises(ValueError, match="no longer matches its manifest"):
        rollback(catalog, second.release_id)


def test_cli_build_publish_rollback(tmp_path, monkeypatch):
    home = tmp_path / "var"
    monkeypatch.setenv("NOCTA_HOME", str(home))
    make_run(home)
    runner = CliRunner()
    built = runner.invoke(site, ["build", "--run", RUN_ID])
    assert built.exit_code == 0, built.output
    assert (Path(built.stdout.strip()) / "en" / "counties" / "cj.html").is_file()
    first = runner.invoke(site, ["publish", "--run", RUN_ID])
    assert first.exit_code == 0, first.output
    second = runner.invoke(site, ["publish", "--run", RUN_ID, "--force"])
    back = runner.invoke(site, ["rollback", first.stdout.strip()])
    assert back.exit_code == 0 and back.stdout.strip() == first.stdout.strip()
    assert Catalog(home).current_site.resolve().name == first.stdout.strip()
    assert second.stdout.strip() != first.stdout.strip()
    assert runner.invoke(site, ["rollback", "nope"]).exit_code == 1
    shutil.rmtree(home)


def test_each_page_speaks_one_language(published):
    """No Romanian on an English page and no English on a Romanian one: text, captions, the
    words of every chart (titles, axes, legends, tooltips, labels), tables, market facts."""
    from language import foreign

    root = published[1].folder
    found = {}
    for lang in ("ro", "en"):
        pages = [*root.glob(f"{lang}/**/*.html"), *root.glob(f"restricted/{lang}/*.html")]
        assert len(pages) > 60
        for page in pages:
            if phrases := foreign(page.read_text(encoding="utf-8"), lang):
                found[page.relative_to(root).as_posix()] = phrases
    assert not found, json.dumps(dict(list(found.items())[:12]), ensure_ascii=False, indent=1)
    market = (root / "ro" / "markets" / "drugs_cocaine.html").read_text()
    assert "Legea nr. 143/2000" in market and "Law 143" not in market
