"""Build the static portal site from one run: pages in Romanian and English, dashboards,
county and market pages, the assessment and strategy builds, downloads, search.

Load inputs (content.load: the run, its results, the report builds, the release before) /
process (Jinja2 pages from templates/, Pandoc for the page sources in reports/portal/) / save
(into `out`, a folder the caller publishes atomically). Layout of a built site:

    index.html                        leads to ro/ or en/ (the portal sends each reader home)
    ro/summary.html, ro/summary.pdf   the one-page summary (reports/portal/index.md)
    ro/, en/                          home, assessment, strategy, dashboards, counties/<code>,
                                      markets/<code>, methodology, dictionary, downloads,
                                      releases, search, strategy-monitoring (site/monitoring.py)
    docs/<document>/<lang>/           public editions of the reports (HTML + PDF)
    restricted/<lang>/, restricted/docs/<document>/<lang>/   the restricted section
    restricted/<lang>/data-quality.html   the partners' data quality, for administrators
    guides/<lang>/, guides/img/       the guides for staff, administrators and partner data
                                      stewards (docs/guides/ in the repository) and their
                                      screenshots, readable by every portal reader
    downloads/                        published tables, CSV and XLSX, formula-safe
    assets/                           css, js, the vega bundle, county boundaries
    pagefind/                         the search index (public pages and guides only)
    data/headline.json                what the next release compares itself with
"""

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import jinja2
import pypandoc
import vl_convert as vlc
from markupsafe import Markup

from analysis import chart_words
from analysis.catalog import Catalog
from analysis.disclosure import DEFAULT_THRESHOLD, SYMBOL
from analysis.exports import formula_safe
from analysis.publication import view
from analysis.publication.access import restrict
from analysis.publication.scan import refuse_disclosures
from analysis.report.formatting import num
from analysis.report.grammar import with_de
from analysis.report.render import render_page
from analysis.report.tables import suppression_note
from analysis.results import Results
from analysis.site import charts, content, monitoring, quality, words
from analysis.site.words import DICTIONARY, HEADLINE_LABELS, WORDS

PACKAGE = Path(__file__).parent
SUMMARY = "index.md"
GEOJSON = "counties.geojson"  # in assets/: every map reads it relative to its own page
YEARS = ("latest_year", "year_from", "year_to")
GUIDE_LINK = re.compile(r'href="((?:\.\./(?:ro|en)/)?[a-z-]+)\.md(#[^"]*)?"')
INLINE_LOADER = re.compile(
    r"<script>\s*document\.querySelectorAll\('div\.vega'\).*?</script>", re.S
)
NAV = [
    ("home", "{lang}/"),
    ("assessment", "{lang}/assessment.html"),
    ("strategy", "{lang}/strategy.html"),
    ("dashboards", "{lang}/dashboards.html"),
    ("counties", "{lang}/counties/"),
    ("markets", "{lang}/markets/"),
    ("methodology", "{lang}/methodology.html"),
    ("dictionary", "{lang}/dictionary.html"),
    ("downloads", "{lang}/downloads.html"),
    ("releases", "{lang}/releases.html"),
    ("guides", "guides/{lang}/"),
    ("search", "{lang}/search.html"),
    ("restricted", "restricted/{lang}/"),
]


class Site:
    """Writes pages into one output folder; `page` renders a template at a site path."""

    def __init__(self, out: Path, data: content.SiteContent, release_id: str, built: str):
        self.out, self.data, self.release_id, self.built = out, data, release_id, built
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(PACKAGE / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
        )

    def page(self, path: str, template: str, lang: str, title: str, current: str, **extra):
        depth = path.count("/")
        other = "en" if lang == "ro" else "ro"
        other_path = path.replace(f"{lang}/", f"{other}/", 1)
        context = {
            "lang": lang, "other": other, "other_path": other_path, "w": WORDS[lang],
            "root": "../" * depth, "title": title, "current": current,
            "nav": [(k, h.format(lang=lang)) for k, h in NAV], "run": self.data.run,
            "release_id": self.release_id, "built": self.built,
            "restricted": path.startswith("restricted/"), "has_charts": False,
            "fmt": lambda v, d=0: (
                num(v, d, lang) if isinstance(v, int | float) else SYMBOL if v is None else v
            ),
            "suppressed": suppression_note(lang, DEFAULT_THRESHOLD),
        } | extra  # fmt: skip
        target = self.out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.env.get_template(template).render(context), encoding="utf-8")


