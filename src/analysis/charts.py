"""The nocta chart style (altair) and the chart builders the notebooks and reports share.

Charts are built once, in the notebook, and saved as Vega-Lite specs with the run's results;
reports and the portal render those specs and never recompute the data behind them. One theme
for the whole project: Romanian labels, numbers written `1.234,5` and Romanian month names (the
spec carries its own locale, so every renderer writes them the same way), and every chart also
saved as SVG and PNG for print (`save_chart`).
"""

import math
from pathlib import Path

import altair as alt
import geopandas as gpd
import networkx as nx
import polars as pl
import vl_convert as vlc

from analysis import maps
from analysis.reference.markets import MARKETS

FONT = "Libertinus Sans, DejaVu Sans, Arial, sans-serif"
INK = "#1f2a44"
ACCENT = "#0b5cad"  # 7.0:1 on white: readable for WCAG 2.1 AA at any size
MUTED = "#6b7280"
WARN = "#b42318"  # breaks, anomalies, the high tier
LEVELS = ["#dbe7f3", "#7fa9d6", "#0b5cad"]  # levels 1-3, light to dark
TIERS = {"ridicat": WARN, "mediu": "#d97706", "scăzut": MUTED}
ROLES = {"legătură între grupuri": WARN, "legătură între piețe": "#d97706", "persoană": ACCENT}
MARKET_RO = {m.code: m.name_ro for m in MARKETS}
NUMBER_LOCALE = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " lei"]}
TIME_LOCALE = {
    "dateTime": "%A, %e %B %Y, %X", "date": "%d.%m.%Y", "time": "%H:%M:%S",
    "periods": ["AM", "PM"],
    "days": ["duminică", "luni", "marți", "miercuri", "joi", "vineri", "sâmbătă"],
    "shortDays": ["dum.", "lun.", "mar.", "mie.", "joi", "vin.", "sâm."],
    "months": ["ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august",
               "septembrie", "octombrie", "noiembrie", "decembrie"],
    "shortMonths": ["ian.", "feb.", "mar.", "apr.", "mai", "iun.", "iul.", "aug.", "sept.",
                    "oct.", "nov.", "dec."],
}  # fmt: skip


def nocta_theme() -> dict:
    return {
        "config": {
            "font": FONT,
            "locale": {"number": NUMBER_LOCALE, "time": TIME_LOCALE},
            "view": {"stroke": None},
            "axis": {
                "labelColor": INK,
                "titleColor": INK,
                "gridColor": "#e5e7eb",
                "labelFontSize": 11,
                "titleFontSize": 12,
            },
            "legend": {"labelColor": INK, "titleColor": INK},
            "title": {"color": INK, "fontSize": 14, "anchor": "start"},
            "bar": {"color": ACCENT},
            "line": {"color": ACCENT, "strokeWidth": 2},
        }
    }


@alt.theme.register("nocta", enable=True)
def _altair_theme() -> alt.theme.ThemeConfig:
    return nocta_theme()  # type: ignore[return-value]


def county_rate_bars(rates: pl.DataFrame, year: int) -> alt.LayerChart:
    """Counties ranked by rate in one year, with the 95 % interval of each as a thin rule."""
    data = rates.filter(pl.col("year") == year)
    base = alt.Chart(data).encode(
        y=alt.Y("county_name:N", sort="-x", title=None),
        tooltip=[
            alt.Tooltip("county_name:N", title="Județ"),
            alt.Tooltip("cases:Q", title="Cazuri", format=",d"),
            alt.Tooltip("rate:Q", title="La 100 000 loc.", format=".1f"),
        ],
    )
    bars = base.mark_bar(color=ACCENT).encode(
        x=alt.X("rate:Q", title=f"Cazuri înregistrate la 100 000 de locuitori, {year}")
    )
    interval = base.mark_rule(color=INK, opacity=0.6).encode(x="rate_low:Q", x2="rate_high:Q")
    return (bars + interval).properties(
        width=520,
        height=alt.Step(13),
        title=f"Rata cazurilor de criminalitate organizată pe județe, {year}",
        description=f"Bare orizontale: rata la 100 000 de locuitori pe județe în {year}, "
        "cu intervalul de încredere de 95 %.",
    )


