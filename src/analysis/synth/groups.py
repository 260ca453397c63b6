"""Organised crime groups whose members recur across the partners' extracts.

The threat assessment scores groups and links them to cases, so the synthetic groups need the
correlations analysts expect (bigger groups corrupt more, clans use violence, cyber groups have
expertise) and a pool of members that their cases, indictments and verdicts all draw from.
Groups are few (3 000 at national scale), so plain Python loops over groups are fine here.
"""

import datetime as dt

import numpy as np
import polars as pl

from analysis.synth.volumes import END, START, days_since_epoch

PRIMARY_MARKET = {
    "drugs_cannabis": 0.12, "drugs_synthetic": 0.08, "drugs_cocaine": 0.07, "drugs_heroin": 0.04,
    "excise_goods": 0.12, "migrant_smuggling": 0.07, "human_trafficking": 0.08,
    "property_crime": 0.10, "financial_crime": 0.09, "cybercrime": 0.06, "extortion": 0.05,
    "firearms": 0.02, "counterfeit_goods": 0.03, "environmental": 0.04,
    "money_laundering": 0.02, "corruption": 0.01,
}  # fmt: skip
ABROAD = {
    "drugs_cocaine": "NL ES BE CO EC DE", "drugs_heroin": "TR BG AT DE",
    "drugs_cannabis": "ES NL MA", "drugs_synthetic": "NL BE PL BG", "excise_goods": "UA MD HU BG",
    "migrant_smuggling": "RS HU AT DE", "human_trafficking": "IT ES DE GB NL FR",
    "property_crime": "IT ES FR DE AT GB", "financial_crime": "HU BG CY GB",
    "cybercrime": "US GB DE NL", "extortion": "IT ES", "firearms": "RS UA BA",
    "counterfeit_goods": "CN TR HU", "environmental": "IT DE UA HU",
    "money_laundering": "CY MT AE GB", "corruption": "MD",
}  # fmt: skip
VIOLENT = {"extortion", "human_trafficking", "firearms", "property_crime"}
BUSINESS = {"financial_crime", "money_laundering", "excise_goods", "environmental",
            "counterfeit_goods"}  # fmt: skip
SKILLED = {"cybercrime", "drugs_synthetic", "financial_crime"}
BORDER = {"excise_goods", "migrant_smuggling", "environmental"}
STRUCTURES = ("ierarhica", "retea", "celula", "clan")
SCORES = ("violence", "corruption", "legal_structures", "money_laundering", "countermeasures",
          "expertise")  # fmt: skip


def _score(rng: np.random.Generator, base: float) -> int:
    return int(np.clip(np.rint(base + rng.normal(0, 0.55)), 0, 3))


