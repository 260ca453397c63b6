"""A reader in a real browser (Debian's chromium driven by Playwright) on a real hub + portal.

Walks the staff guide (docs/guides/*/staff.md, personal.md): logs in through the hub's form,
opens the assessment, searches for a county with the offline index, opens its page and waits
for the map to be drawn by the vega bundle served from the site, downloads a table, finds a
guide by searching, gets the 403 page on the restricted section, logs out; then a cleared
reader opens the restricted section. The guides' pictures (GUIDE_SHOTS) are written into
docs/guides/img/ (1200 px wide, the footer with the build time hidden, so an unchanged portal
gives the same bytes); screenshots of the home and county pages go to $NOCTA_ARTIFACTS
(default tests/artifacts/).
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
GUIDE_IMAGES = Path(__file__).resolve().parents[1] / "docs" / "guides" / "img"
# every picture the guides show, written by this test (tests/test_guides.py checks both ways)
GUIDE_SHOTS = ("staff-login.png", "staff-home.png", "staff-assessment.png", "staff-search.png",
               "staff-downloads.png", "staff-refused.png", "staff-restricted.png")  # fmt: skip
STEADY = "footer { visibility: hidden !important; } input { caret-color: transparent; }"

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

    hub = start_portal_hub(
        {"radu": ["portal-readers"], "ioana": ["portal-cleared"]}, published_site
    )
    try:
        yield hub
    finally:
        testing.stop_hub(hub)


def guide_shot(page, name: str, written: set, height: int = 800) -> None:
    """A picture for the guides: the top of the page (1200 px wide), without the build time."""
    assert name in GUIDE_SHOTS
    height = min(height, page.evaluate("document.body.scrollHeight") + 16)
    page.screenshot(path=str(GUIDE_IMAGES / name), style=STEADY, animations="disabled",
                    clip={"x": 0, "y": 0, "width": 1200, "height": height})  # fmt: skip
    written.add(name)


def log_in(page, hub, name: str, portal: str, shot: set | None = None) -> None:
    page.goto(f"{portal}ro/")
    assert "/hub/login" in page.url  # logged out: the hub's login page
    page.fill("input[name=username]", name)
    if shot is not None:
        guide_shot(page, "staff-login.png", shot, height=560)
    page.fill("input[name=password]", hub.accounts[name]["password"])
    page.click("#login_submit")
    page.wait_for_url(f"{portal}ro/")


def test_a_reader_follows_the_staff_guide(hub):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")
    GUIDE_IMAGES.mkdir(parents=True, exist_ok=True)
    portal = f"{hub.url}services/portal/"
    problems: list[str] = []
    written: set[str] = set()
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 800}, accept_downloads=True)
        page.on(
            "console", lambda m: m.type == "error" and problems.append(f"{m.text} {m.location}")
        )
        page.on("pageerror", lambda e: problems.append(str(e)))
        log_in(page, hub, "radu", portal, written)  # 1. log in
        assert page.locator("h1").inner_text().startswith("Acasă")
        guide_shot(page, "staff-home.png", written)
        page.screenshot(path=str(ARTIFACTS / "portal-home.png"), full_page=True)

        page.click("nav >> text=Evaluarea (NOCTA)")  # 2. the latest assessment
        guide_shot(page, "staff-assessment.png", written)
        page.click("text=Citiți online (HTML)")
        assert page.url.endswith("docs/nocta/ro/nocta.html")
        assert "NOCTA public" in page.locator("h1").inner_text()

        page.goto(f"{portal}ro/search.html")  # 3. search
        page.click("nav >> text=Căutare")
        page.fill(".pagefind-ui__search-input", "Cluj")
        result = page.locator(".pagefind-ui__result-link", has_text="Cluj").first
        result.wait_for(timeout=15_000)
        page.locator(".pagefind-ui__search-input").blur()
        guide_shot(page, "staff-search.png", written)
        result.click()
        page.wait_for_url("**/ro/counties/cj.html")
        page.wait_for_selector("#map[data-rendered=true] svg path", timeout=15_000)
        assert page.locator("#map svg path").count() >= 42  # every county drawn
        page.wait_for_selector("#trend[data-rendered=true] svg")
        page.locator("#map").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "portal-county-cj.png"), full_page=True)

        page.click("nav >> text=Descărcări")  # 4. download a table
        guide_shot(page, "staff-downloads.png", written)
        with page.expect_download() as download:
            page.click("text=case_rates.csv")
        assert download.value.suggested_filename == "case_rates.csv"
        assert Path(download.value.path()).read_text(encoding="utf-8").startswith("county,")

        page.click("nav >> text=Ghiduri")  # the guides, found by the search too
        assert page.locator("h1").inner_text() == "Ghiduri"
        page.goto(f"{portal}ro/search.html")
        page.fill(".pagefind-ui__search-input", "rotirea cheilor")
        guide = page.locator(".pagefind-ui__result-link", has_text="Ghidul administratorilor")
        guide.first.wait_for(timeout=15_000)
        guide.first.click()
        page.wait_for_url("**/guides/ro/administratori.html")
        assert page.locator("main pre code", has_text="nocta keys rotate --platform").count()
        page.goto(f"{portal}guides/ro/personal.html")
        pictures = page.locator("main figure img")
        assert pictures.count() == len(GUIDE_SHOTS)
        for img in pictures.all():  # each picture served and decoded, as the browser shows it
            assert img.evaluate("i => i.complete && i.naturalWidth === 1200"), img

        refused = page.goto(f"{portal}restricted/ro/")  # 5. the markings: not cleared
        assert refused.status == 403 and "Acces refuzat" in page.content()
        guide_shot(page, "staff-refused.png", written)

        page.goto(f"{portal}ro/")  # log out: the portal asks for a login again
        page.click("text=Ieșire")
        page.goto(f"{portal}ro/")
        assert "/hub/login" in page.url

        cleared = browser.new_page(viewport={"width": 1200, "height": 800})
        log_in(cleared, hub, "ioana", portal)
        cleared.click("nav >> text=Secțiune restrânsă")
        assert cleared.locator(".marking").inner_text().startswith("Secțiune restrânsă")
        guide_shot(cleared, "staff-restricted.png", written)
        browser.close()
    assert not [m for m in problems if "403" not in m], problems
    assert written == set(GUIDE_SHOTS)
    print(f"\nscreenshots: {ARTIFACTS}/portal-home.png, {ARTIFACTS}/portal-county-cj.png")
    assert shutil.os.path.getsize(ARTIFACTS / "portal-county-cj.png") > 20_000