def national_trend(national: pl.DataFrame) -> alt.Chart:
    """Romania's rate by year."""
    return (
        alt.Chart(national)
        .mark_line(point=True, color=ACCENT)
        .encode(
            x=alt.X("year:O", title="Anul"),
            y=alt.Y("rate:Q", title="Cazuri la 100 000 de locuitori"),
            tooltip=[
                alt.Tooltip("year:O", title="Anul"),
                alt.Tooltip("rate:Q", title="Rata", format=".1f"),
            ],
        )
        .properties(
            width=520,
            height=220,
            title="România: evoluția ratei cazurilor înregistrate",
            description="Linie: rata națională anuală la 100 000 de locuitori.",
        )
    )


def _rounded(value: object) -> object:
    """Floats to 6 significant digits, recursively: a chart needs no more, and Vega writes data
    values into its accessibility labels with the Romanian decimal comma, where 13 digits in a
    row would read as a CNP to the publication check (report/checks.py)."""
    if isinstance(value, float):
        return float(f"{value:.6g}") if math.isfinite(value) else value
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def to_spec(chart: alt.TopLevelMixin, validate: bool = True) -> dict:
    """Vega-Lite spec with the nocta theme and the data inlined (the spec is the artefact),
    data values rounded to 6 significant digits (the tables keep full precision).
    `validate=False` skips the schema check, for builders already checked by their tests."""
    spec = chart.to_dict(validate=validate)
    spec["config"] = nocta_theme()["config"] | spec.get("config", {})
    if "datasets" in spec:
        spec["datasets"] = _rounded(spec["datasets"])
    return spec


def save_chart(chart: alt.TopLevelMixin, folder: Path, name: str) -> dict:
    """Write `chart_<name>.svg` and `.png` (2x, for print) into `folder`; return the spec for
    results.write_results, which writes `chart_<name>.vl.json` next to them."""
    spec = to_spec(chart)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"chart_{name}.svg").write_text(vlc.vegalite_to_svg(spec), encoding="utf-8")
    (folder / f"chart_{name}.png").write_bytes(vlc.vegalite_to_png(spec, scale=2))
    return spec


VEGA_MIMETYPE = "application/vnd.vega.v5+json"  # JupyterLab 4's own Vega renderer
VEGA_SCHEMA = "https://vega.github.io/schema/vega/v5.json"  # a name, never fetched


def notebook_renderer(spec: dict, **_: object) -> dict:
    """Show a chart in a notebook with nothing fetched from the network, data rounded as in
    `to_spec`: the chart compiled here to Vega (vl-convert), for JupyterLab's built-in Vega
    renderer, interactive, with its JavaScript served by the analyst's own server; and the
    same chart as SVG for every other reader of the notebook (Papermill runs, nbconvert).

    Why: altair's default output loads Vega from a CDN, and the hub's servers have no internet;
    altair 6 writes Vega-Lite 6, which JupyterLab 4's renderer (Vega-Lite 5) does not take, but
    the compiled Vega it draws. Enabled on import as the `nocta` renderer;
    `alt.renderers.enable("default")` brings back altair's own output.
    """
    spec = dict(spec)
    if "datasets" in spec:
        spec["datasets"] = _rounded(spec["datasets"])
    title = spec.get("title")
    text = title.get("text") if isinstance(title, dict) else title
    vega = vlc.vegalite_to_vega(spec)
    vega["$schema"] = VEGA_SCHEMA  # same spec format; JupyterLab's Vega 5 would warn at v6
    return {
        VEGA_MIMETYPE: vega,
        "image/svg+xml": vlc.vegalite_to_svg(spec),
        "text/plain": f"<grafic / chart: {text}>" if text else "<grafic / chart>",
    }


alt.renderers.register("nocta", notebook_renderer)
alt.renderers.enable("nocta")


