"""The Romanian Police's case register (IGPR): the largest extract and the one the others link to.

Cases are drawn from the volume model; a market-dependent share names an organised crime group,
and those cases list the group's members as suspects, so the members recur in the prosecution
and court extracts. The extract is written as IGPR's system exports it: Windows-1250, `;`,
decimal commas, DA/NU, counties however the clerk typed them.
"""

import numpy as np
import polars as pl

from analysis.synth import profiles
from analysis.synth.groups import assign_groups
from analysis.synth.persons import People, cnp_lists, unique_per_row
from analysis.synth.spelling import DMY, county_text, money_text, pick, yes_no
from analysis.synth.volumes import END, draw_events

HEADERS = ("NR_DOSAR", "DATA_INREGISTRARE", "JUDET", "PIATA", "ART_INCADRARE",
           "GRUP_INFRACTIONAL", "ID_GRUP", "NR_SUSPECTI", "CNP_SUSPECTI", "PREJUDICIU_RON",
           "STADIU", "OBSERVATII")  # fmt: skip
COUNTY_MIX = {"name": 0.35, "ascii": 0.25, "prefixed": 0.1, "prefixed_ascii": 0.1, "code": 0.2}


def _by_market(market: pl.Series, table: dict, default: float) -> np.ndarray:
    return market.replace_strict(table, default=default, return_dtype=pl.Float64).to_numpy()


def case_numbers(date: pl.Series, rng: np.random.Generator, first: int = 1) -> np.ndarray:
    """Registration numbers that restart every year and grow in date order, with gaps."""
    year = date.dt.year().to_numpy()
    number = np.empty(year.size, dtype=np.int64)
    for y in np.unique(year):
        rows = np.flatnonzero(year == y)
        number[rows] = first + rng.integers(0, 300) + np.cumsum(rng.integers(1, 3, rows.size))
    return number