def build_site(
    catalog: Catalog,
    run_folder: Path,
    out: Path,
    release_id: str,
    built: str,
    threshold: int = DEFAULT_THRESHOLD,
) -> list[str]:
    """Build the whole site into `out`; returns what is missing (shown on the pages too).

    Refuses (DisclosureFound) when a file outside `restricted/` discloses anything."""
    run_id = json.loads((run_folder / "run.json").read_text(encoding="utf-8"))["run_id"]
    public = view.ensure(run_folder, catalog.public_view(run_id), threshold)
    data = content.load(catalog, run_folder, public)
    site = Site(out, data, release_id, built)
    _assets(out)
    summary = _summary(catalog, data, out)
    _documents(data, out)
    files = _downloads(data, out)
    (out / "data").mkdir(exist_ok=True)
    (out / "data" / "headline.json").write_text(json.dumps(data.headline, indent=2) + "\n")
    for lang in content.LANGS:
        _pages(site, catalog, data, lang, files, summary)
        _guides(site, lang)
        quality.page(site, run_folder, lang)  # restricted: the run itself, not its public view
        monitoring.pages(site, catalog, run_folder, public, lang)
    _guide_images(out)
    refuse_disclosures(out, threshold, "the portal's open pages", exclude=("restricted",))
    restrict(out / "restricted")
    _search(out, data.missing)
    return data.missing


def _assets(out: Path) -> None:
    assets = out / "assets"
    shutil.copytree(PACKAGE / "assets", assets)
    (assets / "vega-bundle.js").write_text(vlc.javascript_bundle(), encoding="utf-8")
    (assets / GEOJSON).write_text(json.dumps(content.map_geojson()), encoding="utf-8")


ROOT_PAGE = (
    '<!doctype html><html lang="ro"><head><meta charset="utf-8"><title>Portalul NOCTA</title>'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    '<meta http-equiv="refresh" content="0; url=ro/"></head><body><main>'
    '<h1>Portalul NOCTA</h1><p><a href="ro/">Deschideți portalul în limba română</a></p>'
    '<p lang="en"><a href="en/" hreflang="en">Open the portal in English</a></p>'
    "</main></body></html>\n"
)
BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S)
HEADING = re.compile(r"<(/?)h([1-5])\b")
TITLE_BLOCK = re.compile(r'<header id="title-block-header">.*?</header>', re.S)


def _summary(catalog: Catalog, data: content.SiteContent, out: Path) -> Markup | None:
    """The release root only leads to the portal's home (the portal server sends a reader to
    the home of their language); the one-page indicator summary becomes ro/summary.html, a page
    of the portal with its menu, and ro/summary.pdf. Returns its body, or None when the run
    lacks a number it cites."""
    (out / "index.html").write_text(ROOT_PAGE, encoding="utf-8")
    results = Results(data.run_folder / content.RATES_STEP)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            rendered = render_page(
                catalog.reports / "portal" / SUMMARY,
                results,
                Path(tmp),
                lang="ro",
                extra={"run": data.run},
            )
        except (LookupError, ValueError, TypeError) as exc:  # a number the run lacks
            data.missing.append(f"summary page ({exc})")
            return None
        (out / "ro").mkdir(exist_ok=True)
        shutil.copyfile(rendered.pdf, out / "ro" / "summary.pdf")
        found = BODY.search(rendered.html.read_text(encoding="utf-8"))
    body = TITLE_BLOCK.sub("", found[1] if found else "")
    body = HEADING.sub(lambda m: f"<{m[1]}h{int(m[2]) + 1}", body)  # under the page's own h1
    return Markup(body)  # Pandoc's HTML from the repository's own source