def _market_names(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(market_name=pl.col("market").replace_strict(MARKET_RO, default=None))


def market_rate_bars(rates: pl.DataFrame, year: int) -> alt.LayerChart:
    """Markets ranked by national rate in one year, with 95 % intervals."""
    data = _market_names(rates.filter(pl.col("year") == year))
    base = alt.Chart(data).encode(
        y=alt.Y("market_name:N", sort="-x", title=None),
        tooltip=[
            alt.Tooltip("market_name:N", title="Piața"),
            alt.Tooltip("cases:Q", title="Cazuri", format=",d"),
            alt.Tooltip("rate:Q", title="La 100.000 loc.", format=",.2f"),
        ],
    )
    bars = base.mark_bar().encode(x=alt.X("rate:Q", title="Cazuri la 100.000 de locuitori"))
    rule = base.mark_rule(color=INK, opacity=0.6).encode(x="rate_low:Q", x2="rate_high:Q")
    return (bars + rule).properties(
        width=480, height=alt.Step(16), title=f"Rata pe piețe infracționale, România, {year}"
    )


def _whole_ticks(values, fmt: str) -> dict:
    """Counts on a legend: whole numbers from 0 to the largest, never one printed twice."""
    top = values.max()
    if not fmt.endswith("d") or top is None or not math.isfinite(top) or top <= 0:
        return {}
    step = max(1, math.ceil(top / 5))
    return {"values": list(range(0, int(top) + step, step))}


def county_choropleth(
    shapes: gpd.GeoDataFrame,
    value: str,
    title: str,
    legend: str,
    lang: str = "ro",
    fmt: str = ",.1f",
) -> alt.LayerChart:
    """A county map of `value` (see geo.county_map_data): all 42 counties drawn, those without
    data in grey with their own legend entry, the colour scale from zero (analysis.maps draws
    the same map for the portal and the public figures)."""
    words = maps.WORDS[lang]
    outline = {"stroke": "white", "strokeWidth": 0.6}
    base = (
        alt.Chart(shapes)
        .transform_calculate(status=alt.expr.toString(words["no_data"]))
        .mark_geoshape(fill=maps.NO_DATA, **outline)
        .encode(
            color=alt.Color(
                "status:N",
                scale=alt.Scale(domain=[words["no_data"]], range=[maps.NO_DATA]),
                legend=alt.Legend(title=None, orient="bottom", symbolType="square"),
            ),
            tooltip=[alt.Tooltip("county_name:N", title=words["county"])],
        )
    )
    shaded = (
        alt.Chart(shapes)
        .transform_filter(f"isValid(datum['{value}'])")
        .mark_geoshape(**outline)
        .encode(
            color=alt.Color(
                f"{value}:Q",
                title=legend,
                scale=alt.Scale(scheme="blues", domainMin=0, zero=True),
                legend=alt.Legend(format=fmt, orient="right", **_whole_ticks(shapes[value], fmt)),
            ),
            tooltip=[
                alt.Tooltip("county_name:N", title=words["county"]),
                alt.Tooltip(f"{value}:Q", title=legend, format=fmt),
            ],
        )
    )
    return (
        alt.layer(base, shaded)
        .resolve_scale(color="independent")
        .resolve_legend(color="independent")
        .project("mercator")
        .properties(width=maps.WIDTH, height=maps.HEIGHT, title=title)
    )


def threat_matrix_chart(matrix: pl.DataFrame) -> alt.LayerChart:
    """Markets in priority order against the four dimensions, darker = higher level, and the
    score in the last column."""
    dims = {
        "prevalence_level": "Dosare înregistrate",
        "trend_level": "Tendință",
        "group_level": "Grupuri",
        "harm_level": "Prejudiciu",
    }
    data = matrix.unpivot(
        index=["priority", "market_name", "score"], on=list(dims), variable_name="dim"
    ).with_columns(dimension=pl.col("dim").replace_strict(dims))
    x = alt.X(
        "dimension:N",
        sort=[*dims.values(), "Scor"],
        scale=alt.Scale(domain=[*dims.values(), "Scor"]),
        title=None,
        axis=alt.Axis(orient="top", labelAngle=0),
    )
    y = alt.Y("market_name:N", sort=alt.SortField("priority"), title=None)
    cells = (
        alt.Chart(data)
        .mark_rect(stroke="white")
        .encode(
            x=x,
            y=y,
            color=alt.Color("value:O", title="Nivel", scale=alt.Scale(range=LEVELS)),
            tooltip=[
                alt.Tooltip("market_name:N", title="Piața"),
                alt.Tooltip("dimension:N", title="Dimensiunea"),
                alt.Tooltip("value:Q", title="Nivel (1-3)"),
            ],
        )
    )
    score = (
        alt.Chart(matrix.with_columns(dimension=pl.lit("Scor")))
        .mark_text(color=INK)
        .encode(x=x, y=y, text=alt.Text("score:Q", format=",.1f"))
    )
    return alt.layer(cells, score).properties(
        width=350,
        height=alt.Step(18),
        title="Matricea amenințării pe piețe infracționale (ordinea priorităților)",
    )


def ocg_score_bars(groups: pl.DataFrame, top: int = 20) -> alt.Chart:
    """The `top` groups by threat score, coloured by tier."""
    data = groups.sort("score", descending=True).head(top)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "score:Q", title="Scor de amenințare (0-100)", scale=alt.Scale(domain=[0, 100])
            ),
            y=alt.Y("ocg_id:N", sort="-x", title=None),
            color=alt.Color(
                "tier_ro:N",
                title="Prag",
                scale=alt.Scale(domain=list(TIERS), range=list(TIERS.values())),
            ),
            tooltip=[
                "ocg_id:N",
                "home_county:N",
                "n_members:Q",
                "status:N",
                alt.Tooltip("score:Q", format=",.1f"),
                "defining:N",
            ],
        )
        .properties(
            width=460, height=alt.Step(14), title=f"Grupurile cu cel mai mare scor (primele {top})"
        )
    )


