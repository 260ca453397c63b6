"""The analysts' tutorials (notebooks/tutorials/): committed clean, bilingual, and every one runs
top to bottom in an analyst's own server on the hub, on the demo data, showing what it promises.

The demo is `nocta demo` on the small pipeline (the thin-path helper), run once for the module,
behind a real hub with the demo's limits (memory cgroup, CPU quota). As an analyst would, `ana`
copies the tutorials from a JupyterLab terminal and runs each one with its own default
parameters through her server's kernels (hub_config/nocta_hub/server_client.py), then the case
tutorial in the case's collaboration server; the executed notebooks are then opened in her
JupyterLab in chromium. Papermill in the test's own process would miss the server's limits,
user and environment: that is how a kernel dying at the first chart went unnoticed.
Expected numbers are recomputed here from the snapshots, not read back from the outputs.
"""

import asyncio
import csv
import json
import os
import pwd
import re
import string
import subprocess
import sys
import tomllib
from pathlib import Path

import altair as alt
import nbformat
import polars as pl
import pytest
import requests
import yaml

from analysis.catalog import PROJECT, Catalog
from analysis.notebook_run import declared_parameters
from analysis.pipeline.inputs import SNAPSHOT_PARAMS
from analysis.pipeline.plan import plan_steps
from analysis.report.formatting import parse_number
from test_thin_path import NOCTA, run_demo

sys.path.insert(0, str(PROJECT / "hub_config"))
from nocta_hub import server_client, testing

TUTORIALS = PROJECT / "notebooks" / "tutorials"
NAMES = sorted(p.stem for p in TUTORIALS.glob("*.ipynb"))
CNP_LIKE = re.compile(r"(?<!\d)\d{13}(?!\d)")
# in an SVG, digits after a decimal point are coordinates, not identifiers
CNP_LIKE_IN_SVG = re.compile(r"(?<![\d.,])\d{13}(?!\d)")
NUMBER = r"-?[\d\u202f]+(?:,\d+)?"
VEGA_MIMETYPE = "application/vnd.vega.v5+json"  # the one JupyterLab 4 draws itself
SVG_NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def test_the_series_is_numbered_one_to_seven():
    assert [n[:3] for n in NAMES] == [f"{i:02d}_" for i in range(1, 8)], NAMES


@pytest.mark.parametrize("name", NAMES)
def test_committed_clean_bilingual_with_comma_below_diacritics(name):
    path = TUTORIALS / f"{name}.ipynb"
    text = path.read_text(encoding="utf-8")
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "nocta"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: outputs"
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith(f"# {int(name[:2])}. ")
    for cell in nb.cells:
        if cell.cell_type == "markdown":  # Romanian first, the English in italics after it
            assert re.search(r"(?m)^\*\S", cell.source) or "\n*" in cell.source, cell.source[:80]
    assert not set("şţŞŢ") & set(text), f"{name}: cedilla ş/ţ; Romanian uses comma-below ș/ț"
    assert set("șțăî") & set(text)
    assert not CNP_LIKE.search(text), f"{name}: a 13-digit number in the committed notebook"
    declared_parameters(path)  # exactly one `parameters` cell of literals


def test_tutorials_never_become_pipeline_steps(tmp_path):
    config = yaml.safe_load((PROJECT / "pipelines" / "config.yaml").read_text(encoding="utf-8"))
    snapshots = {source: {"snapshot_id": "s"} for source in SNAPSHOT_PARAMS}
    steps = plan_steps(config, PROJECT / "notebooks", snapshots)
    assert steps and all(s.notebook.parent == PROJECT / "notebooks" for s in steps)
    for name in (f"tutorials/{NAMES[1]}", "../notebooks/case_rates", ""):
        with pytest.raises(ValueError, match="subfolders such as tutorials/ never run"):
            plan_steps(config | {"notebooks": [name]}, PROJECT / "notebooks", snapshots)


def test_an_analyst_copies_the_tutorials_home_without_losing_their_edits(tmp_path):
    dest = tmp_path / "home" / "tutoriale-nocta"
    first = subprocess.run(
        [NOCTA, "tutorials", "--to", str(dest)], capture_output=True, text=True, check=True
    )
    assert sorted(p.stem for p in dest.iterdir()) == NAMES
    assert first.stdout.count("copied ") == len(NAMES)
    edited = dest / f"{NAMES[0]}.ipynb"
    edited.write_text(
        edited.read_text(encoding="utf-8").replace("police_cases", "court_decisions"),
        encoding="utf-8",
    )
    again = subprocess.run(
        [NOCTA, "tutorials", "--to", str(dest)], capture_output=True, text=True, check=True
    )
    assert "copied " not in again.stdout and f"kept   {edited} (already there)" in again.stdout
    assert edited.read_text(encoding="utf-8") != (TUTORIALS / edited.name).read_text("utf-8")


