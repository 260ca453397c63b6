"""Synthetic people with valid CNPs, so every identifier in a clean extract passes the checks
ingest applies and the same person can recur across partners.

A million CNPs cannot be built one by one in Python within the time budget, so they are built
with numpy using the arithmetic of reference.cnp.make_cnp (the tests hold this module to it).
Nothing here belongs to a real person: sex, birth date, county and serial are all drawn.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from analysis.reference.cnp import WEIGHTS
from analysis.reference.counties import BY_CODE
from analysis.synth.volumes import COUNTY_CODES

_CNP_COUNTY = np.array([int(BY_CODE[c].cnp_code) for c in COUNTY_CODES])
_BUCHAREST = COUNTY_CODES.index("B")
_EPOCH_2000 = np.datetime64("2000-01-01")


def cnp_numbers(
    male: np.ndarray, born: np.ndarray, county_code: np.ndarray, serial: np.ndarray
) -> np.ndarray:
    """CNPs as int64 (13 digits) for births in 1900-2099, as make_cnp writes them."""
    born = born.astype("datetime64[D]")
    month_start = born.astype("datetime64[M]")
    year = born.astype("datetime64[Y]").astype(np.int64) + 1970
    month = month_start.astype(np.int64) % 12 + 1
    day = (born - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    male = male.astype(bool)
    sex = np.where(born >= _EPOCH_2000, np.where(male, 5, 6), np.where(male, 1, 2))
    yy = year % 100
    digits = np.stack(
        [sex, yy // 10, yy % 10, month // 10, month % 10, day // 10, day % 10,
         county_code // 10, county_code % 10, serial // 100, serial // 10 % 10, serial % 10],
        axis=1,
    ).astype(np.int64)  # fmt: skip
    rest = digits @ np.array(WEIGHTS, dtype=np.int64) % 11
    check = np.where(rest == 10, 1, rest)
    powers = 10 ** np.arange(12, 0, -1, dtype=np.int64)
    return digits @ powers + check


def draw_persons(county: np.ndarray, rng: np.random.Generator) -> pl.DataFrame:
    """One person per entry of `county` (county indices): person, county, cnp (text), all distinct.

    Birth dates 1950-2005 around a 1984 mode; 84 % men, as in the offender statistics.
    Bucharest residents carry a sector code (41-46) or the city code 40.
    """
    n = county.size
    male = rng.random(n) < 0.84
    year = np.clip(np.rint(rng.normal(1984, 10, n)), 1950, 2005).astype(np.int64)
    first = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    length = ((year + 1 - 1970).astype("datetime64[Y]").astype("datetime64[D]") - first).astype(int)
    born = first + np.floor(rng.random(n) * length).astype(np.int64)
    code = _CNP_COUNTY[county]
    sector = rng.integers(40, 47, n)
    code = np.where(county == _BUCHAREST, sector, code)
    serial = rng.integers(1, 1000, n)
    cnp = cnp_numbers(male, born, code, serial)
    for _ in range(100):  # two draws can meet on sex, date, county and serial: redraw the later
        order = np.argsort(cnp, kind="stable")
        repeat = order[1:][cnp[order][1:] == cnp[order][:-1]]
        if repeat.size == 0:
            break
        serial[repeat] = rng.integers(1, 1000, repeat.size)
        cnp[repeat] = cnp_numbers(male[repeat], born[repeat], code[repeat], serial[repeat])
    else:
        raise RuntimeError("could not draw distinct CNPs")
    return pl.DataFrame(
        {"person": np.arange(n, dtype=np.int64), "county": county.astype(np.int32), "cnp": cnp}
    ).with_columns(pl.col("cnp").cast(pl.String))


def ragged(offsets: np.ndarray, values: np.ndarray) -> pl.Series:
    """A list column from numpy offsets (n + 1) and flat values."""
    arr = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), pa.array(values))
    return pl.Series(arr)


def unique_per_row(row: np.ndarray, value: np.ndarray, n_rows: int) -> pl.Series:
    """List column of the distinct values drawn for each of n_rows rows (rows may get none)."""
    key = np.sort(row.astype(np.int64) * (1 << 32) + value.astype(np.int64))
    key = key[np.concatenate([[True], key[1:] != key[:-1]])]
    rows, vals = key >> 32, key & ((1 << 32) - 1)
    offsets = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_rows))])
    return ragged(offsets, vals)


def cnp_lists(people: pl.Series, cnps: pl.Series) -> pl.Series:
    """`|`-joined CNPs of each row's list of person numbers (an empty list gives null)."""
    arr = people.to_arrow()
    lengths = pc.fill_null(pc.list_value_length(arr), 0).to_numpy().astype(np.int64)
    taken = cnps.to_arrow().take(pc.list_flatten(arr))
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    joined = pl.Series(pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), taken))
    text = joined.list.join("|")
    return pl.select(pl.when(text == "").then(None).otherwise(text)).to_series()


def pick_people(
    county: np.ndarray, per_county: list[np.ndarray], pool: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """One person per draw: from the draw's county with 85 % probability, else anyone; repeat
    offenders come from drawing the low positions of each county's list more often."""
    out = np.empty(county.size, dtype=np.int64)
    u = rng.random(county.size) ** 1.6
    local = rng.random(county.size) < 0.85
    for c, members in enumerate(per_county):
        take = local & (county == c)
        if members.size and take.any():
            out[take] = members[np.floor(u[take] * members.size).astype(np.int64)]
        elif take.any():
            local[take] = False
    anyone = ~local
    out[anyone] = pool[np.floor(u[anyone] * pool.size).astype(np.int64)]
    return out


@dataclass(frozen=True)
class People:
    """Everyone the extracts name: group members first (each group's a contiguous block), then
    a pool of other offenders kept per county for local draws."""

    cnp: pl.Series  # person number -> CNP text
    county: np.ndarray
    members: int  # persons 0..members-1 belong to groups
    by_county: list[np.ndarray]  # non-members per county

    def pick(self, county: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One non-member per draw, local to `county` with 85 % probability."""
        pool = np.arange(self.members, self.cnp.len(), dtype=np.int64)
        return pick_people(county, self.by_county, pool, rng)

    def any(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n non-members drawn uniformly (with repeats)."""
        return rng.integers(self.members, self.cnp.len(), n)


def make_people(
    groups: pl.DataFrame, others: int, weight: np.ndarray, rng: np.random.Generator
) -> People:
    """Members for every group (80 % from its home county) and `others` non-members."""
    p = weight / weight.sum()
    home = np.repeat(groups["home"].to_numpy(), groups["known"].to_numpy())
    member_county = np.where(rng.random(home.size) < 0.8, home, rng.choice(p.size, home.size, p=p))
    other_county = np.sort(rng.choice(p.size, others, p=p))
    county = np.concatenate([member_county, other_county]).astype(np.int64)
    frame = draw_persons(county, rng)
    starts = home.size + np.searchsorted(other_county, np.arange(p.size + 1))
    by_county = [np.arange(starts[c], starts[c + 1], dtype=np.int64) for c in range(p.size)]
    return People(cnp=frame["cnp"], county=county, members=home.size, by_county=by_county)
