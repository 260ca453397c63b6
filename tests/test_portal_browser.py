"""A reader in a real browser (Debian's chromium driven by Playwright) on a real hub + portal.

Logs in through the hub's form, opens the assessment, searches for a county with the offline
index, opens its page and waits for the map to be drawn by the vega bundle served from the
site; then a reader without clearance gets the 403 page on the restricted section. Screenshots
of the home and county pages are saved in $NOCTA_ARTIFACTS (default tests/artifacts/).
"""

import os
import shutil
from pathlib import Path

import pytest

from analysis.catalog import Catalog
from analysis.site.releases import publish
from test_portal import start_portal_hub
from test_site import make_run

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
ARTIFACTS = Path(os.environ.get("NOCTA_ARTIFACTS", Path(__file__).parent / "artifacts"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="the hub runs as root"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def published_site(home: Path) -> None:
    publish(Catalog(home), make_run(home))


@pytest.fixture(scope="module")
def hub():
    from nocta_hub import testing

    hub = start_portal_hub({"radu": ["portal-readers"]}, published_site)
    try:
        yield hub
    finally:
        testing.stop_hub(hub)


def test_a_reader_reads_searches_and_sees_the_map(hub):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")
    portal = f"{hub.url}services/portal/"
    problems: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{portal}ro/")
        assert "/hub/login" in page.url  # logged out: the hub's login page
        page.fill("input[name=username]", "radu")
        page.fill("input[name=password]", hub.accounts["radu"]["password"])
        page.click("#login_submit")
        page.wait_for_url(f"{portal}ro/")
        assert page.locator("h1").inner_text().startswith("Acasă")
        page.screenshot(path=str(ARTIFACTS / "portal-home.png"), full_page=True)

        page.click("nav >> text=Evaluarea (NOCTA)")
        page.click("text=Citiți online (HTML)")
        assert page.url.endswith("docs/nocta/ro/nocta.html")
        assert "NOCTA public" in page.locator("h1").inner_text()

        page.goto(f"{portal}ro/search.html")
        page.fill(".pagefind-ui__search-input", "Cluj")
        result = page.locator(".pagefind-ui__result-link", has_text="Cluj").first
        result.wait_for(timeout=15_000)
        result.click()
        page.wait_for_url("**/ro/counties/cj.html")
        page.wait_for_selector("#map[data-rendered=true] svg path", timeout=15_000)
        assert page.locator("#map svg path").count() >= 42  # every county drawn
        page.wait_for_selector("#trend[data-rendered=true] svg")
        page.locator("#map").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "portal-county-cj.png"), full_page=True)

        refused = page.goto(f"{portal}restricted/ro/")
        assert refused.status == 403 and "Acces refuzat" in page.content()
        browser.close()
    assert not [m for m in problems if "403" not in m], problems
    print(f"\nscreenshots: {ARTIFACTS}/portal-home.png, {ARTIFACTS}/portal-county-cj.png")
    assert shutil.os.path.getsize(ARTIFACTS / "portal-county-cj.png") > 20_000
