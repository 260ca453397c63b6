"""County geometry for maps, the project's chart theme (Romanian numbers and labels), and charts
saved as spec + SVG + PNG."""

import datetime as dt
import re

import polars as pl
import pytest
import shapely
import vl_convert as vlc

from analysis import charts
from analysis.geo import county_map_data, county_shapes


def test_counties_are_valid_and_clockwise_for_vega_lite():
    shapes = county_shapes()
    assert len(shapes) == 42
    assert shapes.geometry.is_valid.all()
    rings = [p.exterior for g in shapes.geometry for p in getattr(g, "geoms", [g])]
    assert not any(shapely.is_ccw(r) for r in rings)  # counter-clockwise = the whole globe
    assert "Ilfov" in set(shapes["county_name"]) and "Satu Mare" in set(shapes["county_name"])


def test_map_data_keeps_counties_without_data_and_refuses_unknown_ones():
    shapes = county_map_data(pl.DataFrame({"county": ["CJ"], "rate": [2.5]}), ["rate"])
    assert len(shapes) == 42
    assert shapes.set_index("county").loc["CJ", "rate"] == 2.5
    assert shapes["rate"].isna().sum() == 41
    with pytest.raises(ValueError, match="not counties"):
        county_map_data(pl.DataFrame({"county": ["XX"], "rate": [1.0]}), ["rate"])
    with pytest.raises(ValueError, match="one row per county"):
        county_map_data(pl.DataFrame({"county": ["CJ", "CJ"], "rate": [1.0, 2.0]}), ["rate"])


def _texts(svg: str) -> list[str]:
    return re.findall(r">([^<>]+)</text>", svg)


def test_numbers_are_written_the_romanian_way():
    data = pl.DataFrame({"county_name": ["Constanța", "Sălaj"], "rate": [1234.5, 98765.25]})
    chart = charts.alt.Chart(data).mark_bar().encode(
        x=charts.alt.X("rate:Q", axis=charts.alt.Axis(format=",.1f"), title="Rată"),
        y="county_name:N",
    )  # fmt: skip
    texts = _texts(vlc.vegalite_to_svg(charts.to_spec(chart)))
    assert "20.000,0" in texts  # thousands with a dot, decimals with a comma
    assert "Constanța" in texts  # comma-below ț survives


def test_save_chart_writes_svg_and_png_and_returns_the_spec(tmp_path):
    rates = pl.DataFrame(
        {"county_name": ["Cluj", "Timiș"], "year": [2024, 2024], "cases": [10, 20],
         "rate": [1.5, 2.5], "rate_low": [1.0, 2.0], "rate_high": [2.0, 3.0]}
    )  # fmt: skip
    spec = charts.save_chart(charts.county_rate_bars(rates, 2024), tmp_path, "rates")
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    svg = (tmp_path / "chart_rates.svg").read_text(encoding="utf-8")
    assert "Timiș" in svg and "județe" in svg
    assert (tmp_path / "chart_rates.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_existing_builders_keep_their_behaviour():
    national = pl.DataFrame({"year": [2023, 2024], "rate": [1.0, 1.2], "cases": [10, 12]})
    spec = charts.to_spec(charts.national_trend(national))
    assert spec["mark"]["type"] == "line" and spec["config"]["font"] == charts.FONT
    assert spec["title"] == "România: evoluția ratei cazurilor înregistrate"


def test_forecast_and_matrix_charts_render():
    history = pl.DataFrame({"month": [dt.date(2025, m, 1) for m in (1, 2, 3)], "cases": [5, 6, 7]})
    fc = pl.DataFrame({"month": [dt.date(2025, 4, 1)], "forecast": [7.5], "lo80": [6.0],
                       "hi80": [9.0], "lo95": [5.0], "hi95": [10.0]})  # fmt: skip
    breaks = pl.DataFrame({"start": [dt.date(2025, 2, 1)], "end": [dt.date(2025, 2, 1)],
                           "kind": ["outlier"], "factor": [1.2]})  # fmt: skip
    svg = vlc.vegalite_to_svg(
        charts.to_spec(charts.forecast_chart(history, fc, "Prognoză", breaks))
    )
    assert "Prognoză" in svg and "Cazuri pe lună" in svg
    matrix = pl.DataFrame(
        {"priority": [1, 2], "market_name": ["trafic de cocaină", "corupție"],
         "score": [90.0, 40.0], "prevalence_level": [3, 1], "trend_level": [2, 2],
         "group_level": [3, 1], "harm_level": [3, 3]}
    )  # fmt: skip
    texts = _texts(vlc.vegalite_to_svg(charts.to_spec(charts.threat_matrix_chart(matrix))))
    assert "90,0" in texts and "Dosare înregistrate" in texts


def _drawn(svg: str) -> tuple[int, list[str]]:
    """(county shapes drawn, the texts a reader sees) in a rendered map."""
    shapes = len(re.findall(r'aria-roledescription="geoshape"', svg))
    return shapes, re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_every_map_draws_all_42_counties_with_a_legend_for_missing_data():
    """Four counties with one group each: the map still shows the whole country, the others
    grey with their own legend entry, and a legend from 0 that never repeats a number."""
    from analysis.publication.figures import _map

    high = pl.DataFrame({"county": ["CJ", "B", "IS", "CT"], "groups": [1, 1, 1, 1]})
    chart = charts.county_choropleth(
        county_map_data(high, ["groups"]), "groups", "Grupuri", "Grupuri", fmt=",d"
    )
    shapes, texts = _drawn(vlc.vegalite_to_svg(charts.to_spec(chart)))
    assert shapes == 42 + 4 and "Fără date publicate" in texts
    numbers = [t for t in texts if t.isdigit()]
    assert numbers == ["0", "1"]  # the scale explained, no "1,0" alone
    rates = pl.DataFrame(
        {
            "county": ["CJ", "B", "IS"],
            "year": [2025] * 3,
            "cases": [12, None, 40],
            "rate": [1.5, None, 2.5],
        }
    )
    shapes, texts = _drawn(vlc.vegalite_to_svg(_map(rates, "Cazuri")))
    assert shapes == 42 + 2 and "Fără date publicate" in texts and "0,0" in texts