def _groups_behind(ev: pl.DataFrame, groups: pl.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """The group named by each case (-1: none), for OCG_SHARE of each market's cases in all.

    Three times the wanted share is offered to the groups and the wanted number kept among the
    cases a group fits, so that the total stays proportional to the scale even when a small
    register leaves some markets or years without a fitting group.
    """
    share = _by_market(ev["market"], profiles.OCG_SHARE, 0.0)
    offered = np.flatnonzero(rng.random(ev.height) < np.minimum(1.0, 3 * share))
    fit = assign_groups(ev[offered], groups, rng)
    offered, fit = offered[fit >= 0], fit[fit >= 0]
    keep = rng.choice(offered.size, min(round(share.sum()), offered.size), replace=False)
    group = np.full(ev.height, -1, dtype=np.int64)
    group[offered[keep]] = fit[keep]
    return group


def _suspects(
    ev: pl.DataFrame,
    group: np.ndarray,
    groups: pl.DataFrame,
    people: People,
    rng: np.random.Generator,
) -> pl.Series:
    n = ev.height
    ocg = np.flatnonzero(group >= 0)
    known = groups["known"].to_numpy()[group[ocg]]
    first = groups["first_member"].to_numpy()[group[ocg]]
    k = np.minimum(known, 1 + rng.poisson(1.8, ocg.size))
    row_o = np.repeat(ocg, k)
    member = np.repeat(first, k) + np.floor(rng.random(row_o.size) * np.repeat(known, k))
    other = np.flatnonzero(group < 0)
    p0 = _by_market(ev["market"], profiles.NO_SUSPECT, profiles.NO_SUSPECT_DEFAULT)[other]
    k = np.where(rng.random(other.size) < p0, 0, np.minimum(rng.geometric(0.55, other.size), 6))
    row_r = np.repeat(other, k)
    county = ev["county"].to_numpy()[row_r]
    person = people.pick(county, rng)
    rows = np.concatenate([row_o, row_r])
    return unique_per_row(rows, np.concatenate([member.astype(np.int64), person]), n)


def police_cases(
    n: int, weights: np.ndarray, groups: pl.DataFrame, people: People, rng: np.random.Generator
) -> pl.DataFrame:
    """n cases: case, case_id, date, county, market, group (-1: none), suspects (person numbers),
    damage (bani), basis, notes; in date order."""
    ev = draw_events(n, profiles.POLICE_SHARES, weights, rng, profiles.AFFINITY)
    group = _groups_behind(ev, groups, rng)
    number = case_numbers(ev["date"], rng)
    params = np.array([*profiles.DAMAGE.values(), profiles.DAMAGE_DEFAULT], dtype=float)
    row = ev["market"].replace_strict(
        {m: i for i, m in enumerate(profiles.DAMAGE)}, default=len(profiles.DAMAGE)
    )
    share, median, sigma = params[row.to_numpy()].T
    ron = np.exp(rng.normal(np.log(median), sigma))
    damage = np.where(rng.random(n) < share, np.maximum(100, np.rint(ron * 100)), -1)
    basis = pl.Series([""] * n, dtype=pl.String)
    for market, options in profiles.LEGAL_BASIS.items():
        rows = np.flatnonzero((ev["market"] == market).to_numpy())
        basis = basis.scatter(rows, pick(rng, options, [1.0] * len(options), rows.size))
    notes = pick(rng, [t for t, _ in profiles.NOTES], [w for _, w in profiles.NOTES], n)
    suspects = _suspects(ev, group, groups, people, rng)
    unknown = (notes == profiles.NOTES[0][0]) & (suspects.list.len() > 0)
    empty = pl.Series(rng.random(n) < profiles.NOTES_EMPTY) | unknown
    return ev.with_columns(
        case=pl.int_range(n, dtype=pl.Int64),
        case_id=pl.format("{}/P/{}", pl.Series(number), pl.col("date").dt.year()),
        group=pl.Series(group),
        suspects=suspects,
        damage=pl.Series(damage.astype(np.int64)),
        basis=pl.when(pl.Series(group) >= 0).then(pl.lit("CP art. 367, ") + basis).otherwise(basis),
        notes=pl.when(empty).then(None).otherwise(notes),
    ).with_columns(pl.col("damage").replace(-1, None))


def police_extract(
    cases: pl.DataFrame,
    groups: pl.DataFrame,
    people: People,
    linked: np.ndarray,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """The partner's columns, every value as the text IGPR exports (before the cedilla pass)."""
    n = cases.height
    age = (np.datetime64(END) - cases["date"].to_numpy()).astype("timedelta64[D]").astype(int)
    u = rng.random(n)
    recent = np.select(
        [u < 0.7, u < 0.85, u < 0.95], ["in_lucru", "solutionat", "clasat"], "declinat"
    )
    older = np.select(
        [u < 0.45, u < 0.8, u < 0.92], ["solutionat", "clasat", "in_lucru"], "declinat"
    )
    handed = np.where(u < 0.5, "declinat", "solutionat")
    status = np.where(linked, handed, np.where(age < 180, recent, older))
    ocg_ids = groups["ocg_id"]
    g = cases["group"]
    return cases.select(
        NR_DOSAR=pl.col("case_id"),
        DATA_INREGISTRARE=pl.col("date").dt.strftime(DMY),
        JUDET=county_text(cases["county"].to_numpy(), COUNTY_MIX, rng),
        PIATA=pl.col("market"),
        ART_INCADRARE=pl.col("basis"),
        GRUP_INFRACTIONAL=yes_no(pl.col("group") >= 0, "DA", "NU"),
        ID_GRUP=pl.when(g >= 0).then(ocg_ids.gather(g.clip(0, None))).otherwise(None),
        NR_SUSPECTI=pl.col("suspects").list.len().cast(pl.String),
        CNP_SUSPECTI=cnp_lists(cases["suspects"], people.cnp),
        PREJUDICIU_RON=money_text(pl.col("damage"), ",", pl.Series(rng.random(n) < 0.35)),
        STADIU=pl.Series(status),
        OBSERVATII=pl.col("notes"),
    )
