"""Readers in a real browser (Debian's chromium driven by Playwright) on a real hub + portal.

Walks the staff guide (docs/guides/*/staff.md, personal.md): a reader whose browser asks for
Romanian types the release root, logs in through the hub's form and lands on the portal's
Romanian home (menu, log-out, the restricted link); opens the assessment, searches for a county
with the offline index, opens its page and sees the map draw all 42 counties and the trend its
legend; downloads a table (rates to one decimal); finds a guide by searching; gets the 403 page
on the restricted section; logs out. A cleared reader whose browser asks for English lands on
the English home and opens the restricted section. Every page with a map draws 42 counties;
every English page, charts drawn, holds no Romanian (and the reverse); axe-core (npm, pinned in
tests/axe/) finds no serious or critical violation on any page type; on a 390 px phone no
chart or page is wider than the screen.

The portal serves the demo's release when NOCTA_DEMO_HOME names a data root that `make demo`
published (`make screenshots` does so): then the guides' pictures (GUIDE_SHOTS) are written
into docs/guides/img/ (1200 px wide, the footer with the build time hidden). Without it the
portal serves a hand-made run, and the pictures go to $NOCTA_ARTIFACTS/guides/ (default
tests/artifacts/) so the guides never show test data. Screenshots of the pages go to
$NOCTA_ARTIFACTS.
"""

import os
import shutil
from pathlib import Path

import pytest

from analysis.catalog import Catalog
from analysis.site.releases import publish
from language import foreign
from test_portal import start_portal_hub
from test_site import make_run

playwright = pytest.importorskip("playwright.sync_api")
PROJECT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
ARTIFACTS = Path(os.environ.get("NOCTA_ARTIFACTS", Path(__file__).parent / "artifacts"))
DEMO = os.environ.get("NOCTA_DEMO_HOME")
GUIDE_IMAGES = PROJECT / "docs" / "guides" / "img" if DEMO else ARTIFACTS / "guides"
AXE = PROJECT / ".hub" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# every picture the guides show, written by this test (tests/test_guides.py checks both ways)
GUIDE_SHOTS = ("staff-login.png", "staff-home.png", "staff-assessment.png", "staff-search.png",
               "staff-downloads.png", "staff-refused.png", "staff-restricted.png")  # fmt: skip
STEADY = "footer { visibility: hidden !important; } input { caret-color: transparent; }"
COUNTIES = 42
SERIOUS = ("serious", "critical")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="the hub runs as root"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def published_site(home: Path) -> None:
    """The demo's current release when NOCTA_DEMO_HOME is set, else one from a hand-made run."""
    if not DEMO:
        publish(Catalog(home), make_run(home))
        return
    release = (Path(DEMO) / "site" / "current").resolve(strict=True)
    target = home / "site" / "releases" / release.name
    shutil.copytree(release, target, symlinks=True)
    (home / "site" / "current").symlink_to(f"releases/{release.name}")


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


@pytest.fixture(scope="module")
def browser():
    assert AXE.is_file(), f"axe-core is not installed ({AXE}): run make hub-setup"
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def new_page(browser, locale: str, problems: list[str], width: int = 1200):
    """A tab of a browser whose reader prefers `locale`; console errors and failed requests
    are collected (the axe script is injected past the portal's CSP, as a test tool)."""
    context = browser.new_context(
        viewport={"width": width, "height": 800},
        locale=locale,
        accept_downloads=True,
        bypass_csp=True,
    )
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and problems.append(f"{m.text} {m.location}"))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "response",
        lambda r: r.status == 404 and problems.append(f"404 {r.url}"),
    )
    return page


def guide_shot(page, name: str, written: set, height: int = 800) -> None:
    """A picture for the guides: the top of the page (1200 px wide), without the build time."""
    assert name in GUIDE_SHOTS
    GUIDE_IMAGES.mkdir(parents=True, exist_ok=True)
    height = min(height, page.evaluate("document.body.scrollHeight") + 16)
    page.screenshot(path=str(GUIDE_IMAGES / name), style=STEADY, animations="disabled",
                    clip={"x": 0, "y": 0, "width": 1200, "height": height})  # fmt: skip
    written.add(name)


def log_in(page, hub, name: str, portal: str, lang: str, shot: set | None = None) -> None:
    """Type the release root, log in on the hub's form, land on the home of `lang`."""
    page.goto(portal)
    assert "/hub/login" in page.url  # logged out: the hub's login page
    page.fill("input[name=username]", name)
    if shot is not None:
        guide_shot(page, "staff-login.png", shot, height=560)
    page.fill("input[name=password]", hub.accounts[name]["password"])
    page.click("#login_submit")
    page.wait_for_url(f"{portal}{lang}/")
    assert page.locator("header.site nav a").count() >= 10  # the portal's menu, not a bare page


