"""The NOCTA and the strategy build from a run: both documents, languages and editions.

The run is hand-written (a few counties, one market) so the expected cells are known: in the
public edition the counts 3 and 7 must not appear in a count table, in the restricted edition
they must; every PDF page carries the classification marking and the colophon the run id.
"""

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from analysis.catalog import Catalog
from analysis.report.build import MARKING, BuildSpec, build_all, build_one, output_dir
from analysis.report.checks import PublicationRefused, small_cells_markdown
from analysis.report.commands import report
from analysis.results import write_results

RUN_ID = "20990101T000000Z"


def bar_chart(values: list[dict], x: str, y: str) -> dict:
    """A run's chart as a notebook saves it: Romanian axis titles (the documents translate)."""
    titles = {"cases": "Cazuri", "year": "Anul", "county": "Județ"}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": values},
        "mark": "bar",
        "encoding": {
            "x": {"field": x, "type": "quantitative", "title": titles.get(x, x)},
            "y": {"field": y, "type": "nominal", "title": titles.get(y, y)},
        },
        "description": "Bare",
    }


def make_run(home: Path) -> Path:
    run = home / "results" / RUN_ID
    rates = pl.DataFrame(
        {
            "county": ["CJ", "B", "AB", "SJ", "CT"],
            "county_name": ["Cluj", "București", "Alba", "Sălaj", "Constanța"],
            "year": [2025] * 5,
            "cases": [73519, 420, 3, 7, 150],
            "population": [690000, 1700000, 320000, 210000, 650000],
        }
    ).with_columns(rate=pl.col("cases") / pl.col("population") * 100_000)
    write_results(
        run / "case_rates",
        {"case_rates": rates},
        {
            "county_rates": bar_chart(
                [{"county": "Cluj", "rate": 5.0}, {"county": "Alba", "rate": 0.9}], "rate", "county"
            ),
            "national_trend": bar_chart([{"year": "2025", "rate": 4.6}], "rate", "year"),
        },
        {
            "latest_year": 2025,
            "year_from": 2015,
            "cases_latest_year": 74099,
            "national_rate_latest_year": 4.61,
            "top_county": "Cluj",
            "top_county_rate": 10655.0,
            "cases_total": 412345,
        },
    )
    write_results(
        run / "threat_assessment",
        {
            "ocg_tiers": pl.DataFrame(
                {"tier": [1, 2, 3], "groups": [3, 12, 15], "members": [40, 96, 120]}
            ).with_columns(score_mean=pl.Series([0.8, 0.5, 0.2])),
            "priorities": pl.DataFrame(
                {
                    "priority": [1, 2],
                    "market": ["drugs_cocaine", "human_trafficking"],
                    "market_name": ["trafic de cocaină", "trafic de persoane"],
                    "score": [81.0, 64.0],
                    "prevalence_level": [3, 2],
                    "trend_level": [2, 3],
                    "group_level": [3, 2],
                    "harm_level": [3, 3],
                    "reasons": [
                        "prejudicii severe (alimentează violența celorlalte piețe)",
                        "grupuri: niciun grup activ în registru",
                    ],
                }
            ),
        },
        {},
        {"top_market": "trafic de cocaină", "groups_active": 30, "groups_tier1": 3},
    )
    write_results(
        run / "market_profile" / "drugs_cocaine",
        {
            "market_seizures": pl.DataFrame(
                {
                    "route": ["Constanța port", "Balkans", "Airport"],
                    "unit": ["kg", "kg", "kg"],
                    "seizures": [40, 12, 4],
                    "quantity": [410.5, 95.0, 3.2],
                    "value_ron": [5_000_000.0, 900_000.0, 60_000.0],
                }
            )
        },
        {"trend": bar_chart([{"year": "2025", "cases": 55}], "cases", "year")},
        {"latest_year": 2025, "cases_latest": 55, "trend_pct": 12.5, "groups": 4},
    )
    record = {
        "run_id": RUN_ID,
        "started": "2099-01-01T00:00:00+00:00",
        "finished": "2099-01-01T00:05:00+00:00",
        "nocta_version": "test",
        "git": {"commit": "0123456789abcdef0123", "dirty": False},
        "parameters": {"edition": "2099", "year_from": 2015, "year_to": 2025},
        "notebooks": ["case_rates", "threat_assessment"],
        "snapshots": {"police_cases": {"snapshot_id": "20990101T000000000000Z-aaaa1111"}},
    }
    (run / "run.json").write_text(json.dumps(record), encoding="utf-8")
    return run


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    run = make_run(home)
    catalog = Catalog(home)
    return catalog, run, build_all(catalog, run)


