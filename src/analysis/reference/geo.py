"""County boundaries (GeoJSON, react-romania, MIT) keyed by the two-letter county code."""

import json
from functools import cache

from analysis.reference.counties import BY_CODE
from analysis.reference.files import reference_file


@cache
def county_geojson() -> dict:
    """FeatureCollection of the 42 counties; each feature's `county` and `name` come from the
    reference table (the source's own names carry typos such as "SatuMare")."""
    data = json.loads(reference_file("ro_counties.geojson").read_text(encoding="utf-8"))
    for feature in data["features"]:
        code = feature["properties"]["countyId"]
        feature["properties"]["county"] = code
        feature["properties"]["name"] = BY_CODE[code].name
    return data