def _documents(data: content.SiteContent, out: Path) -> None:
    """Copy the report builds; their inline chart loader becomes the site's charts.js, since
    the portal's CSP runs no inline script (and charts.js needs no eval)."""
    for (document, edition, lang), folder in data.documents.items():
        base = out / "restricted" if edition == "restricted" else out
        target = base / "docs" / document / lang
        shutil.copytree(folder, target, ignore=shutil.ignore_patterns("manifest.json"))
        for page in target.glob("*.html"):
            root = "../" * len(page.relative_to(out).parts[:-1])
            loader = f'<script src="{root}assets/charts.js"></script>'
            html = INLINE_LOADER.sub(loader.replace("\\", "\\\\"), page.read_text(encoding="utf-8"))
            page.write_text(html, encoding="utf-8")


def _downloads(data: content.SiteContent, out: Path) -> list[tuple[str, int]]:
    folder = out / "downloads"
    folder.mkdir()
    files = []
    for name, frame in data.tables.items():
        safe = formula_safe(_for_people(frame))
        safe.write_csv(folder / f"{name}.csv")
        safe.write_excel(folder / f"{name}.xlsx", worksheet=name[:31])
        files.append((name, frame.height))
    return files


def _for_people(frame):
    """Rates and other decimals to one decimal place, as the pages print them (a download is
    read by people in a spreadsheet, not by the pipeline, which keeps the full values)."""
    floats = [c for c, t in frame.schema.items() if t.is_float()]
    return frame.with_columns([frame[c].round(1) for c in floats]) if floats else frame


def _pages(
    site: Site, catalog: Catalog, data: content.SiteContent, lang: str, files, summary
) -> None:
    w = WORDS[lang]
    labels = HEADLINE_LABELS[lang]
    changes = [
        (k, labels.get(k, k), data.previous_headline[k], v)
        for k, v in data.headline.items()
        if k in data.previous_headline and data.previous_headline[k] != v
    ]
    site.page(f"{lang}/index.html", "home.html", lang, w["home"] + " · NOCTA", "home",
              headline=data.headline, labels=labels, previous=data.previous, changes=changes,
              show=lambda key, v: _headline_value(key, v, lang),
              missing=data.missing, summary=bool(summary))  # fmt: skip
    if lang == "ro" and summary:
        site.page("ro/summary.html", "prose.html", lang, w["summary"], "home", body=summary,
                  other_path="en/index.html")  # fmt: skip
    for doc, key in (("nocta", "assessment"), ("strategy", "strategy")):
        editions = []
        for edition in ("public",):
            have = (doc, edition, lang) in data.documents
            href = f"docs/{doc}/{lang}/{doc}.html" if have else None
            editions.append((edition, w[edition], href, f"docs/{doc}/{lang}/{doc}.pdf"))
        follow = (f"{lang}/strategy-monitoring.html", monitoring.WORDS[lang]["title"])
        site.page(f"{lang}/{key}.html", "document.html", lang, w[key], key, editions=editions,
                  follow=follow if doc == "strategy" else None)  # fmt: skip
    year = data.headline.get("latest_year")
    rates = data.rates
    map_spec = None
    if rates is not None and year:
        page = f"{lang}/dashboards.html"
        map_spec = charts.county_map(rates, year, lang, charts.assets_url(page, GEOJSON))
    specs = [(f"chart-{n}", spec, charts.caption(spec, w["figure"]))
             for n, spec in _in_language(data.charts, lang).items()]  # fmt: skip
    if map_spec:
        specs.append(("chart-map", map_spec, w["map"]))
    site.page(f"{lang}/dashboards.html", "dashboards.html", lang, w["dashboards"], "dashboards",
              charts=specs, has_charts=bool(specs))  # fmt: skip
    _counties(site, data, lang, year)
    items = [(f"{m.code}.html", m.name_ro if lang == "ro" else m.name_en, m.iccs)
             for m in content.markets()]  # fmt: skip
    site.page(f"{lang}/markets/index.html", "listing.html", lang, w["markets"], "markets",
              items=items, intro=None, map_spec=None)  # fmt: skip
    for m in content.markets():
        name = m.name_ro if lang == "ro" else m.name_en
        found = _in_language(data.market_charts.get(m.code, {}), lang)
        specs = [(f"chart-{n}", spec, charts.caption(spec, w["figure"]))
                 for n, spec in found.items()]  # fmt: skip
        site.page(f"{lang}/markets/{m.code}.html", "market.html", lang, name[:1].upper() + name[1:],
                  "markets", market=m, charts=specs, has_charts=bool(specs),
                  law=words.law(m.law, lang))  # fmt: skip
    body = _prose(catalog, "methodology", lang, data)
    site.page(
        f"{lang}/methodology.html", "prose.html", lang, w["methodology"], "methodology", body=body
    )
    described = [
        (
            name,
            frame,
            [
                (c, str(t), DICTIONARY.get(c, ("", ""))[lang == "en"])
                for c, t in frame.schema.items()
            ],
        )
        for name, frame in data.tables.items()
    ]
    site.page(
        f"{lang}/dictionary.html",
        "dictionary.html",
        lang,
        w["dictionary"],
        "dictionary",
        tables=described,
    )
    site.page(
        f"{lang}/downloads.html", "downloads.html", lang, w["downloads"], "downloads", files=files
    )
    releases = [{"release_id": site.release_id, "run_id": data.run["run_id"], "built": site.built}]
    site.page(f"{lang}/releases.html", "releases.html", lang, w["releases"], "releases",
              releases=releases + data.releases, missing=data.missing)  # fmt: skip
    site.page(f"{lang}/search.html", "search.html", lang, w["search"], "search")
    _restricted(site, data, lang)