def test_charts_display_with_jupyterlabs_own_vega_and_as_svg_drawn_here():
    from analysis.charts import VEGA_MIMETYPE as ENABLED  # importing enables the renderer

    frame = pl.DataFrame({"market": ["a", "b"], "rate": [0.1234567890123456, 2.5]})
    chart = alt.Chart(frame).mark_bar().encode(x="rate:Q", y="market:N", tooltip=["rate:Q"])
    bundle = chart.properties(title="Rata")._repr_mimebundle_()
    assert ENABLED == VEGA_MIMETYPE and set(bundle) == {
        VEGA_MIMETYPE,
        "image/svg+xml",
        "text/plain",
    }
    vega = bundle[VEGA_MIMETYPE]  # compiled Vega, no Vega-Lite left for a renderer to fetch
    assert vega["$schema"].startswith("https://vega.github.io/schema/vega/") and vega["marks"]
    values = [v for d in vega["data"] for v in d.get("values", [])]
    assert {"market": "a", "rate": 0.123457} in values  # rounded as in saved specs
    assert vega["config"]["locale"]["number"]["decimal"] == ","  # the nocta theme kept
    urls = re.findall(r"https?://[^\s\"]+", json.dumps(vega) + bundle["image/svg+xml"])
    assert set(urls) <= {vega["$schema"], *SVG_NAMESPACES}, urls
    assert bundle["image/svg+xml"].startswith("<svg") and "Rata" in bundle["image/svg+xml"]
    assert bundle["text/plain"] == "<grafic / chart: Rata>"
    assert "rate: 0,123457;" in bundle["image/svg+xml"]  # rounded, not a CNP


# --- every tutorial, run as an analyst runs it: in her own server on the hub -------------

DEMO_SETTINGS = tomllib.loads((PROJECT / "hub_config" / "settings.demo.toml").read_text())
CASE_TUTORIAL = "06_case_collaboration"


@pytest.fixture(scope="module")
def demo():
    """The demo's data root behind a real hub with the demo's limits (settings.demo.toml):
    `ana` logs in, starts her server, copies the tutorials from a JupyterLab terminal, and runs
    each one top to bottom through her server's kernels; then, as a member of the demo case's
    team, she runs the case tutorial in the case's collaboration server. Failures are kept per
    name, so that each test reports its own."""
    if os.geteuid() != 0:
        pytest.skip("the hub runs as root: servers start as the analysts' unix users")

    def seed(home: Path) -> None:
        env = os.environ | {"NOCTA_HOME": str(home)}
        env.pop("NOCTA_KEYS", None)
        made = run_demo(env)
        assert made.returncode == 0, made.stderr

    hub = testing.start_hub(
        {"ana": ["analysts", "case-demo-team"], "case-demo": []},
        cases=["demo"],
        settings={"spawner": DEMO_SETTINGS["spawner"]},
        seed=seed,
    )
    try:
        token = testing.user_token(hub, "ana")
        executed = {}
        for server in ("ana", "case-demo"):
            reply = requests.post(
                f"{hub.url}hub/api/users/{server}/server",
                headers={"Authorization": f"token {token}"},
            )
            assert reply.status_code in (201, 202), hub.log_tail(80)
            hub.wait_ready(server)
            copied = server_client.run_in_terminal(hub.url, server, token, "nocta tutorials")
            assert copied.count("copied ") == len(NAMES), copied
            names = NAMES if server == "ana" else [CASE_TUTORIAL]
            for name in names:
                path = f"tutoriale-nocta/{name}.ipynb"
                run = server_client.run_notebook(hub.url, server, token, path)
                executed[name if server == "ana" else f"{server}/{name}"] = asyncio.run(run)
        homes = {
            "ana": Path(pwd.getpwnam(hub.unix_name("ana")).pw_dir),
            "case-demo": hub.home / "cases" / "demo",
        }
        yield Catalog(hub.home), homes, executed, hub
    finally:
        testing.stop_hub(hub)


def _run(demo, stem: str, server: str = "") -> nbformat.NotebookNode:
    name = next(n for n in NAMES if n[3:] == stem)
    nb = demo[2][f"{server}/{name}" if server else name]
    assert nb.metadata["nocta_run"] == "ok", _failure(nb)
    return nb


def _failure(nb: nbformat.NotebookNode) -> str:
    """What the analyst would have seen at the cell that stopped the run."""
    if nb.metadata["nocta_run"] == "died":
        return "the kernel died (JupyterLab: Kernel Restarting); last outputs: " + _text(nb)[-800:]
    errors = [o for o in _outputs(nb) if o.output_type == "error"]
    return "\n".join(errors[-1]["traceback"]) if errors else _text(nb)[-800:]


