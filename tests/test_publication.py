"""The publication boundary: what the public view lets through, and what the scan refuses.

- for random tables, no hidden cell is determined by the published cells and totals (worked
  out independently, by linear programming over every table consistent with what is shown);
- printed totals cannot be differenced (the tiers: 5 hidden, 13 and 12 shown, 30 in all);
- one planted leak of each kind makes `nocta site publish` refuse, naming the file and the
  value, and the release that was current stays current;
- restricted material on disk cannot be read by an analyst's unix user.
"""

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import typst
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from analysis.catalog import Catalog
from analysis.publication.policy import Aggregate, Counts
from analysis.publication.protect import HIDDEN, protect
from analysis.publication.scan import DisclosureFound
from analysis.site.commands import site
from analysis.site.releases import current_release, publish
from test_site import make_run

THRESHOLD = 10


def feasible_range(grid: np.ndarray, hidden: np.ndarray, totals: dict, cell: tuple) -> float:
    """Width of the interval a reader can narrow `cell` to from everything published.

    Unknowns: the hidden cells and the hidden totals (>= 0); equations: every row and column
    sum, and the grand total, with the published values on their side.
    """
    rows, cols = grid.shape
    unknown = [(i, j) for i in range(rows) for j in range(cols) if hidden[i, j]]
    margins = [k for k, (_, shown) in totals.items() if not shown]
    index = {u: n for n, u in enumerate(unknown)} | {
        ("total", k): len(unknown) + n for n, k in enumerate(margins)
    }
    a_eq, b_eq = [], []
    lines = [("row", i) for i in range(rows)] + [("col", j) for j in range(cols)]
    for kind, k in [*lines, ("grand", 0)]:
        cells = [
            (i, j)
            for i in range(rows)
            for j in range(cols)
            if kind == "grand" or (kind == "row" and i == k) or (kind == "col" and j == k)
        ]
        row = np.zeros(len(index))
        known = 0.0
        for c in cells:
            if c in index:
                row[index[c]] += 1
            else:
                known += grid[c]
        value, shown = totals[(kind, k)]
        if shown:
            rhs = value - known
        else:
            row[index[("total", (kind, k))]] -= 1
            rhs = -known
        a_eq.append(row)
        b_eq.append(rhs)
    objective = np.zeros(len(index))
    objective[index[cell]] = 1
    bounds = [(0, None)] * len(index)
    low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    assert low.status == 0 and high.status in (0, 3)  # 3: no upper bound at all
    return float("inf") if high.status == 3 else -high.fun - low.fun


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(2, 5).flatmap(
        lambda rows: st.integers(2, 5).flatmap(
            lambda cols: st.lists(
                st.lists(st.integers(0, 40), min_size=cols, max_size=cols),
                min_size=rows,
                max_size=rows,
            )
        )
    )
)
def test_no_hidden_cell_is_determined_by_what_is_published(values):
    grid = np.array(values, dtype=float)
    rows, cols = grid.shape
    frame = pl.DataFrame(
        [
            {"r": f"r{i}", "c": f"c{j}", "n": int(grid[i, j])}
            for i in range(rows)
            for j in range(cols)
        ]
    )
    public = protect(frame, Counts(("r", "c"), ("n",)), THRESHOLD)
    hidden = np.zeros(grid.shape, dtype=bool)
    for k, row in enumerate(public.table.iter_rows(named=True)):
        i, j = int(row["r"][1:]), int(row["c"][1:])
        hidden[i, j] = bool(public.hidden["n"][k])
        assert hidden[i, j] or not 0 < grid[i, j] < THRESHOLD, "a small count is shown"
    totals = {}
    for t in public.totals.iter_rows(named=True):
        shown = not t[f"n{HIDDEN}"]
        assert not shown or not 0 < t["n"] < THRESHOLD, "a small total is shown"
        if t["r"] is None and t["c"] is None:
            totals[("grand", 0)] = (t["n"], shown)
        elif t["c"] is None:
            totals[("row", int(t["r"][1:]))] = (t["n"], shown)
        else:
            totals[("col", int(t["c"][1:]))] = (t["n"], shown)
    for cell in zip(*np.nonzero(hidden), strict=True):
        assert feasible_range(grid, hidden, totals, tuple(cell)) > 0.5, (cell, grid, hidden)


def test_printed_tier_counts_cannot_be_differenced():
    groups = pl.DataFrame(
        {"tier": ["high"] * 5 + ["medium"] * 13 + ["low"] * 12, "status": ["activ"] * 30}
    )
    public = protect(groups, Aggregate(("tier",)), THRESHOLD)
    shown = dict(zip(public.table["tier"], public.table["groups"], strict=True))
    assert shown["high"] is None  # 5: under the threshold
    assert shown["medium"] is None or shown["low"] is None  # else 30 - 13 - 12 = 5
    assert public.totals["groups"][0] == 30


