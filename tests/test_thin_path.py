"""The whole thin path, as a newcomer runs it: `nocta demo` on a tiny synthetic extract.

Expected numbers are recomputed here from the raw partner files (the police CSV as the police
export it, the INS TEMPO file) and the defects truth, not read back from the pipeline.
"""

import csv
import datetime as dt
import os
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from analysis.reference import county_code

NOCTA = str(Path(sys.executable).with_name("nocta"))
SCALE = "0.002"
SMALL = str(Path(__file__).parent / "fixtures" / "pipeline-small.yaml")


class Tables(HTMLParser):
    """Rows of every <table> in a page, as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.images: list[dict] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "img":
            self.images.append(dict(attrs))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def run_demo(env: dict) -> subprocess.CompletedProcess:
    """`nocta demo` as a newcomer runs it, on the small pipeline fan-out."""
    return subprocess.run(
        [NOCTA, "demo", "--scale", SCALE, "--config", SMALL],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo") / "var"
    env = os.environ | {"NOCTA_HOME": str(home)}
    env.pop("NOCTA_KEYS", None)
    first = run_demo(env)
    assert first.returncode == 0, first.stderr
    return home, env, first


def expected_top_counties(extracts: Path, year: int) -> list[tuple[str, int, float]]:
    """(county, cases, rate) for `year`, ranked, from the raw files and the defects truth."""
    with (extracts / "_defects.csv").open(encoding="utf-8", newline="") as f:
        broken = {int(r["row"]) for r in csv.DictReader(f) if r["file"] == "police_cases.csv"}
    counts: Counter[str] = Counter()
    with (extracts / "police_cases.csv").open(encoding="cp1250", newline="") as f:
        for n, row in enumerate(csv.DictReader(f, delimiter=";"), start=1):
            if n in broken:
                continue
            if dt.datetime.strptime(row["DATA_INREGISTRARE"], "%d.%m.%Y").year == year:
                counts[county_code(row["JUDET"])] += 1
    population = {}
    with (extracts / "population.csv").open(encoding="utf-8", newline="") as f:
        for rec in list(csv.reader(f, skipinitialspace=True))[1:]:
            if rec[4] == f"Anul {year}":
                population[county_code(rec[3])] = int(rec[6])
    rates = [(c, counts[c], counts[c] / population[c] * 100_000) for c in population]
    return sorted(rates, key=lambda r: -r[2])


def test_demo_prints_where_the_site_is(demo):
    home, _, first = demo
    assert str(home / "site" / "current" / "ro" / "index.html") in first.stderr
    assert (home / "site" / "current" / "ro" / "summary.pdf").is_file()


def test_page_shows_a_chart_and_the_rates_computed_from_the_extracts(demo):
    home, _, _ = demo
    page = Tables()
    page.feed((home / "site" / "current" / "ro" / "summary.html").read_text(encoding="utf-8"))
    charts = [img for img in page.images if img.get("src", "").startswith("data:image/svg+xml")]
    assert len(charts) == 2 and all(img.get("alt") for img in charts)

    header, *rows = page.rows
    assert header == ["Județ", "Cazuri", "Populație", "La 100 000 loc."]
    assert 0 < len(rows) <= 10
    # the page is public: counties under 10 cases have no published rate and cannot be
    # ranked; every row shown is the raw files' own count and rate, in rate order
    expected = {
        c: (n, rate) for c, n, rate in expected_top_counties(home / "landing/synthetic", 2025)
    }
    got = [(county_code(r[0]), int(r[1]), r[3]) for r in rows]
    for code, cases, rate in got:
        assert (cases == 0 or cases >= 10) and (cases, rate) == (
            expected[code][0],
            f"{expected[code][1]:.1f}".replace(".", ","),
        ), code
    ranked = [expected[c][1] for c, _, _ in got]
    assert ranked == sorted(ranked, reverse=True)


def test_pdf_has_the_same_page_with_romanian_diacritics(demo):
    home, _, _ = demo
    text = "\n".join(
        p.extract_text() for p in PdfReader(home / "site/current/ro/summary.pdf").pages
    )
    assert "Criminalitatea organizată" in text
    assert "Rata pe județe" in text  # ț is U+021B, comma-below
    assert "ţ" not in text and "ş" not in text


def test_a_second_demo_recomputes_nothing(demo):
    home, env, _ = demo
    release = os.readlink(home / "site" / "current")
    second = run_demo(env)
    assert second.returncode == 0, second.stderr
    assert "Synthetic extracts: unchanged" in second.stderr
    assert second.stderr.count("unchanged snapshot") == 7  # every source of the spec
    assert "Analysis: nothing changed" in second.stderr
    assert "Site: nothing changed" in second.stderr
    assert os.readlink(home / "site" / "current") == release
    assert len(list((home / "runs").iterdir())) == 1


def test_a_failed_notebook_names_the_cell_and_keeps_the_current_results(demo, tmp_path):
    home, env, _ = demo
    before = os.readlink(home / "results" / "current")
    lines = (home / "landing/synthetic/population.csv").read_text(encoding="utf-8").splitlines()
    without_cluj = [line for line in lines if ", Cluj, " not in line]
    broken = tmp_path / "population_without_cluj.csv"
    broken.write_text("\n".join(without_cluj) + "\n", encoding="utf-8")
    ingested = subprocess.run(
        [NOCTA, "ingest", "--source", "population", str(broken)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert ingested.returncode == 0, ingested.stderr

    rates_only = tmp_path / "rates-only.yaml"  # one notebook: the failure is deterministic
    rates_only.write_text(
        Path(SMALL)
        .read_text()
        .replace(
            "notebooks: [case_rates, indicators, threat_assessment, networks, forecasts, "
            "county_profile, market_profile]",
            "notebooks: [case_rates]",
        )
    )
    assert "notebooks: [case_rates]" in rates_only.read_text()
    failed = subprocess.run(
        [NOCTA, "refresh", "--config", str(rates_only)], env=env, capture_output=True, text=True
    )
    assert failed.returncode == 1
    assert "case_rates.ipynb failed in cell" in failed.stderr
    assert "no INS population" in failed.stderr and "CJ" in failed.stderr
    assert "results/current is unchanged" in failed.stderr
    pointer = "executed notebook (with the full traceback): "
    executed = Path(failed.stderr.split(pointer)[1].split()[0])
    assert executed.is_file()
    assert os.readlink(home / "results" / "current") == before


def test_no_cnp_leaves_ingest(demo):
    """No 13-digit CNP-like number in snapshots, results, executed notebooks, audit or site."""
    import re

    import polars as pl

    home, _, _ = demo
    cnp = re.compile(rb"(?<![0-9A-Za-z.])[1-9][0-9]{12}(?![0-9A-Za-z])")  # not in a hash or float
    assert cnp.search(b"GR-000001,1800101221144|2990312400013\n")  # it does see a CNP
    zones = ("curated", "results", "runs", "pipeline", "audit", "site")
    # .snakemake/ is Snakemake's own bookkeeping (job ids, hashes of code), not data
    files = [
        p
        for zone in zones
        for p in (home / zone).rglob("*")
        if p.is_file() and ".snakemake" not in p.parts
    ]
    assert any(p.suffix == ".ipynb" for p in files) and any(p.suffix == ".parquet" for p in files)
    for path in files:
        if path.suffix == ".parquet":
            frame = pl.read_parquet(path)
            flat = [
                pl.col(c).list.join("|") if isinstance(t, pl.List) else pl.col(c)
                for c, t in frame.schema.items()
            ]
            text = frame.select(flat).write_csv().encode()
        else:
            text = path.read_bytes()
        assert not cnp.search(text), path