def pdf_pages(folder: Path, document: str) -> list[str]:
    return [p.extract_text() or "" for p in PdfReader(folder / f"{document}.pdf").pages]


def flat(text: str) -> str:
    return re.sub(r"[\s\u202f\u00a0]+", " ", text)


def test_every_document_edition_and_language_is_built(built):
    catalog, _, folders = built
    assert len(folders) == 12  # nocta, strategy, monitoring x 2 editions x 2 languages
    for folder in folders:
        document, edition, lang = folder.parts[-3:]
        assert folder == output_dir(catalog, RUN_ID, BuildSpec(document, edition, lang))
        assert (folder / f"{document}.html").stat().st_size > 0
        assert (folder / "vega-bundle.js").exists()  # local, never a CDN
        html = (folder / f"{document}.html").read_text(encoding="utf-8")
        assert "cdn" not in html.lower() and MARKING[(edition, lang)] in html
        pages = pdf_pages(folder, document)
        assert len(pages) >= 4
        for number, text in enumerate(pages, start=1):
            assert MARKING[(edition, lang)] in text, f"{folder} page {number} has no marking"
        assert any(RUN_ID in text and "aaaa1111" in text for text in pages[:3])  # colophon
        created = PdfReader(folder / f"{document}.pdf").metadata.creation_date
        assert created.date() >= dt.date.today() - dt.timedelta(days=1)  # built now, not 1970


def test_romanian_says_de_after_numbers_from_20():
    from analysis.report.grammar import with_de

    assert with_de("**876** dosare, 30 grupuri, 19 dosare") == (
        "**876** de dosare, 30 de grupuri, 19 dosare"
    )
    assert with_de("101 dosare, 1.000 cazuri, 1.019 dosare, 2,5 cazuri, în 2025 dosare") == (
        "101 dosare, 1.000 de cazuri, 1.019 dosare, 2,5 cazuri, în 2025 dosare"
    )


def test_public_edition_hides_small_counts_and_restricted_shows_them(built):
    _, _, folders = built
    by = {folder.parts[-3:]: folder for folder in folders}
    public = flat(" ".join(pdf_pages(by[("nocta", "public", "ro")], "nocta")))
    restricted = flat(" ".join(pdf_pages(by[("nocta", "restricted", "ro")], "nocta")))
    # Alba's 3 cases and Sălaj's 7: hidden (x) in public, shown in restricted
    assert re.search(r"Alba x 320 000", public) and re.search(r"Sălaj x 210 000", public)
    assert "Alba 3 320 000" in restricted and "Sălaj 7 210 000" in restricted
    assert "Cluj 73 519" in public and "Cluj 73 519" in restricted
    # tier 1 has 3 groups: hidden, and with a totals row a second tier must go with it
    html = (by[("nocta", "public", "en")] / "nocta.html").read_text(encoding="utf-8")
    assert "withheld" in html
    # seizure values (no largest-seizure columns for the dominance rule) stay restricted
    assert "900,000" not in html
    restricted_html = (by[("nocta", "restricted", "en")] / "nocta.html").read_text("utf-8")
    assert "900,000" in restricted_html


def test_restricted_editions_are_closed_to_other_users(built):
    _, _, folders = built
    for folder in folders:
        restricted = folder.parts[-2] == "restricted"
        assert folder.stat().st_mode & 0o777 == (0o750 if restricted else 0o755), folder
        for path in folder.rglob("*"):
            if restricted:
                mode = path.stat().st_mode & 0o777
                assert mode == (0o750 if path.is_dir() else 0o640), (path, oct(mode))
            else:
                assert path.stat().st_mode & 0o004, path  # the public edition is for everyone


def test_missing_results_are_a_visible_note_not_a_crash(built):
    _, _, folders = built
    folder = next(f for f in folders if f.parts[-3:] == ("nocta", "restricted", "en"))
    html = flat((folder / "nocta.html").read_text(encoding="utf-8"))
    # the hand-made run has no forecasts and no networks step
    assert "not in this run" in html
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert any(name.startswith("forecasts/") for name in manifest["not_in_run"])
    assert any(name.startswith("networks/") for name in manifest["not_in_run"])


