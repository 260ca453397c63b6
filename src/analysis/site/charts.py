"""The site's own chart specs: the county map and one county's trend, over the run's tables.

Only presentation (a lookup and a filter in Vega-Lite); the numbers are the run's. The map
reads the boundaries from the site's assets/counties.geojson, served from the site itself.
"""

import polars as pl

from analysis.charts import ACCENT, INK, nocta_theme

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
WORDS = {
    "ro": {"rate": "La 100 000 loc.", "county": "Județ", "year": "Anul", "national": "România"},
    "en": {"rate": "Per 100,000", "county": "County", "year": "Year", "national": "Romania"},
}


def county_map(rates: pl.DataFrame, year: int, lang: str, geojson_url: str, highlight=None):
    """Choropleth of the counties' rates in `year`; `highlight` outlines one county."""
    words = WORDS[lang]
    values = rates.filter(pl.col("year") == year).select("county", "county_name", "rate").to_dicts()
    geo = {"url": geojson_url, "format": {"type": "json", "property": "features"}}
    lookup = {
        "lookup": "properties.county",
        "from": {"data": {"values": values}, "key": "county", "fields": ["rate", "county_name"]},
    }
    layers = [
        {
            "data": geo,
            "transform": [lookup],
            "mark": {"type": "geoshape", "stroke": "white", "strokeWidth": 0.6},
            "encoding": {
                "color": {
                    "field": "rate",
                    "type": "quantitative",
                    "title": words["rate"],
                    "scale": {"scheme": "blues"},
                },
                "tooltip": [
                    {"field": "county_name", "title": words["county"]},
                    {"field": "rate", "title": words["rate"], "format": ".1f"},
                ],
            },
        }
    ]
    if highlight:
        layers.append(
            {
                "data": geo,
                "transform": [{"filter": {"field": "properties.county", "equal": highlight}}],
                "mark": {"type": "geoshape", "fill": None, "stroke": INK, "strokeWidth": 2.5},
            }
        )
    alt_text = {
        "ro": f"Harta României pe județe, colorată după rata la 100 000 de locuitori în {year}",
        "en": f"Map of Romania's counties shaded by the rate per 100,000 inhabitants in {year}",
    }[lang]
    return {
        "$schema": SCHEMA,
        "description": alt_text,
        "width": 520,
        "height": 380,
        "projection": {"type": "mercator"},
        "layer": layers,
        "config": nocta_theme()["config"],
    }


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
                "scale": {"range": [ACCENT, "#b45309"]},
            },
            "strokeDash": {"field": "where", "type": "nominal", "legend": None},
            "tooltip": [
                {"field": "where", "title": words["county"]},
                {"field": "year", "title": words["year"]},
                {"field": "rate", "title": words["rate"], "format": ".1f"},
            ],
        },
        "config": nocta_theme()["config"],
    }