def _outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def _text(nb: nbformat.NotebookNode) -> str:
    """What the reader sees as text: printed lines and results (tables, values)."""
    parts = []
    for out in _outputs(nb):
        parts.append(out.get("text", ""))
        data = out.get("data", {})
        parts += [data.get("text/plain", ""), data.get("text/html", "")]
    return "\n".join(parts)


def _charts(nb: nbformat.NotebookNode) -> list[str]:
    """The charts shown: nocta charts are drawn by JupyterLab itself (Vega) and carry an SVG
    for other readers; a saved chart from a run's results is shown as its SVG file."""
    charts = [o["data"] for o in _outputs(nb) if "image/svg+xml" in o.get("data", {})]
    assert all("<svg" in chart["image/svg+xml"][:300] for chart in charts)
    return [chart["text/plain"] for chart in charts]


def _vega_charts(nb: nbformat.NotebookNode) -> list[str]:
    return [o["data"]["text/plain"] for o in _outputs(nb) if VEGA_MIMETYPE in o.get("data", {})]


@pytest.mark.parametrize("name", [*NAMES, f"case-demo/{CASE_TUTORIAL}"])
def test_runs_top_to_bottom_without_an_error_or_anything_personal(demo, name):
    nb = demo[2][name]
    assert nb.metadata["nocta_run"] == "ok", _failure(nb)
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.get("name") == "stderr" and o["text"].strip()], name
    assert not CNP_LIKE.search(_text(nb)), f"{name}: a 13-digit number in the outputs"
    for out in outputs:
        svg = out.get("data", {}).get("image/svg+xml", "")
        assert not CNP_LIKE_IN_SVG.search(svg), f"{name}: a 13-digit number in a chart"
    if not name.endswith("case_collaboration"):  # the others show a plot
        assert _charts(nb), f"{name}: no chart"


def test_snapshot_tutorial_shows_the_current_manifest(demo):
    catalog = demo[0]
    text = _text(_run(demo, "snapshot"))
    manifest = catalog.snapshot_manifest("police_cases")
    assert manifest["rows_quarantined"] > 0  # the demo injects defects: reasons to show
    assert "Contract:                 nocta.police_cases versiunea / version " in text
    assert manifest["contract_version"] in text and manifest["snapshot_id"] in text
    for label, key in [
        ("Acceptate / accepted", "rows_accepted"),
        ("În carantină", "rows_quarantined"),
    ]:
        shown = re.search(rf"{label}[^:]*:\s+({NUMBER})", text)
        assert shown and parse_number(shown.group(1)) == manifest[key], label
    assert "police_cases: de ce au fost respinse rânduri" in _vega_charts(_run(demo, "snapshot"))[0]


def test_linking_tutorial_finds_police_suspects_at_the_prosecution(demo):
    catalog = demo[0]
    text = _text(_run(demo, "link_persons"))
    shown = re.search(r"persons linked across sources: (\d+)", text)
    suspects = catalog.scan_snapshot("police_cases").select(pl.col("suspect_ids").explode())
    defendants = catalog.scan_snapshot("prosecution_cases").select(
        pl.col("defendant_ids").explode().alias("suspect_ids")
    )
    both = suspects.join(defendants, on="suspect_ids").unique().select(pl.len()).collect().item()
    assert shown and int(shown.group(1)) == both > 0
    assert "every id is a pseudonym" in text


def test_county_tutorial_gives_the_rate_with_its_interval_and_a_map(demo):
    nb = _run(demo, "county_indicator_map")
    text = _text(nb)
    line = re.search(
        rf"Cluj, 2025: .*?({NUMBER}) la 100 000 .*?95 %: ({NUMBER}) – ({NUMBER})", text
    )
    assert line, text[:2000]
    rate, low, high = (parse_number(g) for g in line.groups())
    assert low <= rate <= high
    assert "<grafic / chart: Cluj (conturat) pe harta ratelor, 2025>" in _vega_charts(nb)


def test_forecast_tutorial_prints_intervals_and_the_mase_against_the_naive(demo):
    text = _text(_run(demo, "forecast"))
    assert re.search(rf"MASE: {NUMBER} \(naivul sezonier / seasonal naive: {NUMBER}\)", text)
    rows = re.findall(
        rf"\): ({NUMBER}) cazuri; interval 80 %: ({NUMBER}) – ({NUMBER}); "
        rf"interval 95 %: ({NUMBER}) – ({NUMBER})",
        text,
    )
    assert len(rows) == 3, text[:2000]
    for row in rows:
        point, lo80, hi80, lo95, hi95 = (parse_number(v) for v in row)
        assert lo95 <= lo80 <= point <= hi80 <= hi95


