"""The 41 counties and Bucharest, and the one function that turns any allowed spelling into a code.

Partners write counties as `CJ`, `RO-CJ`, `Cluj`, `Județul Cluj`, with cedilla or comma-below
letters or none, and Bucharest in five ways (specs/partner-extracts.md). Everything downstream
joins on the two-letter code, so this is the only place that reads names.
"""

import csv
import difflib
import re
from dataclasses import dataclass
from functools import cache

import polars as pl

from analysis.reference.files import reference_file
from analysis.reference.text import strip_diacritics, to_comma_below


@dataclass(frozen=True)
class County:
    code: str  # two-letter mnemonic, `B` for Bucharest
    iso: str  # ISO 3166-2
    jud_code: int  # SIRUTA county code
    cnp_code: str  # county code embedded in a CNP (Bucharest: 40, and 41-46 for its sectors)
    siruta: int
    name: str  # with comma-below diacritics
    name_ascii: str
    nuts3: str
    region_code: int
    region: str


class UnknownCounty(ValueError):
    """A county text that is none of the spellings the partner specification allows."""

    def __init__(self, text: str, suggestion: str | None) -> None:
        hint = f' (did you mean "{suggestion}"?)' if suggestion else ""
        super().__init__(f'"{text}" is not a county{hint}')
        self.text = text
        self.suggestion = suggestion


def _load() -> tuple[County, ...]:
    with reference_file("ro_counties_reference.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return tuple(
        County(
            code=r["mnemonic"],
            iso=r["iso3166_2"],
            jud_code=int(r["jud_code"]),
            cnp_code=r["cnp_county_code"],
            siruta=int(r["siruta"]),
            name=to_comma_below(r["name"]),
            name_ascii=r["name_ascii"],
            nuts3=r["nuts3"],
            region_code=int(r["dev_region_code"]),
            region=r["dev_region"],
        )
        for r in rows
    )


COUNTIES: tuple[County, ...] = _load()
BY_CODE: dict[str, County] = {c.code: c for c in COUNTIES}

_PREFIX = re.compile(r"^(judetul|jud\.?)\s+")
_BUCHAREST = {
    "bucuresti",
    "municipiul bucuresti",
    "mun. bucuresti",
    "mun bucuresti",
    "mun.bucuresti",
}


def _key(text: str) -> str:
    """Matching key: no diacritics, lower case, hyphens as spaces, single spaces."""
    plain = strip_diacritics(to_comma_below(text)).lower().replace("-", " ")
    return " ".join(plain.split())


@cache
def county_keys() -> dict[str, str]:
    """Matching key (see `_key`, after the `Județul` prefix is dropped) -> two-letter code."""
    names: dict[str, str] = {}
    for c in COUNTIES:
        names[_key(c.name)] = c.code
        names[c.code.lower()] = c.code
        names[c.iso.lower().replace("-", " ")] = c.code
    for variant in _BUCHAREST:
        names[_key(variant)] = "B"
    return names


def county_code(text: str) -> str:
    """Two-letter code of a county written in any spelling the specification allows.

    Raises UnknownCounty (with the closest county name as a hint) for anything else.
    """
    key = _key(text)
    key = _PREFIX.sub("", key)
    code = county_keys().get(key)
    if code is None:
        close = difflib.get_close_matches(key, [_key(c.name) for c in COUNTIES], n=1, cutoff=0.75)
        suggestion = next((c.name for c in COUNTIES if close and _key(c.name) == close[0]), None)
        raise UnknownCounty(text, suggestion)
    return code


def county_table() -> pl.DataFrame:
    """The counties as a frame: one row per county, keyed by `county` (the two-letter code)."""
    return pl.DataFrame(
        {
            "county": [c.code for c in COUNTIES],
            "county_name": [c.name for c in COUNTIES],
            "county_name_ascii": [c.name_ascii for c in COUNTIES],
            "iso": [c.iso for c in COUNTIES],
            "siruta": [c.siruta for c in COUNTIES],
            "nuts3": [c.nuts3 for c in COUNTIES],
            "region": [c.region for c in COUNTIES],
        }
    )
