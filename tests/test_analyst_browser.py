"""An analyst's JupyterLab in a real browser (Debian's chromium driven by Playwright): charts
are drawn by JupyterLab's own Vega renderer, and no page of the server asks another host for
anything (the intranet has no internet).

A real hub with the demo's limits; `ana` starts her server, a notebook with a nocta chart is
run in it through the server's kernel (as "Run all" would) and saved in her home, then opened
in her JupyterLab in the browser. Every request the browser makes is recorded.
"""

import asyncio
import os
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "hub_config"))

from nocta_hub import server_client, testing  # noqa: E402

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
DEMO = tomllib.loads((ROOT / "hub_config" / "settings.demo.toml").read_text())
CHART = """\
import altair as alt
import polars as pl
from analysis import charts

rates = pl.DataFrame({"county": ["CJ", "B", "BH"], "rate": [12.5, 30.25, 8.0]})
alt.Chart(rates).mark_bar().encode(x="rate:Q", y="county:N", tooltip=["rate:Q"]).properties(
    title="Rata la 100 000 de locuitori"
)
"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="the hub runs as root"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture(scope="module")
def hub():
    hub = testing.start_hub({"ana": ["analysts"]}, settings={"spawner": DEMO["spawner"]})
    try:
        yield hub
    finally:
        testing.stop_hub(hub)


def test_charts_show_in_jupyterlab_and_nothing_leaves_the_machine(hub):
    token = testing.user_token(hub, "ana")
    auth = {"Authorization": f"token {token}"}
    started = requests.post(f"{hub.url}hub/api/users/ana/server", headers=auth)
    assert started.status_code in (201, 202), hub.log_tail(80)
    hub.wait_ready("ana")
    contents = f"{hub.url}user/ana/api/contents/grafic.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CHART)])
    nb.metadata["kernelspec"] = {"name": "nocta", "display_name": "nocta", "language": "python"}
    saved = requests.put(contents, json={"type": "notebook", "content": nb}, headers=auth)
    assert saved.status_code in (200, 201), saved.text
    run = asyncio.run(server_client.run_notebook(hub.url, "ana", token, "grafic.ipynb"))
    assert run.metadata["nocta_run"] == "ok", run.cells[0].outputs
    saved = requests.put(contents, json={"type": "notebook", "content": run}, headers=auth)
    assert saved.status_code == 200, saved.text

    here = urlsplit(hub.url).netloc
    elsewhere: list[str] = []
    problems: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        page.on(
            "request",
            lambda r: (
                urlsplit(r.url).scheme in ("http", "https", "ws", "wss")
                and urlsplit(r.url).netloc != here
                and elsewhere.append(r.url)
            ),
        )
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on(
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
        page.goto(f"{hub.url}user/ana/lab/tree/grafic.ipynb")
        vega = page.locator(".jp-OutputArea-output.jp-RenderedVega5 .vega-embed")  # JupyterLab's
        vega.locator("canvas, svg").first.wait_for(timeout=60_000)
        box = vega.locator("canvas, svg").first.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 50, box
        page.screenshot(path=str(hub.home.parent / "lab-chart.png"))
        page.wait_for_timeout(2000)  # late requests (fonts, extensions) are counted too
        browser.close()
    assert not elsewhere, f"requests to other hosts: {sorted(set(elsewhere))}"
    assert not problems, problems
