"""County geometry for the maps: the reference boundaries, simplified for print and oriented the
way Vega-Lite draws them.

Two traps this module exists to avoid: Vega-Lite (d3-geo) reads a counter-clockwise exterior
ring as "everything but this county" and paints the whole globe, so exteriors are turned
clockwise; and simplifying counties one by one opens slivers between neighbours, so the whole
coverage is simplified at once (shared borders stay shared).
"""

from functools import cache

import geopandas as gpd
import polars as pl
import shapely

from analysis.reference.geo import county_geojson

TOLERANCE = 0.005  # degrees (~0.5 km): invisible on a national map, a fifth of the bytes
CRS = "EPSG:4326"


@cache
def _shapes(tolerance: float) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame.from_features(county_geojson()["features"], crs=CRS)
    geoms = shapely.coverage_simplify(frame.geometry.values, tolerance)
    geoms = shapely.set_precision(geoms, 1e-4)
    geoms = shapely.orient_polygons(geoms, exterior_cw=True)
    return gpd.GeoDataFrame(
        {"county": frame["county"], "county_name": frame["name"]}, geometry=geoms, crs=CRS
    )


def county_shapes(tolerance: float = TOLERANCE) -> gpd.GeoDataFrame:
    """The 42 counties: county (two-letter code), county_name, geometry (clockwise exteriors)."""
    return _shapes(tolerance).copy()


def county_map_data(
    values: pl.DataFrame, columns: list[str], tolerance: float = TOLERANCE
) -> gpd.GeoDataFrame:
    """Shapes with the `columns` of `values` (one row per county) joined on `county`.

    A county missing from `values` keeps its shape with nulls, so the map shows it as "no
    data" instead of dropping it from the country. A county code that is not a county is an
    error: it would silently vanish from the map.
    """
    shapes = county_shapes(tolerance)
    unknown = sorted(set(values["county"]) - set(shapes["county"]))
    if unknown:
        raise ValueError(f"not counties: {unknown}")
    if values["county"].is_duplicated().any():
        raise ValueError("one row per county: the map would have to pick one value")
    table = values.select("county", *columns).to_pandas()
    return shapes.merge(table, on="county", how="left")