def make_groups(n: int, home_weight: np.ndarray, rng: np.random.Generator) -> pl.DataFrame:
    """n groups, numbered GR-000001... in order of identification (2008-2025)."""
    first, last = days_since_epoch(dt.date(2008, 1, 1)), days_since_epoch(END)
    identified = np.sort(rng.integers(first, last + 1, n))
    home = rng.choice(home_weight.size, n, p=home_weight / home_weight.sum())
    size = np.clip(np.rint(np.exp(rng.normal(np.log(9), 0.8, n))), 2, 400).astype(np.int64)
    markets_all, weights = list(PRIMARY_MARKET), np.array(list(PRIMARY_MARKET.values()))
    rows = []
    for g in range(n):
        primary = rng.choice(len(markets_all), p=weights / weights.sum())
        markets = [markets_all[primary]]
        if rng.random() < 0.45:
            other = rng.choice(len(markets_all), p=weights / weights.sum())
            markets += [markets_all[other]] if other != primary else []
        if rng.random() < 0.3 and "money_laundering" not in markets:
            markets.append("money_laundering")
        pool = sorted({c for m in markets for c in ABROAD[m].split()})
        k = min(int(rng.poisson(1.6)), len(pool), 5)
        countries = sorted(rng.choice(pool, k, replace=False).tolist()) if k else []
        clan = rng.random() < (0.35 if set(markets) & VIOLENT else 0.08)
        structure = "clan" if clan else str(rng.choice(STRUCTURES[:3], p=[0.5, 0.33, 0.17]))
        z = (np.log(size[g]) - np.log(9)) / 0.8  # standardised size: the common driver
        ms = set(markets)
        bases = (
            0.7 + 0.9 * bool(ms & VIOLENT) + 0.6 * clan + 0.3 * z,
            0.6 + 0.7 * z + 0.4 * bool(ms & BORDER) + 0.5 * ("corruption" in ms),
            0.5 + 0.9 * bool(ms & BUSINESS) + 0.4 * z,
            0.7 + 1.0 * ("money_laundering" in ms) + 0.5 * z,
            0.8 + 0.6 * z + 0.5 * bool(ms & {"cybercrime", "drugs_cocaine"}),
            0.4 + 1.3 * bool(ms & SKILLED) + 0.3 * z,
        )
        recent = identified[g] > last - 365
        status = (
            "activ"
            if recent
            else str(rng.choice(["activ", "destructurat", "inactiv"], p=[0.5, 0.35, 0.15]))
        )
        end = (
            last
            if status == "activ"
            else min(identified[g] + int(rng.integers(365, 2200)), last - 30)
        )
        known = int(min(size[g], max(2, round(size[g] * rng.uniform(0.4, 0.9))), 60))
        leaders = (1 + (size[g] > 15) + (size[g] > 60)) if rng.random() < 0.85 else 0
        rows.append(
            (
                markets,
                countries,
                structure,
                *(_score(rng, b) for b in bases),
                status,
                end,
                known,
                int(leaders),
            )
        )
    cols = ["markets", "countries", "structure", *SCORES, "status", "active_to", "known", "leaders"]
    frame = pl.DataFrame(rows, schema=cols, orient="row")
    return frame.with_columns(
        group=pl.int_range(n, dtype=pl.Int64),
        ocg_id=pl.format("GR-{}", pl.int_range(1, n + 1).cast(pl.String).str.zfill(6)),
        identified_on=pl.Series(identified).cast(pl.Date),
        active_to=pl.col("active_to").cast(pl.Date),
        home=pl.Series(home, dtype=pl.Int32),
        size=pl.Series(size),
        first_member=pl.col("known").cum_sum() - pl.col("known"),
        # A fifth of the register is known from intelligence only: no case names the group.
        activity=pl.Series(np.sqrt(size) * np.exp(rng.normal(0, 0.5, n)) * (rng.random(n) > 0.2)),
    )


def assign_groups(
    cases: pl.DataFrame, groups: pl.DataFrame, rng: np.random.Generator
) -> np.ndarray:
    """The group behind each case (frame with date, county, market), or -1 if none fits.

    A group fits when it works the case's market and was active on the case's date (from a year
    before its identification); groups based in the case's county are five times as likely.
    """
    out = np.full(cases.height, -1, dtype=np.int64)
    start = np.maximum(
        groups["identified_on"].to_numpy().astype(np.int64) - 365, days_since_epoch(START)
    )
    stop = groups["active_to"].to_numpy().astype(np.int64)
    home, activity = groups["home"].to_numpy(), groups["activity"].to_numpy()
    day = cases["date"].to_numpy().astype(np.int64)
    county, market = cases["county"].to_numpy(), cases["market"].to_numpy()
    works = groups.select(pl.col("markets")).to_series().to_list()
    for m in np.unique(market):
        candidates = np.array([g for g, ms in enumerate(works) if m in ms], dtype=np.int64)
        rows = np.flatnonzero(market == m)
        if candidates.size == 0:
            continue
        for chunk in np.array_split(rows, max(1, rows.size * candidates.size // 4_000_000 + 1)):
            d, c = day[chunk, None], county[chunk, None]
            w = ((d >= start[candidates]) & (d <= stop[candidates])) * activity[candidates]
            w = w * np.where(home[candidates] == c, 5.0, 1.0)
            total = np.cumsum(w, axis=1)
            u = rng.random(chunk.size) * total[:, -1]
            pick = (total <= u[:, None]).sum(axis=1)
            ok = total[:, -1] > 0
            out[chunk[ok]] = candidates[np.minimum(pick[ok], candidates.size - 1)]
    return out