def forecast_chart(
    history: pl.DataFrame, forecast: pl.DataFrame, title: str, breaks: pl.DataFrame | None = None
) -> alt.LayerChart:
    """Monthly cases, the forecast with 80 % and 95 % intervals, and breaks shaded."""
    hist = (
        alt.Chart(history)
        .mark_line(color=INK, strokeWidth=1.2)
        .encode(
            x=alt.X("month:T", title="Luna"),
            y=alt.Y("cases:Q", title="Cazuri pe lună"),
            tooltip=[alt.Tooltip("month:T", format="%B %Y"), alt.Tooltip("cases:Q", format=",d")],
        )
    )
    base = alt.Chart(forecast).encode(x="month:T")
    layers = [
        base.mark_area(color=ACCENT, opacity=0.15).encode(y="lo95:Q", y2="hi95:Q"),
        base.mark_area(color=ACCENT, opacity=0.3).encode(y="lo80:Q", y2="hi80:Q"),
        hist,
        base.mark_line(color=ACCENT, strokeDash=[4, 3]).encode(
            y="forecast:Q",
            tooltip=[
                alt.Tooltip("month:T", format="%B %Y"),
                alt.Tooltip("forecast:Q", title="Prognoză", format=",.1f"),
            ],
        ),
    ]
    if breaks is not None and breaks.height:
        spans = breaks.with_columns(end=pl.col("end").dt.offset_by("1mo"))
        layers.insert(
            0,
            alt.Chart(spans)
            .mark_rect(color=WARN, opacity=0.15)
            .encode(
                x="start:T", x2="end:T", tooltip=["kind:N", alt.Tooltip("factor:Q", format=",.2f")]
            ),
        )
    return alt.layer(*layers).properties(width=560, height=220, title=title)


def seizure_route_bars(routes: pl.DataFrame, top: int = 15) -> alt.Chart:
    """The busiest routes (origin → destination) by number of seizures, per market."""
    data = _market_names(routes)
    order = (
        data.group_by("route").agg(pl.col("seizures").sum()).sort("seizures", descending=True)
    )["route"].head(top)
    return (
        alt.Chart(data.filter(pl.col("route").is_in(order.implode())))
        .mark_bar()
        .encode(
            x=alt.X("sum(seizures):Q", title="Capturi"),
            y=alt.Y("route:N", sort=order.to_list(), title=None),
            color=alt.Color("market_name:N", title="Marfa"),
            tooltip=["route:N", "market_name:N", alt.Tooltip("sum(seizures):Q", title="Capturi")],
        )
        .properties(width=440, height=alt.Step(16), title="Rutele cu cele mai multe capturi")
    )


def justice_funnel_chart(funnel: pl.DataFrame) -> alt.Chart:
    """Cases at each stage of the justice chain, per cohort year."""
    stages = {
        "registered": "Înregistrate (poliție)",
        "prosecuted": "Urmărite penal (DIICOT)",
        "indicted": "Trimise în judecată",
        "convicted": "Cu condamnare",
    }
    data = (
        funnel.group_by("year")
        .agg(pl.col(list(stages)).sum())
        .unpivot(index="year", on=list(stages), variable_name="stage", value_name="cases")
        .with_columns(stage_ro=pl.col("stage").replace_strict(stages))
    )
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title="Anul înregistrării"),
            y=alt.Y("cases:Q", title="Cazuri", scale=alt.Scale(type="symlog")),
            color=alt.Color("stage_ro:N", title="Etapa", sort=list(stages.values())),
            tooltip=["year:O", "stage_ro:N", alt.Tooltip("cases:Q", format=",d")],
        )
        .properties(width=520, height=240, title="Lanțul judiciar: de la dosar la condamnare")
    )


