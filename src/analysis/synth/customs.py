"""Seizures by Customs and the Border Police, along the routes each commodity really takes.

Route, unit and value hang together (cocaine by the kilo through Constanța from South America,
cigarettes by the stick across the Ukrainian and Moldovan border), and about a third of the
seizures open or join a police case whose suspects are the persons named at the border. The
extract is the first sheet of an XLSX; writers.py decides how each cell is typed.
"""

import numpy as np
import polars as pl

from analysis.synth import places, profiles
from analysis.synth.persons import People, cnp_lists, unique_per_row
from analysis.synth.spelling import DMY, county_text, money_text
from analysis.synth.volumes import COUNTY_CODES, COUNTY_INDEX, draw_events

HEADERS = ("ID_CAPTURA", "DATA_CAPTURA", "PUNCT_TRECERE", "JUDET", "MARFA", "CANTITATE", "UM",
           "VALOARE_RON", "TARA_ORIGINE", "TARA_DESTINATIE", "MIJLOC_TRANSPORT", "CNP_PERSOANE",
           "NR_DOSAR")  # fmt: skip
COUNTY_MIX = {"code": 0.7, "name": 0.3}
DATE_COLUMNS = ("DATA_CAPTURA",)
NUMBER_COLUMNS = ("CANTITATE", "VALOARE_RON")


def _choose(rng: np.random.Generator, weights: list[float], n: int) -> np.ndarray:
    w = np.array(weights, dtype=float)
    return rng.choice(w.size, n, p=w / w.sum())


def _routes(market: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Origin, border point, transport mode, destination, unit, quantity (thousandths), value."""
    n = market.size
    out = {k: np.empty(n, dtype=object) for k in ("origin", "point", "mode", "dest", "unit")}
    milli = np.zeros(n, dtype=np.int64)
    value = np.full(n, -1, dtype=np.int64)
    for m in np.unique(market):
        rows = np.flatnonzero(market == m)
        routes = places.ROUTES[m]
        r = _choose(rng, [w for *_, w in routes], rows.size)
        out["origin"][rows] = np.array([o for o, _, _ in routes])[r]
        out["point"][rows] = points = np.array([p for _, p, _ in routes])[r]
        for p in np.unique(points):
            at = rows[points == p]
            modes = places.BORDER_POINTS[p][1]
            out["mode"][at] = np.array(list(modes))[_choose(rng, list(modes.values()), at.size)]
        home, transit = places.DESTINATIONS[m]
        dest = np.array(list(transit))[_choose(rng, list(transit.values()), rows.size)]
        out["dest"][rows] = np.where(rng.random(rows.size) < home, "RO", dest)
        units = places.UNITS[m]
        u = _choose(rng, [share for _, share, *_ in units], rows.size)
        for i, (unit, _, median, sigma, price) in enumerate(units):
            at = rows[u == i]
            qty = np.exp(rng.normal(np.log(median), sigma, at.size))
            out["unit"][at] = unit
            if unit == "kg":
                milli[at] = np.maximum(1, np.rint(qty * 1000))
            elif unit == "l":
                milli[at] = np.maximum(1, np.rint(qty * 10)) * 100
            elif unit == "fire":
                milli[at] = np.maximum(1, np.rint(qty / 200)) * 200_000  # whole cartons
            else:
                milli[at] = np.maximum(1, np.rint(qty)) * 1000
            if price is not None:
                noise = np.exp(rng.normal(0, 0.3, at.size))
                value[at] = np.rint(milli[at] / 1000 * price * noise * 100).astype(np.int64)
    value[rng.random(n) < 0.1] = -1
    return {**out, "milli": milli, "value": value}


def seizures(
    n: int, police: pl.DataFrame, people: People, rng: np.random.Generator
) -> pl.DataFrame:
    """n seizures in date order, a third linked to the next police case of the same market."""
    ones = np.ones((len(COUNTY_CODES), 11))
    ev = draw_events(n, profiles.SEIZURE_SHARES, ones, rng).drop("county")
    route = _routes(ev["market"].to_numpy(), rng)
    county = np.array([COUNTY_INDEX[places.BORDER_POINTS[p][0]] for p in route["point"]])
    cases = (
        police.select("date", "market", "case", "case_id", "suspects")
        .unique(subset=["market", "date"], keep="first", maintain_order=True)
        .rename({"date": "case_date"})
    )
    ev = ev.with_columns(link=pl.Series(rng.random(n) < 0.35), case_date=pl.col("date")).join_asof(
        cases, on="case_date", by="market", strategy="forward", check_sortedness=False
    )
    near = (pl.col("case_date") - pl.col("date")).dt.total_days() <= 60
    ev = ev.with_columns(
        pl.when(pl.col("link") & near).then(pl.col(c)).otherwise(None).alias(c)
        for c in ("case", "case_id", "suspects")
    )
    row, person = _named(ev, county, people, rng)
    year = ev["date"].dt.year()
    number = np.zeros(n, dtype=np.int64)
    for y in np.unique(year.to_numpy()):
        at = np.flatnonzero(year.to_numpy() == y)
        number[at] = np.arange(1, at.size + 1)
    return ev.select(
        "date",
        "market",
        "case",
        "case_id",
        seizure_id=pl.format("CAP-{}-{}", year, pl.Series(number).cast(pl.String).str.zfill(6)),
        county=pl.Series(county, dtype=pl.Int32),
        persons=unique_per_row(row, person, n),
        **{k: pl.Series(v) for k, v in route.items()},
    ).with_columns(pl.col("value").replace(-1, None))


def _named(
    ev: pl.DataFrame, county: np.ndarray, people: People, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Persons named at the border: the linked case's suspects (up to three), else 0-2 others."""
    linked = ev["suspects"].fill_null([]).list.head(3)
    lengths = linked.list.len().to_numpy()
    row_l = np.repeat(np.arange(ev.height), lengths)
    person_l = linked.explode().drop_nulls().to_numpy().astype(np.int64)
    k = np.where(lengths > 0, 0, _choose(rng, [0.4, 0.45, 0.15], ev.height))
    row_o = np.repeat(np.arange(ev.height), k)
    person_o = people.pick(county[row_o], rng)
    return np.concatenate([row_l, row_o]), np.concatenate([person_l, person_o])


def customs_extract(s: pl.DataFrame, people: People, rng: np.random.Generator) -> pl.DataFrame:
    """The partner's columns as text; quantities and values with a decimal point."""
    milli = pl.col("milli")
    qty = pl.format("{}.{}", milli // 1000, (milli % 1000).cast(pl.String).str.zfill(3))
    return s.select(
        ID_CAPTURA="seizure_id",
        DATA_CAPTURA=pl.col("date").dt.strftime(DMY),
        PUNCT_TRECERE="point",
        JUDET=county_text(s["county"].to_numpy(), COUNTY_MIX, rng),
        MARFA="market",
        CANTITATE=qty.str.strip_chars_end("0").str.strip_chars_end("."),
        UM="unit",
        VALOARE_RON=money_text(pl.col("value"), "."),
        TARA_ORIGINE="origin",
        TARA_DESTINATIE="dest",
        MIJLOC_TRANSPORT="mode",
        CNP_PERSOANE=cnp_lists(s["persons"], people.cnp),
        NR_DOSAR="case_id",
    )
