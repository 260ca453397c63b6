"""DIICOT's case register: what prosecutors opened, against whom, and how it ended.

Most prosecution cases continue a police case (NR_DOSAR_POLITIE), and those of a group indict
the group's members, so one person can be followed from suspect to defendant to verdict. The
rest are DIICOT's own cases. The extract is UTF-8 with a BOM, `;`, comma-below letters, dates in
the two styles different prosecutors type (dd.mm.yyyy, dd/mm/yyyy).
"""

import numpy as np
import polars as pl

from analysis.synth import places, profiles
from analysis.synth.persons import People, cnp_lists, unique_per_row
from analysis.synth.police import case_numbers
from analysis.synth.spelling import (
    DMY,
    DMY_SLASH,
    county_text,
    date_text,
    list_text,
    lognormal_cents,
    money_text,
)
from analysis.synth.volumes import COUNTY_CODES, END, draw_events

HEADERS = ("NR_DOSAR_PARCHET", "NR_DOSAR_POLITIE", "STRUCTURA", "JUDET", "DATA_SESIZARE",
           "DATA_SOLUTIE", "SOLUTIE", "PIETE", "ID_GRUP", "NR_INCULPATI", "CNP_INCULPATI",
           "SECHESTRU_RON")  # fmt: skip
COUNTY_MIX = {"name": 0.6, "iso": 0.2, "code": 0.2}
INDICTED = ("rechizitoriu", "acord_recunoastere")
_OUTCOMES = ("rechizitoriu", "acord_recunoastere", "clasare", "renuntare", "declinare")
_P_GROUP = (0.55, 0.12, 0.2, 0.02, 0.11)
_P_OTHER = (0.42, 0.14, 0.32, 0.04, 0.08)


