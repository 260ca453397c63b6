"""How much the ranking of the markets depends on the weights of the threat matrix.

The matrix weights (threat_weights.yaml) are a judgement: harm and group threat weigh 1.5,
prevalence and trend 1.0. A priority that holds only for these exact numbers should not be
presented as a finding. So the ranking is recomputed, with the markets' levels unchanged:
- one weight at a time at half and at one and a half times its value (eight scenarios);
- DRAWS random draws, every weight multiplied by its own factor, uniform on [1 - SPREAD,
  1 + SPREAD] (fixed seed).
For each market: its rank with the method's weights, the best and worst rank over all
scenarios and draws, the middle 90 % of its rank in the draws, the share of draws that keep
its rank, and the share that keep it among the first TOP markets. A priority among the first
TOP is `robust` when it stays there in every one-weight scenario and in at least ROBUST_SHARE
of the draws. Ties are broken as the matrix breaks them (group threat, then rate, then code).
"""

import numpy as np
import polars as pl

from analysis.threat import DIMENSIONS

SPREAD = 0.5
DRAWS = 2000
TOP = 3
ROBUST_SHARE = 0.9
LEVELS = {
    "prevalence": "prevalence_level",
    "trend": "trend_level",
    "group_threat": "group_level",
    "harm": "harm_level",
}


def _ranks(levels: np.ndarray, tiebreak: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Rank (1 = first) of every market under each row of `weights` (draws x dimensions)."""
    scores = levels @ weights.T  # markets x draws; the common factor 100 / (3 sum w) is monotone
    scores = scores / weights.sum(axis=1)
    ranks = np.empty(scores.shape, dtype=np.int64)
    for j in range(scores.shape[1]):
        order = np.lexsort((tiebreak, -np.round(scores[:, j], 9)))
        ranks[order, j] = np.arange(1, scores.shape[0] + 1)
    return ranks


def _scenarios(weights: dict[str, float]) -> tuple[list[str], np.ndarray]:
    names, rows = [], []
    for d in DIMENSIONS:
        for factor in (1 - SPREAD, 1 + SPREAD):
            names.append(f"{d} x{factor:g}")
            rows.append([weights[k] * (factor if k == d else 1.0) for k in DIMENSIONS])
    return names, np.array(rows)


def rank_stability(
    matrix: pl.DataFrame, weights: dict[str, float], draws: int = DRAWS, seed: int = 0
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(stability per market, rank per market in each one-weight scenario).

    `matrix`: threat.market_threat_matrix (levels, priority, tie-break columns);
    `weights`: the method's matrix weights (ThreatMethod.matrix_weights).
    """
    m = matrix.sort("priority")
    levels = m.select([LEVELS[d] for d in DIMENSIONS]).to_numpy().astype(float)
    # the matrix's tie-break, as one sortable key: group threat, rate (descending), code
    tiebreak = (
        m.with_columns(i=pl.int_range(pl.len()))
        .sort(["group_threat_index", "rate", "market"], descending=[True, True, False])
        .with_columns(key=pl.int_range(pl.len()))
        .sort("i")["key"]
        .to_numpy()
    )
    base = np.array([[weights[d] for d in DIMENSIONS]])
    names, oat = _scenarios(weights)
    rng = np.random.default_rng(seed)
    random = base * rng.uniform(1 - SPREAD, 1 + SPREAD, (draws, len(DIMENSIONS)))
    base_rank = _ranks(levels, tiebreak, base)[:, 0]
    oat_ranks = _ranks(levels, tiebreak, oat)
    rnd = _ranks(levels, tiebreak, random)
    both = np.hstack([oat_ranks, rnd])
    top_always = (oat_ranks <= TOP).all(axis=1)
    top_share = (rnd <= TOP).mean(axis=1)
    stability = m.select("market", "market_name", "score").with_columns(
        priority=pl.Series(base_rank),
        best_rank=pl.Series(both.min(axis=1)),
        worst_rank=pl.Series(both.max(axis=1)),
        rank_p05=pl.Series(np.quantile(rnd, 0.05, axis=1, method="inverted_cdf")).cast(pl.Int64),
        rank_p95=pl.Series(np.quantile(rnd, 0.95, axis=1, method="inverted_cdf")).cast(pl.Int64),
        same_rank_share=pl.Series((rnd == base_rank[:, None]).mean(axis=1)),
        top_share=pl.Series(top_share),
        robust=pl.Series((base_rank <= TOP) & top_always & (top_share >= ROBUST_SHARE)),
    )
    scenarios = pl.DataFrame(
        {
            "scenario": [s for s in names for _ in range(m.height)],
            "market": m["market"].to_list() * len(names),
            "rank": oat_ranks.T.ravel(),
        }
    )
    return stability, scenarios