def test_parameterised_tutorial_runs_county_profile_for_a_county_the_pipeline_skipped(demo):
    work = demo[1]["ana"] / "tutoriale-nocta"
    text = _text(_run(demo, "run_parameterised"))
    assert "has no step 'county_profile/BH'" in text  # the small pipeline ran CJ and B only
    assert "unknown: countie" in text  # a typo is refused, not run on the defaults
    folder = work / "nocta_lucru" / "county_profile_BH"
    executed = nbformat.read(folder / "county_profile.ipynb", as_version=4)
    injected = next(
        c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])
    )
    assert 'county = "BH"' in injected.source
    assert (folder / "results" / "headline.json").is_file() and "Bihor, " in text


def test_case_tutorial_in_her_own_server_points_to_the_case_server(demo):
    text = _text(_run(demo, "case_collaboration"))
    assert "your private server: what you save here only you see" in text
    assert "/hub/spawn/case-demo" in text


def test_case_tutorial_in_the_case_server_leaves_a_folder_the_team_shares(demo):
    catalog, homes = demo[0], demo[1]
    text = _text(_run(demo, "case_collaboration", server="case-demo"))
    assert "the team's server: what you save here the whole team sees" in text
    shared = homes["case-demo"] / "caz_demo"
    readme = (shared / "README.md").read_text(encoding="utf-8")
    assert catalog.latest_snapshot("police_cases") in readme
    table = pl.read_parquet(shared / "rezultate" / "cazuri_pe_piete_2025.parquet")
    assert table.filter(pl.col("cases") < 10).height == 0  # small cells hidden before sharing


def test_personal_data_tutorial_exports_a_protected_spreadsheet_safe_csv(demo):
    work = demo[1]["ana"] / "tutoriale-nocta"
    text = _text(_run(demo, "personal_data"))
    assert "'=HYPERLINK" in text and "'@SUM" in text
    (export,) = (work / "nocta_lucru").glob("cazuri_pe_piete_*.csv")
    with export.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    cells = [c for row in rows[1:] for c in row[1:]]
    assert "x" in cells and all(c == "x" or int(c) >= 10 for c in cells)
    assert all(not row[0] or row[0][0] not in "=+-@" for row in rows)
    assert all(set(row[0]) <= set(string.ascii_letters + "_'") for row in rows)


CHROMIUM = "/usr/bin/chromium"


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_jupyterlab_draws_every_tutorials_charts_with_nothing_from_another_host(demo):
    """Each executed tutorial opened in ana's JupyterLab in chromium (Debian's, driven by
    Playwright): every nocta chart drawn by JupyterLab's own Vega renderer without a warning,
    and no request to any host but the hub (the intranet has no internet)."""
    from urllib.parse import urlsplit

    from playwright.sync_api import sync_playwright

    hub, executed = demo[3], demo[2]
    token = testing.user_token(hub, "ana")
    contents = f"{hub.url}user/ana/api/contents/executate"
    auth = {"Authorization": f"token {token}"}
    requests.put(contents, json={"type": "directory"}, headers=auth).raise_for_status()
    expected = {}
    for name in NAMES:
        nb = executed[name]
        assert nb.metadata["nocta_run"] == "ok", _failure(nb)
        expected[name] = len(_vega_charts(nb))
        saved = requests.put(
            f"{contents}/{name}.ipynb", json={"type": "notebook", "content": nb}, headers=auth
        )
        saved.raise_for_status()
    here = urlsplit(hub.url).netloc
    elsewhere, drawn, problems = [], {}, []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on(
            "request",
            lambda r: urlsplit(r.url).netloc not in ("", here) and elsewhere.append(r.url),
        )
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on(  # e.g. "The input spec uses Vega v6, but the current version of Vega is v5"
            "console",
            lambda m: (
                m.type in ("warning", "error")
                and "vega" in m.text.lower()
                and problems.append(m.text)
            ),
        )
        page.goto(f"{hub.url}hub/login")
        page.fill("input[name=username]", "ana")
        page.fill("input[name=password]", hub.accounts["ana"]["password"])
        page.click("#login_submit")
        page.wait_for_url("**/user/ana/lab**", timeout=60_000)
        for name, count in expected.items():
            # ?reset: a fresh workspace, this notebook the only one open
            page.goto(f"{hub.url}user/ana/lab/tree/executate/{name}.ipynb?reset")
            shown = page.locator(".jp-NotebookPanel")
            charts = shown.locator(".jp-RenderedVega5 .vega-embed canvas")
            if count:
                charts.nth(count - 1).wait_for(state="attached", timeout=60_000)
            shown.locator(".jp-Cell").first.wait_for(timeout=60_000)
            drawn[name] = charts.count()
        browser.close()
    assert drawn == expected and sum(expected.values()) >= 5, drawn
    assert not elsewhere, sorted(set(elsewhere))
    assert not problems, problems
