"""What the threat assessment must find in the synthetic data, planted on purpose and recorded.

An analysis tested only on random data proves little: a scoring that ranks noise is as good as
any other. So a few groups are made unmistakably the most threatening (large, hierarchical,
international, multi-market, every SOCTA characteristic at its top level) and a few brokers,
people outside every group, are named as suspects in cases of several groups in different
markets. The acceptance tests then ask: are those groups in the high tier, are those brokers
among the most central people of the co-offending network?

What was planted goes into `_synth.json` without a single CNP: the groups by their register ids,
each broker by the police case numbers that name them (the one pseudonym those cases share after
ingest is the broker).
"""

import numpy as np
import polars as pl

from analysis.synth.groups import ABROAD, SCORES
from analysis.synth.volumes import END

# Markets a top-tier group works: the primary is one of the first four, plus laundering.
TOP_MARKETS = ("drugs_cocaine", "human_trafficking", "drugs_synthetic", "excise_goods",
               "migrant_smuggling", "firearms")  # fmt: skip
GROUPS_PER_BROKER = 4
CASES_PER_GROUP = 2


def high_threat_count(n_groups: int) -> int:
    """Two planted groups in a small register, five at national scale (3 000 groups)."""
    return min(5, max(2, n_groups // 100))


def plant_high_threat(groups: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """The register with a few groups (identified before 2016, so active all period) raised to
    the top of every characteristic; the `planted` column marks them."""
    n = groups.height
    early = np.flatnonzero(groups["identified_on"].to_numpy() < np.datetime64("2016-01-01"))
    pool = early if early.size >= high_threat_count(n) else np.arange(n)
    chosen = np.sort(rng.choice(pool, high_threat_count(n), replace=False))
    rows = groups.to_dicts()
    for g in chosen:
        primary = TOP_MARKETS[int(rng.integers(0, 4))]
        others = [m for m in TOP_MARKETS if m != primary]
        markets = [primary, *rng.choice(others, 2, replace=False).tolist(), "money_laundering"]
        pool_countries = sorted({c for m in markets for c in ABROAD[m].split()})
        size = int(rng.integers(180, 400))
        rows[g] |= {
            "markets": markets,
            "countries": sorted(rng.choice(pool_countries, 6, replace=False).tolist()),
            "structure": "ierarhica",
            **{score: 3 for score in SCORES},
            "status": "activ",
            "active_to": END,
            "known": 60,
            "leaders": 3,
            "size": size,
            "activity": float(np.sqrt(size) * 1.5),
        }
    planted = pl.DataFrame(rows, schema=groups.schema)
    return planted.with_columns(
        first_member=pl.col("known").cum_sum() - pl.col("known"),
        planted=pl.int_range(n).is_in(chosen.tolist()),
    )


def plant_brokers(
    police: pl.DataFrame,
    groups: pl.DataFrame,
    candidates: np.ndarray,
    rng: np.random.Generator,
) -> tuple[pl.DataFrame, list[dict]]:
    """Police cases with a few brokers (drawn from `candidates`, people in no group) added as
    suspects to CASES_PER_GROUP cases of each of GROUPS_PER_BROKER groups in different markets.

    Returns the cases and, per broker, the case numbers, group ids and markets it was planted in.
    """
    group = police["group"].to_numpy()
    with_cases = np.unique(group[group >= 0])
    if with_cases.size < 2:
        return police, []
    n_brokers = 3 if with_cases.size >= 6 else 1
    per_broker = min(GROUPS_PER_BROKER, max(2, with_cases.size // 2 // n_brokers))
    # Brokers serve busy groups: draw their groups from the busier half of the register.
    busy = np.bincount(group[group >= 0])[with_cases]
    pool = with_cases[np.argsort(-busy, kind="stable")][: max(with_cases.size // 2, 2)]
    order = rng.permutation(pool).tolist()
    primary = {g: groups["markets"][int(g)][0] for g in order}
    brokers = rng.choice(candidates, n_brokers, replace=False)
    patched: dict[int, list[int]] = {}
    planted = []
    used: set[int] = set()
    for b, person in enumerate(brokers):
        start = b * per_broker % len(order)
        ring = order[start:] + order[:start]
        fresh = [g for g in ring if g not in used]
        ring = fresh if len(fresh) >= per_broker else ring  # small registers: groups are shared
        chosen: list[int] = []
        for g in ring:  # different markets first, then any group to fill up
            if len(chosen) < per_broker and primary[g] not in {primary[c] for c in chosen}:
                chosen.append(g)
        chosen += [g for g in ring if g not in chosen][: per_broker - len(chosen)]
        used.update(chosen)
        cases = []
        for g in chosen:
            rows = np.flatnonzero(group == g)
            for row in np.sort(rng.choice(rows, min(CASES_PER_GROUP, rows.size), replace=False)):
                old = patched.get(int(row), police["suspects"][int(row)].to_list())
                patched[int(row)] = sorted({*old, int(person)})
                cases.append(int(row))
        planted.append(
            {
                "police_cases": [police["case_id"][r] for r in sorted(cases)],
                "ocg_ids": sorted(groups["ocg_id"][int(g)] for g in chosen),
                "markets": sorted({police["market"][r] for r in cases}),
            }
        )
    patch = pl.DataFrame(
        {"_row": list(patched), "_new": list(patched.values())},
        schema={"_row": pl.UInt32, "_new": police.schema["suspects"]},
    )
    out = (
        police.with_row_index("_row")
        .join(patch, on="_row", how="left", maintain_order="left")
        .with_columns(suspects=pl.coalesce("_new", "suspects"))
        .drop("_row", "_new")
    )
    return out, planted


def record(groups: pl.DataFrame, brokers: list[dict]) -> dict:
    """The `planted` entry of _synth.json: ids and case numbers only, never a CNP."""
    top = groups.filter(pl.col("planted"))["ocg_id"].to_list()
    return {
        "high_threat_groups": top,
        "brokers": brokers,
        "note": "each broker is the one person the listed police cases all name as a suspect",
    }