def _explode(lists: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """(row, value) pairs of a list column."""
    lengths = lists.list.len().to_numpy()
    return np.repeat(np.arange(lists.len()), lengths), lists.explode().drop_nulls().to_numpy()


def _linked(police: pl.DataFrame, n: int, rng: np.random.Generator) -> pl.DataFrame:
    """The police cases that became prosecution cases: 55 % of group cases, then others."""
    ocg = np.flatnonzero((police["group"] >= 0).to_numpy() & (rng.random(police.height) < 0.55))
    ocg = rng.choice(ocg, min(ocg.size, n // 2), replace=False)
    diicot = police["market"].is_in(list(profiles.DIICOT_SHARES)).to_numpy()
    others = np.flatnonzero(diicot & (police["group"] < 0).to_numpy())
    k = min(others.size, round(0.6 * (n - ocg.size)))
    rows = np.sort(np.concatenate([ocg, rng.choice(others, k, replace=False)]))
    return police[rows]


def _defendants(
    linked: pl.DataFrame, groups: pl.DataFrame, people: People, rng: np.random.Generator
) -> pl.Series:
    """The police suspects, plus more members of the same group (group cases) or co-defendants
    identified during the prosecution (other cases with a suspect)."""
    row, person = _explode(linked["suspects"])
    group = linked["group"].to_numpy()
    ocg = np.flatnonzero(group >= 0)
    known, first = (
        groups["known"].to_numpy()[group[ocg]],
        groups["first_member"].to_numpy()[group[ocg]],
    )
    k = rng.poisson(3.5, ocg.size)
    member = np.repeat(first, k) + np.floor(rng.random(k.sum()) * np.repeat(known, k))
    other = np.flatnonzero((group < 0) & (linked["suspects"].list.len() > 0).to_numpy())
    k2 = rng.poisson(0.9, other.size)
    co = people.pick(linked["county"].to_numpy()[np.repeat(other, k2)], rng)
    rows = np.concatenate([row, np.repeat(ocg, k), np.repeat(other, k2)])
    values = np.concatenate([person, member.astype(np.int64), co])
    return unique_per_row(rows, values, linked.height)


def prosecution_cases(
    n: int,
    police: pl.DataFrame,
    groups: pl.DataFrame,
    people: People,
    weights: np.ndarray,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """n cases: pros, prosecution_id, case_id, office, county, opened, closed, outcome, markets,
    group, defendants, assets; in order of opening."""
    linked = _linked(police, n, rng)
    delay = np.rint(rng.exponential(25, linked.height)).astype("timedelta64[D]")
    linked = linked.select(
        "case_id",
        "county",
        "market",
        "group",
        opened=pl.Series(linked["date"].to_numpy() + delay).cast(pl.Date).clip(None, END),
        defendants=_defendants(linked, groups, people, rng),
    )
    own = draw_events(n - linked.height, profiles.DIICOT_SHARES, weights, rng, profiles.AFFINITY)
    k = np.where(rng.random(own.height) < 0.15, 0, 1 + rng.poisson(2.5, own.height))
    row = np.repeat(np.arange(own.height), k)
    person = people.pick(own["county"].to_numpy()[row], rng)
    own = own.select(
        case_id=pl.lit(None, pl.String),
        county="county",
        market="market",
        group=pl.lit(-1, pl.Int64),
        opened="date",
        defendants=unique_per_row(row, person, own.height),
    )
    cases = (
        pl.concat([linked, own]).with_columns(tie=pl.Series(rng.random(n))).sort("opened", "tie")
    )
    return _close(cases.drop("tie"), rng)


def _close(cases: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    n = cases.height
    in_group = (cases["group"] >= 0).to_numpy()
    opened = cases["opened"].to_numpy()
    closed = opened + np.rint(np.exp(rng.normal(np.log(420), 0.6, n))).astype("timedelta64[D]")
    is_closed = closed <= np.datetime64(END)
    outcome = np.where(
        in_group,
        np.array(_OUTCOMES)[rng.choice(5, n, p=_P_GROUP)],
        np.array(_OUTCOMES)[rng.choice(5, n, p=_P_OTHER)],
    )
    nobody = (cases["defendants"].list.len() == 0).to_numpy()
    outcome = np.where(nobody, np.where(rng.random(n) < 0.8, "clasare", "declinare"), outcome)
    indicted = np.isin(outcome, INDICTED) & is_closed
    assets = np.where(
        in_group, lognormal_cents(rng, 300_000, 1.3, n), lognormal_cents(rng, 50_000, 1.2, n)
    )
    p_assets = np.where(indicted, np.where(in_group, 0.55, 0.2), 0.05)
    central = rng.random(n) < np.where(in_group, 0.25, 0.1)
    offices = [places.diicot_office(c) for c in COUNTY_CODES]
    office = np.where(central, places.DIICOT_CENTRAL, np.array(offices)[cases["county"]])
    money = rng.random(n) < np.where(in_group, 0.25, 0.05)
    year = pl.Series(opened).cast(pl.Date)
    return cases.with_columns(
        pros=pl.int_range(n, dtype=pl.Int64),
        prosecution_id=pl.format("{}/D/P/{}", pl.Series(case_numbers(year, rng)), year.dt.year()),
        office=pl.Series(office),
        closed=pl.Series(np.where(is_closed, closed, np.datetime64("NaT"))).cast(pl.Date),
        outcome=pl.Series(np.where(is_closed, outcome, None)),
        markets=pl.when(pl.Series(money) & (pl.col("market") != "money_laundering"))
        .then(pl.concat_list("market", pl.lit("money_laundering")))
        .otherwise(pl.concat_list("market")),
        assets=pl.Series(np.where(rng.random(n) < p_assets, assets, -1)).replace(-1, None),
    )


def prosecution_extract(
    cases: pl.DataFrame, groups: pl.DataFrame, people: People, rng: np.random.Generator
) -> pl.DataFrame:
    """The partner's columns as DIICOT's export writes them."""
    slash = pl.Series(rng.random(cases.height) < 0.4)
    g = cases["group"]
    return cases.select(
        NR_DOSAR_PARCHET="prosecution_id",
        NR_DOSAR_POLITIE="case_id",
        STRUCTURA="office",
        JUDET=county_text(cases["county"].to_numpy(), COUNTY_MIX, rng),
        DATA_SESIZARE=date_text(pl.col("opened"), (DMY, DMY_SLASH), slash),
        DATA_SOLUTIE=date_text(pl.col("closed"), (DMY, DMY_SLASH), slash),
        SOLUTIE="outcome",
        PIETE=list_text(pl.col("markets")),
        ID_GRUP=pl.when(g >= 0).then(groups["ocg_id"].gather(g.clip(0, None))).otherwise(None),
        NR_INCULPATI=pl.col("defendants").list.len().cast(pl.String),
        CNP_INCULPATI=cnp_lists(cases["defendants"], people.cnp),
        SECHESTRU_RON=money_text(pl.col("assets"), "."),
    )