def charts_drawn(page) -> None:
    """Every chart of the page drawn by the vega bundle served from the site."""
    for chart in page.locator("div.vega").all():
        chart.scroll_into_view_if_needed()
        page.wait_for_function(
            "el => el.dataset.rendered === 'true' || el.dataset.rendered === 'error'",
            arg=chart.element_handle(),
            timeout=20_000,
        )
        assert chart.get_attribute("data-rendered") == "true", chart.inner_text()[:300]


def maps_drawn(page) -> int:
    """Each map of the page (a chart with a projection) draws every county; returns how many."""
    maps = 0
    for chart in page.locator("div.vega").all():
        spec = page.evaluate(
            "el => JSON.parse(document.getElementById(el.dataset.spec).textContent)",
            chart.element_handle(),
        )
        if "projection" not in spec:
            continue
        maps += 1
        shapes = chart.locator("g.layer_0_marks path").count()  # the outline of every county
        assert shapes == COUNTIES, (page.url, shapes)
        legend = " ".join(chart.locator("g.role-legend").all_text_contents())
        assert "Fără date publicate" in legend or "No published data" in legend, legend
    return maps


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (levels) => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            const where = v => v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | ");
            return result.violations.filter(v => levels.includes(v.impact))
                .map(v => `${v.id} (${v.impact}): ${where(v)}`);
        }""",
        list(SERIOUS),
    )


def check(page, url: str, lang: str, findings: dict, maps: list | None = None) -> None:
    """Open `url`, let its charts draw, then: one language, axe, maps (counted into `maps`)."""
    page.goto(url)
    charts_drawn(page)
    if maps is not None:
        maps.append(maps_drawn(page))
    found = foreign(page.content(), lang)
    if found:
        findings[f"language {url}"] = found[:8]
    violations = axe_violations(page)
    if violations:
        findings[f"axe {url}"] = violations


def test_readers_land_home_see_maps_in_one_language_without_axe_findings(hub, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")
    portal = f"{hub.url}services/portal/"
    problems: list[str] = []
    findings: dict[str, list[str]] = {}
    written: set[str] = set()
    page = new_page(browser, "ro-RO", problems)
    log_in(page, hub, "radu", portal, "ro", written)  # 1. log in: the Romanian home
    assert page.locator("h1").inner_text().startswith("Acasă")
    assert page.locator("a.logout").count() == 1 and page.locator("a.restricted-link").count()
    guide_shot(page, "staff-home.png", written)
    page.screenshot(path=str(ARTIFACTS / "portal-home.png"), full_page=True)
    page.goto(portal + "index.html")  # the release root, typed: the home again, with its menu
    assert page.url == f"{portal}ro/" and page.locator("header.site nav").count() == 1

    page.click("nav >> text=Evaluarea (NOCTA)")  # 2. the latest assessment
    guide_shot(page, "staff-assessment.png", written)
    page.click("text=Citiți online (HTML)")
    assert page.url.endswith("docs/nocta/ro/nocta.html")
    assert page.locator("main").count() == 1  # the document's own landmark

    page.goto(f"{portal}ro/search.html")  # 3. search
    page.fill(".pagefind-ui__search-input", "Cluj")
    result = page.locator(".pagefind-ui__result-link", has_text="Cluj").first
    result.wait_for(timeout=15_000)
    page.locator(".pagefind-ui__search-input").blur()
    excerpts = " ".join(page.locator(".pagefind-ui__result-excerpt").all_inner_texts())
    assert "acestuia9" not in excerpts and "mareCluj" not in excerpts, excerpts
    violations = axe_violations(page)  # the search box, results shown
    if violations:
        findings["axe search with results"] = violations
    guide_shot(page, "staff-search.png", written)
    result.click()
    page.wait_for_url("**/ro/counties/cj.html")
    charts_drawn(page)
    assert maps_drawn(page) == 1
    trend = " ".join(page.locator("#trend g.role-legend").all_text_contents())  # two lines, named
    assert "Cluj" in trend and "România" in trend, trend
    page.locator("#map").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "portal-county-cj.png"), full_page=True)

    page.click("nav >> text=Descărcări")  # 4. download a table
    guide_shot(page, "staff-downloads.png", written)
    with page.expect_download() as download:
        page.click("text=case_rates.csv")
    assert download.value.suggested_filename == "case_rates.csv"
    rows = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("county,")
    rate = rows[0].split(",").index("rate")
    assert all(len(r.split(",")[rate].partition(".")[2]) <= 1 for r in rows[1:40])

    page.click("nav >> text=Ghiduri")  # the guides, found by the search too
    assert page.locator("h1").inner_text() == "Ghiduri"
    page.goto(f"{portal}ro/search.html")
    page.fill(".pagefind-ui__search-input", "rotirea cheilor")
    guide = page.locator(".pagefind-ui__result-link", has_text="Ghidul administratorilor")
    guide.first.wait_for(timeout=15_000)
    guide.first.click()
    page.wait_for_url("**/guides/ro/administratori.html")
    assert page.locator("main pre code", has_text="nocta keys rotate --platform").count()

    # 5. every page type, both languages: maps, one language, axe
    maps: list[int] = []
    markets = ("drugs_cocaine", "drugs_synthetic", "cybercrime")
    for lang in ("ro", "en"):
        for path in ("", "dashboards.html", "counties/", "counties/cj.html", "counties/b.html",
                     *(f"markets/{m}.html" for m in markets), "markets/", "methodology.html",
                     "dictionary.html", "downloads.html", "releases.html", "search.html",
                     "assessment.html"):  # fmt: skip
            check(page, f"{portal}{lang}/{path}", lang, findings, maps)
        check(page, f"{portal}docs/nocta/{lang}/nocta.html", lang, findings)
        if DEMO:  # the hand-made run has no strategy (its site says so)
            check(page, f"{portal}docs/strategy/{lang}/strategy.html", lang, findings)
        guide = {"ro": "personal", "en": "staff"}[lang]
        check(page, f"{portal}guides/{lang}/{guide}.html", lang, findings)
    check(page, f"{portal}ro/summary.html", "ro", findings)
    assert sum(maps) >= 6, maps  # dashboards, counties, two county pages, in both languages

    page.goto(f"{portal}ro/counties/cj.html")  # the language link: the same page in English
    page.click("a.lang")
    page.wait_for_url(f"{portal}en/counties/cj.html")
    charts_drawn(page)
    assert "Romania" in " ".join(page.locator("#trend g.role-legend").all_text_contents())
    page.screenshot(path=str(ARTIFACTS / "portal-county-cj-en.png"), full_page=True)
    page.goto(portal)  # the choice sticks: the release root opens the English home now
    assert page.url == f"{portal}en/"
    page.goto(f"{portal}ro/")

    pictures = page.goto(f"{portal}guides/ro/personal.html")
    assert pictures.status == 200
    images = page.locator("main figure img")
    assert images.count() == len(GUIDE_SHOTS)
    for img in images.all():  # each picture served and decoded, as the browser shows it
        assert img.evaluate("i => i.complete && i.naturalWidth === 1200"), img

    refused = page.goto(f"{portal}restricted/ro/")  # 6. the markings: not cleared
    assert refused.status == 403 and "Acces refuzat" in page.content()
    guide_shot(page, "staff-refused.png", written)

    page.goto(f"{portal}ro/")  # log out: the portal asks for a login again
    page.click("text=Ieșire")
    page.goto(f"{portal}ro/")
    assert "/hub/login" in page.url

    cleared = new_page(browser, "en-GB", problems)  # an English browser: the English home
    log_in(cleared, hub, "ioana", portal, "en")
    cleared.goto(f"{portal}ro/")
    cleared.click("nav >> text=Secțiune restrânsă")
    assert cleared.locator(".marking").inner_text().startswith("Secțiune restrânsă")
    guide_shot(cleared, "staff-restricted.png", written)
    for lang in ("ro", "en"):
        check(cleared, f"{portal}restricted/{lang}/", lang, findings)
    for lang in ("ro", "en"):  # the restricted edition draws its figures from the run itself
        check(cleared, f"{portal}restricted/docs/nocta/{lang}/nocta.html", lang, findings)
    cleared.screenshot(path=str(ARTIFACTS / "portal-restricted-document.png"))

    phone = new_page(browser, "ro-RO", problems, width=390)  # 7. a 390 px phone
    phone.context.add_cookies(cleared.context.cookies())
    for path in ("ro/dashboards.html", "ro/counties/cj.html", "en/markets/cybercrime.html",
                 "ro/counties/"):  # fmt: skip
        phone.goto(f"{portal}{path}")
        charts_drawn(phone)
        wide = phone.evaluate(
            "() => [document.documentElement.scrollWidth, ...Array.from(document.querySelectorAll("
            "'.vega svg'), s => Math.ceil(s.getBoundingClientRect().right))]"
        )
        assert max(wide) <= 390, (path, wide)
        name = path.replace("/", "-")
        phone.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=True)

    assert not findings, "\n".join(f"{k}: {v}" for k, v in findings.items())
    assert not [m for m in problems if "403" not in m], problems
    assert written == set(GUIDE_SHOTS)
    print(f"\nscreenshots: {ARTIFACTS}; the guides' pictures: {GUIDE_IMAGES}")
    assert (ARTIFACTS / "portal-county-cj.png").stat().st_size > 20_000
