"""The public figures, drawn again from the public view's protected tables.

A run's own chart specs carry their data inline, unprotected (monthly counts per market,
individual groups): they are never copied into the view. Each public figure here is drawn by
the same builder the notebook used, from the protected table, so a hidden cell is simply
absent from the chart and its data. A figure the view has no table for is not drawn: the
public documents then show it as withheld.
"""

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

import altair as alt
import polars as pl

from analysis import charts, maps
from analysis.reference.markets import BY_CODE as MARKETS
from analysis.results import Results

ICCS_ORGANISED_CRIME = "ICCS09051"
NO_HISTORY = pl.DataFrame(schema={"month": pl.Date, "cases": pl.Int64})


def _latest(frame: pl.DataFrame) -> int:
    return int(frame.filter(pl.col("cases").is_not_null())["year"].max())


@cache
def _features() -> tuple[dict, ...]:
    """The 42 counties as GeoJSON features (simplified, clockwise), computed once."""
    from analysis.geo import county_shapes  # geopandas: only where a map is drawn

    return tuple(json.loads(county_shapes().to_json())["features"])


def _map(rates: pl.DataFrame, title: str) -> dict:
    """Every county drawn (the project's one map builder): grey where the rate is withheld or
    absent, shaded where published."""
    year = _latest(rates)
    values = rates.filter(pl.col("year") == year).select("county", pl.col("rate").alias("value"))
    spec = maps.county_map(
        values.to_dicts(),
        "La 100.000 loc.",
        "ro",
        maps.geo_inline(_features()),
        title={"text": f"{title}, {year}", "subtitle": "Gri: nepublicat sau fără date"},
        description=f"{title}, {year}: harta celor 42 de județe; gri: nepublicat sau fără date",
    )
    return spec | {"config": charts.nocta_theme()["config"]}


def _informative(rates: pl.DataFrame) -> bool:
    """A map says something when most counties with cases in its year can be shown: one with
    a few shaded counties among withheld ones would mislead more than it tells."""
    latest = rates.filter(pl.col("year") == _latest(rates))
    shown = latest.filter(pl.col("cases") > 0).height
    withheld = latest.filter(pl.col("cases").is_null()).height
    return shown > 0 and shown >= withheld


def _case_rates(r: Results) -> dict[str, alt.TopLevelMixin | dict]:
    rates = r.table("case_rates")
    return {
        "county_rates": charts.county_rate_bars(rates, _latest(rates)),
        "national_trend": charts.national_trend(r.table("case_rates_national")),
    }


def _indicators(r: Results) -> dict[str, alt.TopLevelMixin | dict]:
    markets = r.table("market_rates")
    eu = r.table("eu_comparison").filter(pl.col("iccs") == ICCS_ORGANISED_CRIME)
    return {
        "county_map": _map(
            r.table("county_rates"), "Cazuri înregistrate la 100.000 de locuitori, pe județe"
        ),
        "market_rates": charts.market_rate_bars(markets, _latest(markets)),
        "eu_organised_crime": charts.eu_comparison_chart(
            eu, "Participarea la un grup infracțional organizat (ICCS 0905.1)"
        ),
    }


def _threat(r: Results) -> dict[str, alt.TopLevelMixin | dict]:
    return {"threat_matrix": charts.threat_matrix_chart(r.table("market_threat_matrix"))}


def _forecasts(r: Results) -> dict[str, alt.TopLevelMixin | dict]:
    total = r.table("forecasts_national").filter(pl.col("market") == "total")
    near = r.table("forecast_accuracy").filter(
        (pl.col("band") == "1-12") & pl.col("model").is_in(["selected", "seasonal_naive"])
    )
    names = {
        "selected": "modelul ales la fiecare origine",
        "seasonal_naive": "prognoza naivă sezonieră",
    }
    mase = (
        alt.Chart(near.with_columns(model_type=pl.col("model").replace(names)))
        .mark_point(filled=True)
        .encode(
            x=alt.X("mase:Q", title="MASE la 1-12 luni, aceleași origini (mai mic = mai bine)"),
            y=alt.Y("market:N", title=None),
            color=alt.Color("model_type:N", title="Prognoza"),
        )
        .properties(
            width=420, height=alt.Step(16), title="Eroarea prognozelor în afara eșantionului"
        )
    )
    return {
        "forecast_total": charts.forecast_chart(
            NO_HISTORY, total, "Toate piețele: prognoza pe 24 de luni"
        ),
        "forecast_mase": mase,
    }


def _market(r: Results) -> dict[str, alt.TopLevelMixin | dict]:
    code = r.folder.name
    name = MARKETS[code].name_ro if code in MARKETS else code
    name = name[:1].upper() + name[1:]  # it begins the figure's title
    found: dict[str, alt.TopLevelMixin | dict] = {
        "market_trend": charts.national_trend(r.table("market_rates")).properties(
            title=f"{name}: rata națională pe ani"
        ),
    }
    counties = r.table("market_county_rates")
    if _informative(counties):
        found["market_map"] = _map(counties, f"{name}: cazuri la 100.000 de locuitori")
    forecast = r.table("market_forecast")
    if forecast.height:
        found["market_forecast"] = charts.forecast_chart(
            NO_HISTORY, forecast, f"{name}: prognoza pe 24 de luni"
        )
    return found


DRAWN: dict[str, Callable[[Results], dict[str, alt.TopLevelMixin | dict]]] = {
    "case_rates": _case_rates,
    "indicators": _indicators,
    "threat_assessment": _threat,
    "forecasts": _forecasts,
    "market_profile": _market,
}


def draw(view: Path) -> None:
    """Write `chart_<name>.vl.json` beside the protected tables of every step that has figures."""
    for step, builder in DRAWN.items():
        folders = [view / step] if step != "market_profile" else sorted((view / step).glob("*"))
        for folder in folders:
            if not folder.is_dir():
                continue
            try:
                drawn = builder(Results(folder))
            except LookupError:  # a table the run lacks: its figures are not drawn
                continue
            for name, chart in drawn.items():
                spec = chart if isinstance(chart, dict) else charts.to_spec(chart, validate=False)
                (folder / f"chart_{name}.vl.json").write_text(
                    json.dumps(spec, ensure_ascii=False), encoding="utf-8"
                )