def _in_language(specs: dict[str, dict], lang: str) -> dict[str, dict]:
    """The view's figures (drawn in Romanian) with every word in the page's language."""
    return {
        name: chart_words.without_aria(chart_words.translate(spec, lang))
        for name, spec in specs.items()
    }


def _headline_value(key: str, value, lang: str) -> str:
    """Years as written, rates with one decimal, counts with thousands separators."""
    if isinstance(value, bool) or not isinstance(value, int | float) or key in YEARS:
        return str(value)
    return num(value, 1 if isinstance(value, float) else 0, lang)


def _counties(site: Site, data, lang: str, year) -> None:
    w = WORDS[lang]
    counties = content.counties()
    index = f"{lang}/counties/index.html"
    map_spec = None
    if data.rates is not None and year:
        map_spec = charts.county_map(data.rates, year, lang, charts.assets_url(index, GEOJSON))
    items = [(f"{c.code.lower()}.html", c.name, None) for c in counties]
    site.page(index, "listing.html", lang, w["counties"], "counties",
              items=items, intro=None, map_spec=map_spec, has_charts=bool(map_spec))  # fmt: skip
    for c in counties:
        rows = []
        if data.rates is not None:
            rows = data.rates.filter(data.rates["county"] == c.code).sort("year").to_dicts()
        extra = {"rows": rows, "county": c, "has_charts": bool(rows and year)}
        if rows and year:
            frame = data.rates.filter(data.rates["county"] == c.code).sort("year")
            page = f"{lang}/counties/{c.code.lower()}.html"
            extra["map_spec"] = charts.county_map(
                data.rates, year, lang, charts.assets_url(page, GEOJSON), c.code
            )
            extra["trend_spec"] = charts.county_trend(frame, data.national, c.name, lang)
        site.page(
            f"{lang}/counties/{c.code.lower()}.html",
            "county.html",
            lang,
            c.name,
            "counties",
            **extra,
        )


