"""Rolling-origin evaluation of the forecast models, with the choice of model nested inside it.

An origin is a month from which we pretend to forecast. At each one, everything is redone with
the months before it only: breaks are detected on that history (the national total's breaks
too, found in the total's own history: see forecast.known_months), every candidate model is
fitted and forecasts 24 months, and the forecasts are scored against what then happened.
Nothing after an origin reaches what is forecast from it.

- Origins are ORIGIN_STEP = 12 months apart, the latest 12 months before the end, at most
  MAX_ORIGINS of them, each with at least MIN_TRAIN months of history. Within one horizon band
  (months 1-12 ahead, months 13-24 ahead: scored separately) no month is scored twice.
- The choice of model is part of the procedure evaluated: at each origin the model is the one
  with the lowest mean MASE over months 1-12 of the earlier origins (whose 12 months had
  happened by then), the simpler one on a tie. The published forecast's model is chosen the
  same way from all origins. So the selected procedure's error is out of sample, and can be
  worse than the naive forecast's; the first origin has no earlier one and scores only the
  candidates.
- "Beats the naive forecast" means: over the same origins, the selected procedure's mean MASE
  is lower than the seasonal naive forecast's own (each origin's MASE is scaled by that
  origin's history, so this compares the two errors month for month).
- Coverage: the share of the scored months that fell inside the 80 % and 95 % intervals.
"""

from collections.abc import Mapping

import numpy as np

from analysis.forecast_models import MODELS, mase, predict
from analysis.indicators.breaks import detect_breaks

ORIGIN_STEP = 12
MIN_TRAIN = 36  # three seasons before the first origin
MAX_ORIGINS = 5
BANDS = {"1-12": (0, 12), "13-24": (12, 24)}  # months ahead, as slices of the forecast
LEVELS = {"80": (0.10, 0.90), "95": (0.025, 0.975)}
COVERAGE = tuple(f"coverage{level}" for level in LEVELS)
SELECTED = "selected"  # the nested procedure, as a row of the summaries


def origins(n: int) -> list[int]:
    """Indices of the first forecast month of each origin, oldest first, for n months."""
    found = [n - ORIGIN_STEP * k for k in range(1, MAX_ORIGINS + 1)]
    return sorted(o for o in found if o >= MIN_TRAIN)


def history_breaks(y: np.ndarray, moy: np.ndarray, known: np.ndarray):
    """Breaks of the history y (all before one origin), the months they cover, level shifts."""
    breaks, out = detect_breaks(y, moy, known)
    steps = tuple(b.start for b in breaks if b.kind == "level_shift")
    return breaks, out, steps


def score_origin(y: np.ndarray, moy: np.ndarray, known: np.ndarray, o: int, horizon: int):
    """Every candidate's scores at origin `o` (bands whose months have all happened)."""
    _, out, steps = history_breaks(y[:o], moy[:o], known)
    rows = []
    for model in MODELS:
        point, paths = predict(model, y[:o], moy[:o], out, steps, horizon)
        probs = [p for bounds in LEVELS.values() for p in bounds]
        bounds = dict(zip(probs, np.quantile(paths, probs, axis=0), strict=True))
        for band, (a, b) in BANDS.items():
            if o + b > y.size:
                continue
            actual = y[o + a : o + b]
            row = {"origin": o, "model": model, "band": band}
            row["mase"] = mase(y[:o], actual, point[a:b])
            for level, (lo, hi) in LEVELS.items():
                inside = (actual >= bounds[lo][a:b]) & (actual <= bounds[hi][a:b])
                row[f"coverage{level}"] = float(np.mean(inside))
            rows.append(row)
    return rows


def choose(rows: list[dict], before: int) -> str | None:
    """The model with the lowest mean MASE (months 1-12) over the origins whose 12 months had
    all happened by `before`; None when there is no such origin."""
    prior = [r for r in rows if r["band"] == "1-12" and r["origin"] + 12 <= before]
    if not prior:
        return None

    def mean(model: str) -> float:
        values = np.array([r["mase"] for r in prior if r["model"] == model])
        return float(np.nan_to_num(values, nan=np.inf).mean())

    return min(MODELS, key=lambda m: (mean(m), MODELS.index(m)))


def rolling_origin(
    y: np.ndarray, moy: np.ndarray, known_at: Mapping[int, np.ndarray], horizon: int
) -> tuple[list[dict], str]:
    """Scores of every candidate at every origin, each row marked `selected` when the nested
    choice at its origin was that model; and the model chosen for the published forecast."""
    rows = [r for o in origins(y.size) for r in score_origin(y, moy, known_at[o], o, horizon)]
    choices = {o: choose(rows, o) for o in origins(y.size)}
    for r in rows:
        r["selected"] = r["model"] == choices[r["origin"]]
    final = choose(rows, y.size)
    return rows, final or MODELS[0]


def summary(rows: list[dict]) -> list[dict]:
    """Per band, the selected procedure and every candidate over the same origins (those with a
    nested choice): mean MASE, mean coverage, number of origins."""
    out = []
    for band in BANDS:
        chosen = [r for r in rows if r["band"] == band and r["selected"]]
        at = {r["origin"] for r in chosen}
        groups = {SELECTED: chosen} | {
            m: [r for r in rows if r["band"] == band and r["model"] == m and r["origin"] in at]
            for m in MODELS
        }
        for model, group in groups.items():
            if not group:
                continue
            out.append(
                {"band": band, "model": model, "origins": len(group)}
                | {k: float(np.mean([r[k] for r in group])) for k in ("mase", *COVERAGE)}
            )
    return out
