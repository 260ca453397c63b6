"""The site's own chart specs: the county map and one county's trend, over the run's tables.

Only presentation (a lookup and a filter in Vega-Lite); the numbers are the run's. The map
reads the boundaries from the site's assets/counties.geojson, served from the site itself, by
the project's one map builder (analysis.maps).
"""

import polars as pl

from analysis import maps
from analysis.chart_words import EN_NUMBERS
from analysis.charts import ACCENT, nocta_theme

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
WORDS = {
    "ro": {"rate": "La 100 000 loc.", "county": "Județ", "year": "Anul", "national": "România"},
    "en": {"rate": "Per 100,000", "county": "County", "year": "Year", "national": "Romania"},
}


def county_map(rates: pl.DataFrame, year: int, lang: str, geojson_url: str, highlight=None):
    """Every county shaded by its rate in `year` (grey where withheld); `highlight` outlines one.
    `geojson_url` is relative to the page that shows the map (see `assets_url`)."""
    words = WORDS[lang]
    values = (
        rates.filter(pl.col("year") == year)
        .select("county", pl.col("rate").alias("value"))
        .to_dicts()
    )
    alt_text = {
        "ro": f"Harta României pe județe, colorată după rata la 100 000 de locuitori în {year}; "
        "gri: fără date publicate",
        "en": f"Map of Romania's counties shaded by the rate per 100,000 inhabitants in {year}; "
        "grey: no published data",
    }[lang]
    spec = maps.county_map(values, words["rate"], lang, maps.geo_url(geojson_url),
                           description=alt_text, highlight=highlight)  # fmt: skip
    return spec | {"config": theme(lang)}


def caption(spec: dict, fallback: str) -> str:
    """What a figure is, for the reader: its title (and subtitle), else its description."""
    title = spec.get("title")
    if isinstance(title, dict):
        text = title.get("text", "")
        text = " ".join(text) if isinstance(text, list) else text
        subtitle = title.get("subtitle")
        subtitle = " ".join(subtitle) if isinstance(subtitle, list) else subtitle
        title = f"{text}. {subtitle}" if subtitle else text
    if isinstance(title, list):
        title = " ".join(title)
    return title or spec.get("description") or fallback


def assets_url(page: str, name: str) -> str:
    """`name` in the site's assets/, relative to the page at site path `page` (any depth)."""
    return "../" * page.count("/") + f"assets/{name}"


def theme(lang: str) -> dict:
    """The project's chart style, with the page's language's way of writing numbers."""
    config = nocta_theme()["config"] | {"aria": False}  # the figure's own label says it
    if lang == "en":
        config = config | {"locale": {"number": EN_NUMBERS}}  # and d3's English months
    return config


def county_trend(rows: pl.DataFrame, national: pl.DataFrame | None, name: str, lang: str):
    """One county's rate by year, beside Romania's."""
    words = WORDS[lang]
    values = [{"year": r["year"], "rate": r["rate"], "where": name} for r in rows.to_dicts()]
    if national is not None and "rate" in national.columns:
        values += [
            {"year": r["year"], "rate": r["rate"], "where": words["national"]}
            for r in national.select("year", "rate").to_dicts()
        ]
    alt_text = {
        "ro": f"Linii: rata anuală la 100 000 de locuitori în {name}, comparată cu România",
        "en": f"Lines: yearly rate per 100,000 inhabitants in {name}, compared with Romania",
    }[lang]
    return {
        "$schema": SCHEMA,
        "description": alt_text,
        "width": 520,
        "height": 220,
        "data": {"values": values},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "year", "type": "ordinal", "title": words["year"]},
            "y": {"field": "rate", "type": "quantitative", "title": words["rate"]},
            "color": {
                "field": "where",
                "type": "nominal",
                "title": None,
                "scale": {"domain": [name, words["national"]], "range": [ACCENT, "#b45309"]},
                "legend": {"orient": "top", "symbolType": "stroke"},
            },
            "strokeDash": {"field": "where", "type": "nominal", "legend": None},
            "tooltip": [
                {"field": "where", "title": words["county"]},
                {"field": "year", "title": words["year"]},
                {"field": "rate", "title": words["rate"], "format": ".1f"},
            ],
        },
        "config": theme(lang),
    }