def _restricted(site: Site, data, lang: str) -> None:
    w = WORDS[lang]
    items = []
    for doc, key in (("nocta", "assessment"), ("strategy", "strategy")):
        if (doc, "restricted", lang) in data.documents:
            items.append(
                (f"../docs/{doc}/{lang}/{doc}.html", f"{w[key]} — {w['restricted_ed']}", "HTML")
            )
            items.append(
                (f"../docs/{doc}/{lang}/{doc}.pdf", f"{w[key]} — {w['restricted_ed']}", "PDF")
            )
        else:
            items.append(("#", f"{w[key]} — {w['restricted_ed']}", w["missing_doc"]))
    items.append(quality.link(lang))
    site.page(f"restricted/{lang}/index.html", "listing.html", lang, w["restricted"], "restricted",
              items=items, intro=None, map_spec=None)  # fmt: skip


def _prose(catalog: Catalog, name: str, lang: str, data) -> str:
    """A page source from reports/portal/<name>.<lang>.md (Pandoc Markdown, Jinja2 over the run)."""
    source = catalog.reports / "portal" / f"{name}.{lang}.md"
    if not source.is_file():
        return _missing(lang, source.name)
    text = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(
        source.read_text(encoding="utf-8")
    )
    try:
        markdown = text.render(run=data.run, headline=data.headline, threshold=DEFAULT_THRESHOLD)
        markdown = with_de(markdown) if lang == "ro" else markdown
    except jinja2.UndefinedError as exc:  # the run lacks a number the page cites: say so
        data.missing.append(f"{source.name}: {exc.message}")
        return _missing(lang, source.name)

    return Markup(  # Pandoc's HTML from the repository's own sources, not escaped again
        pypandoc.convert_text(
            markdown, "html", format="markdown", extra_args=["--shift-heading-level-by=1"]
        )
    )


def _missing(lang: str, name: str) -> Markup:
    """What a page shows where its source or a number it cites is missing."""
    return Markup(f'<p class="missing" role="status">{WORDS[lang]["missing"]}: {name}</p>')


def _guides(site: Site, lang: str) -> None:
    """docs/guides/<lang>/<name>.md -> guides/<lang>/<name>.html (the same relative layout, so
    the guides' `../img/` pictures and links between guides work on the site as in the repo)."""
    w = WORDS[lang]
    other = "en" if lang == "ro" else "ro"
    items = []
    for key, names in content.GUIDE_NAMES.items():
        source = content.GUIDES / lang / f"{names[lang]}.md"
        path = f"guides/{lang}/{names[lang]}.html"
        other_path = f"guides/{other}/{names[other]}.html"
        if not source.is_file():
            site.data.missing.append(f"guide {source.name}")
            items.append(("#", w[f"guide_{key}"], w["missing"]))
            continue
        title, markdown = _split_title(source.read_text(encoding="utf-8"))
        body = pypandoc.convert_text(markdown, "html", format="markdown")
        body = GUIDE_LINK.sub(lambda m: f'href="{m[1]}.html{m[2] or ""}"', body)
        site.page(path, "prose.html", lang, title or w[f"guide_{key}"], "guides",
                  body=Markup(body), other_path=other_path)  # fmt: skip
        items.append(
            (f"{names[lang]}.html", title or w[f"guide_{key}"], f"— {w[f'guide_{key}_who']}")
        )
    site.page(f"guides/{lang}/index.html", "listing.html", lang, w["guides"], "guides",
              items=items, intro=w["guides_intro"], map_spec=None)  # fmt: skip


def _split_title(markdown: str) -> tuple[str | None, str]:
    """The guide's `# Title` (the page's h1) and the rest."""
    first, _, rest = markdown.partition("\n")
    if first.startswith("# "):
        return first[2:].strip(), rest
    return None, markdown


def _guide_images(out: Path) -> None:
    images = content.GUIDES / "img"
    if images.is_dir():
        shutil.copytree(images, out / "guides" / "img", ignore=shutil.ignore_patterns(".*"))


def _search(out: Path, missing: list[str]) -> None:
    """Pagefind's offline index over the public pages; restricted ones stay out of it."""
    if importlib.util.find_spec("pagefind") is None:
        missing.append("search index (the pagefind[bin] package is not installed)")
        return
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pagefind",
            "--site",
            str(out),
            "--glob",
            "{ro,en,docs,guides}/**/*.html",
            "--silent",
        ],
        check=True,
        capture_output=True,
    )