def eu_comparison_chart(eu: pl.DataFrame, label: str) -> alt.LayerChart:
    """Romania's rate against the median and middle half (quartiles) of the member states that
    report the offence (often 20 or 21 of the 27, so never called the EU-27 median); the 2014
    Criminal Code break marked. (The full range would be dominated by the one or two countries
    that record far more.)"""
    base = alt.Chart(eu).encode(x=alt.X("year:O", title="Anul"))
    band = base.mark_area(color=MUTED, opacity=0.2).encode(
        y=alt.Y("eu_q1_rate:Q", title="Infracțiuni la 100.000 de locuitori"), y2="eu_q3_rate:Q"
    )
    median = base.mark_line(color=MUTED, strokeDash=[4, 3]).encode(y="eu_median_rate:Q")
    romania = base.mark_line(point=True, color=ACCENT).encode(
        y="romania_rate:Q",
        tooltip=[
            alt.Tooltip("year:O", title="Anul"),
            alt.Tooltip("romania_rate:Q", title="România", format=",.2f"),
            alt.Tooltip("eu_median_rate:Q", title="Mediana statelor UE raportoare", format=",.2f"),
            alt.Tooltip("romania_rank:Q", title="Locul României (1 = cea mai mare rată)"),
        ],
    )
    code = alt.Chart(pl.DataFrame({"year": [2014]})).mark_rule(color=WARN).encode(x="year:O")
    return alt.layer(band, median, romania, code).properties(
        width=520,
        height=220,
        title=alt.Title(
            label,
            subtitle="România (albastru), mediana statelor membre care raportează (linie gri) și "
            "jumătatea lor din mijloc (zona gri); linia roșie: 2014, noul Cod penal",
        ),
    )


def network_chart(graph: nx.Graph, players: pl.DataFrame, max_people: int = 250) -> alt.LayerChart:
    """The co-offending links of the most central people (pseudonyms only); people linking
    groups in red, linking markets in amber (networks.key_players `role`)."""
    keep = players.sort("rank").head(max_people)["person"].to_list()
    sub = graph.subgraph(keep)
    pos = nx.spring_layout(sub, seed=0, weight="weight")
    nodes = (
        players.filter(pl.col("person").is_in(keep))
        .with_columns(
            x=pl.col("person").replace_strict({p: float(xy[0]) for p, xy in pos.items()}),
            y=pl.col("person").replace_strict({p: float(xy[1]) for p, xy in pos.items()}),
            role=pl.col("role").replace("", "persoană"),
        )
        .drop("markets", "groups")
    )
    edges = pl.DataFrame(
        [(a, b, *pos[a], *pos[b]) for a, b in sub.edges],
        schema=["a", "b", "x", "y", "x2", "y2"],
        orient="row",
    )
    no_axis = alt.Axis(labels=False, ticks=False, grid=False, title=None, domain=False)
    links = (
        alt.Chart(edges)
        .mark_rule(color=MUTED, opacity=0.4)
        .encode(x=alt.X("x:Q", axis=no_axis), y=alt.Y("y:Q", axis=no_axis), x2="x2:Q", y2="y2:Q")
    )
    people = (
        alt.Chart(nodes)
        .mark_circle(opacity=0.9)
        .encode(
            x="x:Q",
            y="y:Q",
            size=alt.Size("betweenness:Q", title="Intermediere", scale=alt.Scale(range=[20, 400])),
            color=alt.Color(
                "role:N",
                title="Rol",
                scale=alt.Scale(domain=list(ROLES), range=list(ROLES.values())),
            ),
            tooltip=[
                "person:N",
                "network:Q",
                "degree:Q",
                alt.Tooltip("betweenness:Q", format=",.0f"),
                "n_groups:Q",
                "n_markets:Q",
            ],
        )
    )
    return alt.layer(links, people).properties(
        width=520, height=420, title="Rețeaua de co-participare a persoanelor cheie (pseudonime)"
    )
