"""The one county map of the project: the portal's pages, the public figures and the documents
draw their maps with `county_map`, so every map shows what a reader expects of a map of Romania.

Why a module of its own: a choropleth that drops the counties without a value draws a few
shapes floating without the outline of the country, and a colour scale fitted to one value
prints a legend of one number. Here every one of the 42 counties is drawn (grey where there
is no published value, with its own legend entry), and the colour scale starts at zero, so the
legend explains the whole range. Presentation only: the values are the caller's.
"""

import json

NO_DATA = "#d9d9d9"  # a county whose value is withheld or absent (3:1 against the white borders)
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
WORDS = {
    "ro": {"no_data": "Fără date publicate", "county": "Județ"},
    "en": {"no_data": "No published data", "county": "County"},
}
WIDTH, HEIGHT = 520, 380


def _literal(text: str) -> str:
    """A string as a Vega expression, readable (and translatable) as written."""
    return json.dumps(text, ensure_ascii=False)


def geo_url(url: str) -> dict:
    """The boundaries read from a GeoJSON file served beside the page (the portal's assets)."""
    return {"url": url, "format": {"type": "json", "property": "features"}}


def geo_inline(features: list[dict]) -> dict:
    """The boundaries carried inside the spec (a document's figure has no server to ask)."""
    return {"values": list(features)}


def county_map(
    values: list[dict],
    legend: str,
    lang: str,
    geo: dict,
    *,
    title: str | dict | None = None,
    description: str = "",
    highlight: str | None = None,
    fmt: str = ",.1f",
) -> dict:
    """Every county shaded by `value` (rows `{"county", "value"}`; `county_name` optional) or
    grey when it has none; `highlight` outlines one county. The features' properties must carry
    `county` (two-letter code) and `name` or `county_name`."""
    words = WORDS[lang]
    shown = [
        {"county": r["county"], "value": r["value"]} for r in values if r.get("value") is not None
    ]
    name = {"calculate": "datum.properties.county_name || datum.properties.name", "as": "name"}
    outline = {"type": "geoshape", "stroke": "white", "strokeWidth": 0.6}
    layers: list[dict] = [
        {
            "data": geo,
            "transform": [name, {"calculate": _literal(words["no_data"]), "as": "status"}],
            "mark": outline | {"fill": NO_DATA},
            "encoding": {
                "color": {
                    "field": "status",
                    "type": "nominal",
                    "scale": {"domain": [words["no_data"]], "range": [NO_DATA]},
                    "legend": {"title": None, "orient": "bottom", "symbolType": "square"},
                },
                "tooltip": [{"field": "name", "title": words["county"]}],
            },
        },
        {
            "data": geo,
            "transform": [
                name,
                {
                    "lookup": "properties.county",
                    "from": {"data": {"values": shown}, "key": "county", "fields": ["value"]},
                },
                {"filter": "isValid(datum.value)"},
            ],
            "mark": outline,
            "encoding": {
                "color": {
                    "field": "value",
                    "type": "quantitative",
                    "title": legend,
                    "scale": {"scheme": "blues", "domainMin": 0, "zero": True},
                    "legend": {"format": fmt, "orient": "right", "gradientLength": 160},
                },
                "tooltip": [
                    {"field": "name", "title": words["county"]},
                    {"field": "value", "title": legend, "format": fmt},
                ],
            },
        },
    ]
    if highlight:
        layers.append(
            {
                "data": geo,
                "transform": [{"filter": {"field": "properties.county", "equal": highlight}}],
                "mark": {"type": "geoshape", "fill": None, "stroke": "#1f2a44", "strokeWidth": 2.5},
            }
        )
    spec: dict = {
        "$schema": SCHEMA,
        "description": description,
        "width": WIDTH,
        "height": HEIGHT,
        "projection": {"type": "mercator"},
        "layer": layers,
        "resolve": {"scale": {"color": "independent"}, "legend": {"color": "independent"}},
    }
    if title:
        spec["title"] = title
    return spec