LEAKS = {
    "small count in chart data": (
        "nocta.html",
        '<script type="application/json">{"data": {"values": [{"cases": 4}]}}</script>',
        "count cases=4",
    ),
    "small count in prose": ("nocta.html", "<p>În 2025: 6 dosare.</p>", "'6 dosare'"),
    "small count in a count table": (
        "nocta.html",
        '<div class="counts" id="tbl-x" data-cols="1"><table><tr><td>Alba</td><td>3</td></tr>'
        "</table></div>",
        "count '3' below 10",
    ),
    "rate beside a hidden count": (
        "nocta.html",
        "<p>sub 10 dosare în 2025, adică 3,0 la 100 000</p>",
        "a rate beside a hidden count",
    ),
    "group id": ("nocta.html", "<p>GR-000012 are cel mai mare scor</p>", "group's id GR-000"),
    "pseudonym": ("nocta.html", "<p>k1-0123456789abcdef</p>", "a pseudonym"),
    "CNP": ("nocta.html", "<p>1800101221144</p>", "CNP-like"),
    "SVG label": (
        "figures/fig-x.svg",
        '<svg xmlns="http://www.w3.org/2000/svg"><path aria-label="Județ: Alba; Cazuri: 6"/></svg>',
        "count Cazuri=6",
    ),
    "CSV download": ("table.csv", "county,cases\nAB,3\n", "row 2: count cases=3"),
    "PDF text": ("nocta.pdf", "pdf:Grupul GR-000012, cu 6 dosare.", "page 1: an organised-crime"),
    "seized value": (
        "routes.json",
        '[{"route": "Constanța", "seizures": 40, "value_ron": 900000}]',
        "value_ron=900000",
    ),
}


@pytest.fixture(scope="module")
def first_release(tmp_path_factory):
    home = tmp_path_factory.mktemp("pub") / "var"
    run = make_run(home)
    catalog = Catalog(home)
    return catalog, run, publish(catalog, run)


@pytest.mark.parametrize("kind", list(LEAKS))
def test_a_planted_leak_refuses_publication_and_keeps_the_current_release(
    first_release, kind, monkeypatch
):
    catalog, run, release = first_release
    name, planted, expected = LEAKS[kind]
    edition = catalog.home / "reports" / run.name / "nocta" / "public" / "ro"
    target = edition / name
    original = target.read_bytes() if target.exists() else None
    target.parent.mkdir(parents=True, exist_ok=True)
    if name == "nocta.html":
        html = original.decode("utf-8").replace("</body>", planted + "</body>")
        target.write_text(html, encoding="utf-8")
    elif planted.startswith("pdf:"):  # a real PDF, typeset by Typst as the documents are
        source = target.with_suffix(".typ")
        source.write_text(planted[4:], encoding="utf-8")
        target.write_bytes(typst.compile(str(source)))
        source.unlink()
    else:
        target.write_text(planted, encoding="utf-8")
    monkeypatch.setenv("NOCTA_HOME", str(catalog.home))
    (catalog.results / "current").unlink(missing_ok=True)
    (catalog.results / "current").symlink_to(run.name)
    try:
        with pytest.raises(DisclosureFound) as refused:
            publish(catalog, run, force=True)
        message = str(refused.value)
        assert f"docs/nocta/ro/{name}" in message and expected in message, message
        result = CliRunner().invoke(site, ["publish", "--force"])
        assert result.exit_code == 1 and "current release is unchanged" in result.output
        assert current_release(catalog) == release.release_id
        assert sorted(p.name for p in catalog.releases.iterdir()) == [release.release_id]
    finally:
        if original is None:
            target.unlink()
        else:
            target.write_bytes(original)


def test_restricted_material_is_closed_to_everyone_but_owner_and_group(first_release):
    _, _, release = first_release
    restricted = release.folder / "restricted"
    assert restricted.stat().st_mode & 0o777 == 0o750
    for path in restricted.rglob("*"):
        mode = path.stat().st_mode & 0o777
        assert mode == (0o750 if path.is_dir() else 0o640), (path, oct(mode))


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("runuser"), reason="needs root")
def test_an_analyst_cannot_read_the_restricted_editions(tmp_path):
    """The analyst's unix account as the hub's spawner makes it (its own group): the restricted
    part of the release is refused, the public one is readable. (The restricted builds'
    modes are checked in test_report_build.py.)"""
    name = "nocta-pubtest"
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--no-create-home", "--user-group", "--shell", "/usr/sbin/nologin", name],
            check=True,
        )
    root = Path(tempfile.mkdtemp(prefix="nocta-pub-", dir="/tmp"))
    try:
        root.chmod(0o755)
        run = make_run(root / "var")
        release = publish(Catalog(root / "var"), run)
        (root / "var").chmod(0o755)
        public = release.folder / "docs" / "nocta" / "ro" / "nocta.html"
        secret = release.folder / "restricted" / "docs" / "nocta" / "ro" / "nocta.html"

        def read(path: Path) -> subprocess.CompletedProcess:
            return subprocess.run(
                ["runuser", "-u", name, "--", "cat", str(path)], capture_output=True, text=True
            )

        assert read(public).returncode == 0
        refused = read(secret)
        assert refused.returncode != 0 and "Permission denied" in refused.stderr
    finally:
        shutil.rmtree(root, ignore_errors=True)
