"""The nocta chart style (altair) and the chart builders the notebooks and reports share.

Charts are built once, in the notebook, and saved as Vega-Lite specs with the run's results;
reports and the portal render those specs and never recompute the data behind them.
"""

import altair as alt
import polars as pl

FONT = "Libertinus Sans, DejaVu Sans, Arial, sans-serif"
INK = "#1f2a44"
ACCENT = "#0b5cad"  # 7.0:1 on white: readable for WCAG 2.1 AA at any size
MUTED = "#6b7280"


def nocta_theme() -> dict:
    return {
        "config": {
            "font": FONT,
            "view": {"stroke": None},
            "axis": {
                "labelColor": INK,
                "titleColor": INK,
                "gridColor": "#e5e7eb",
                "labelFontSize": 11,
                "titleFontSize": 12,
            },
            "title": {"color": INK, "fontSize": 14, "anchor": "start"},
            "bar": {"color": ACCENT},
            "line": {"color": ACCENT, "strokeWidth": 2},
        }
    }


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


def to_spec(chart: alt.TopLevelMixin) -> dict:
    """Vega-Lite spec with the nocta theme and the data inlined (the spec is the artefact)."""
    spec = chart.to_dict()
    spec["config"] = nocta_theme()["config"] | spec.get("config", {})
    return spec