def test_a_rebuild_with_nothing_changed_keeps_the_built_files(built):
    catalog, run, folders = built
    before = {f: (f / "manifest.json").stat().st_mtime_ns for f in folders}
    again = build_all(catalog, run)
    assert again == folders
    assert {f: (f / "manifest.json").stat().st_mtime_ns for f in again} == before


def test_changing_a_number_in_the_results_changes_both_formats(built):
    catalog, run, _ = built
    headline = run / "case_rates" / "headline.json"
    values = json.loads(headline.read_text(encoding="utf-8"))
    values["cases_latest_year"] = 81234
    headline.write_text(json.dumps(values), encoding="utf-8")
    try:
        folder = build_one(catalog, run, BuildSpec("strategy", "restricted", "en"))
        assert "81,234" in flat((folder / "strategy.html").read_text(encoding="utf-8"))
        assert "81,234" in flat(" ".join(pdf_pages(folder, "strategy")))
        assert "74,099" not in flat(" ".join(pdf_pages(folder, "strategy")))
    finally:
        values["cases_latest_year"] = 74099
        headline.write_text(json.dumps(values), encoding="utf-8")


def test_a_public_edition_with_a_pseudonym_is_refused_and_nothing_is_written(tmp_path):
    run = make_run(tmp_path)
    catalog = Catalog(tmp_path)
    table = run / "threat_assessment" / "priorities.parquet"
    frame = pl.read_parquet(table).with_columns(  # a published column, filled in by mistake
        market_name=pl.lit("leader k1-0123456789abcdef, CNP 1800101221144")
    )
    frame.write_parquet(table)
    spec = BuildSpec("nocta", "public", "ro")
    with pytest.raises(PublicationRefused) as refused:
        build_one(catalog, run, spec)
    message = str(refused.value)
    assert "nocta (public edition, ro)" in message
    assert "a pseudonym" in message and "13-digit" in message and "08-prioritizare.md" in message
    assert not output_dir(catalog, RUN_ID, spec).exists()
    assert not list(output_dir(catalog, RUN_ID, spec).parent.glob("*"))  # no temp left


def test_the_check_finds_an_unsuppressed_small_cell():
    markdown = (
        '::: {.counts cols="1"}\n| Județ | Cazuri |\n|:---|---:|\n| Alba | 3 |\n| Cluj | x |\n:::\n'
    )
    found = small_cells_markdown(markdown, 10, lambda line: f"line {line}")
    assert [str(f) for f in found] == ["line 4: count '3' below 10"]


def test_cli_builds_one_edition(tmp_path, monkeypatch):
    run = make_run(tmp_path)
    (tmp_path / "results" / "current").symlink_to(run.name)
    monkeypatch.setenv("NOCTA_HOME", str(tmp_path))
    result = CliRunner().invoke(
        report, ["build", "--document", "nocta", "--edition", "public", "--lang", "ro"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "reports" / RUN_ID / "nocta" / "public" / "ro" / "nocta.pdf").exists()
    missing = CliRunner().invoke(report, ["build", "--run", "nope"])
    assert missing.exit_code == 1 and "run `nocta refresh` first" in missing.output
    shutil.rmtree(tmp_path / "reports")


def test_english_documents_are_english(built):
    """Figures (titles, axes, legends, the county map's 'no data'), tables and text of the
    English editions hold no Romanian; the Romanian ones no stock English."""
    from language import foreign

    _, _, folders = built
    for folder in folders:
        document, _, lang = folder.parts[-3:]
        if document not in ("nocta", "strategy"):  # the monitoring report: its own authors'
            continue
        found = foreign((folder / f"{document}.html").read_text(encoding="utf-8"), lang)
        assert not found, (folder.parts[-3:], found[:10])


def test_documents_read_inside_one_main_landmark(built):
    _, _, folders = built
    for folder in folders:
        html = (folder / f"{folder.parts[-3]}.html").read_text(encoding="utf-8")
        body = html.split("<body", 1)[1]
        assert html.count("<main") == 1 and body.split(">", 1)[1].lstrip().startswith("<main")
        assert body.index("</main>") < body.index('<script src="')  # all text inside main
