"""Monthly forecasts per market (and market x county): a model chosen and judged out of sample,
breaks handled, one fit per series.

For each series long and busy enough (MIN_MONTHS, MIN_MEAN, MAX_ZERO_SHARE) three models
compete (forecast_models): the seasonal naive baseline, a count regression and Holt-Winters.
The rolling-origin backtest (backtest.py) scores each at up to five origins a year apart, with
breaks detected only on the months before each origin and the model choice nested inside it;
horizons 1-12 and 13-24 are scored separately, with the intervals' coverage. The model chosen
from every origin is refitted on the whole series and forecasts HORIZON months with 80 % and
95 % intervals, simulated from the fitted model (fixed seed: the same data give the same
numbers, in this process or a worker, in one step or another).

Breaks are found per series and in the national total (`known_months`); a break of the total
(the April-May 2020 lockdown) is applied to every series, since small series cannot show it on
their own. Anomalies are the last ANOMALY_MONTHS months outside the 95 % interval of the chosen
model refitted without them. Series are fitted in parallel (`workers` processes).
"""

import math
import os
import warnings
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np
import polars as pl
from statsmodels.tools.sm_exceptions import SingularMatrixWarning

from analysis.backtest import BANDS, COVERAGE, origins, rolling_origin, summary
from analysis.backtest import history_breaks as _history_breaks
from analysis.forecast_models import MODELS, predict
from analysis.indicators.breaks import Break, detect_breaks

HORIZON = 24
SEASON = 12
MIN_MONTHS = 72  # three seasons of history, then three origins a year apart
MIN_MEAN = 2.0
MAX_ZERO_SHARE = 0.25  # more months without a case than this: too sparse to model
ANOMALY_MONTHS = 6
QUANTILES = {"lo95": 0.025, "lo80": 0.10, "hi80": 0.90, "hi95": 0.975}
# Small matrices: BLAS threads only fight each other (a 4x slowdown measured on 2 cores).
ONE_THREAD = dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")


def _decimal(value: float, decimals: int = 2) -> str:
    """Truncated, not rounded: 1.997 a month is "1,99", never "2,00" next to "minimum 2"."""
    return f"{math.floor(value * 10**decimals) / 10**decimals:.{decimals}f}".replace(".", ",")


def eligible(y: np.ndarray) -> str | None:
    """Why a series gets no forecast (too short, too few cases, too many empty months), or None."""
    if y.size < MIN_MONTHS:
        return f"serie prea scurtă ({y.size} luni, minimum {MIN_MONTHS})"
    if y.mean() < MIN_MEAN:
        return f"prea puține dosare ({_decimal(y.mean())} pe lună, sub minimul de {MIN_MEAN:.0f})"
    zeros = float(np.mean(y == 0))
    if zeros > MAX_ZERO_SHARE:
        return (
            f"serie prea rară ({zeros * 100:.0f} % din luni fără niciun dosar, "
            f"peste {MAX_ZERO_SHARE * 100:.0f} %)"
        )
    return None


def no_known_months(n: int) -> dict[int, np.ndarray]:
    """`known_at` for a series judged on its own (no national total's breaks)."""
    return {o: np.zeros(o, dtype=bool) for o in [*origins(n), n]}


def fit_series(key: tuple, y: np.ndarray, moy: np.ndarray, known_at: Mapping) -> dict:
    """Everything for one series: the backtest, the chosen model's forecast paths' quantiles,
    breaks, anomalies. `known_at[o]` marks the months before origin `o` (and before the end,
    `known_at[len(y)]`) that the national total's own history up to `o` put out of pattern."""
    y = y.astype(float)
    reason = eligible(y)
    if reason:
        return {"key": key, "skipped": reason}
    rows, chosen = rolling_origin(y, moy, known_at, HORIZON)
    breaks, out, steps = _history_breaks(y, moy, known_at[y.size])
    point, paths = predict(chosen, y, moy, out, steps, HORIZON)
    bands = {k: np.quantile(paths, q, axis=0) for k, q in QUANTILES.items()}
    n = y.size - ANOMALY_MONTHS
    recent_steps = tuple(s for s in steps if s < n - SEASON)
    _, recent = predict(chosen, y[:n], moy[:n], out[:n], recent_steps, ANOMALY_MONTHS)
    low, high = np.quantile(recent, [0.025, 0.975], axis=0)
    return {
        "key": key,
        "skipped": None,
        "backtest": rows,
        "summary": summary(rows),
        "model": chosen,
        "point": point,
        "bands": bands,
        "breaks": breaks,
        "recent": (y[n:], np.median(recent, axis=0), low, high),
    }


@contextmanager
def _quiet_designs() -> Iterator[None]:
    """A short history can lack a month of the year with any case, or a break can leave a
    step column collinear: the count model's design is then rank-deficient, which the fit
    handles (pseudo-inverse). Its warning, once per fit, would bury the notebook's output."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SingularMatrixWarning)
        yield


def _fit_chunk(tasks: list[tuple]) -> list[dict]:
    with _quiet_designs():
        return [fit_series(*task) for task in tasks]


def _covered(breaks: list[Break], n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    for b in breaks:
        if b.kind != "level_shift":
            mask[b.start : b.end + 1] = True
    return mask


def known_months(total: np.ndarray, moy: np.ndarray) -> dict[int, np.ndarray]:
    """For each origin (and the end), the months the national total's breaks cover, found in
    the total's history before that origin only."""
    total = total.astype(float)
    with _quiet_designs():
        return {
            o: _covered(detect_breaks(total[:o], moy[:o])[0], o)
            for o in [*origins(total.size), total.size]
        }


def common_breaks(total: pl.DataFrame) -> list[Break]:
    """Breaks of the national total (month, cases) over its whole history."""
    total = total.sort("month")
    return detect_breaks(
        total["cases"].to_numpy().astype(float), total["month"].dt.month().to_numpy()
    )[0]


@dataclass(frozen=True)
class Forecasts:
    forecasts: pl.DataFrame  # by..., month, forecast, lo80, hi80, lo95, hi95, model
    selection: pl.DataFrame  # by..., model, mase, mase_naive, beats_naive, … per band, skipped
    backtest: pl.DataFrame  # by..., origin, model, band, mase, coverage80/95, selected
    accuracy: pl.DataFrame  # by..., band, model (and "selected"), origins, mase, coverage80/95
    breaks: pl.DataFrame  # by... (null: the national total), start, end, kind, factor, z
    anomalies: pl.DataFrame  # by..., month, cases, expected, lo95, hi95, direction


@contextmanager
def _one_thread_children() -> Iterator[None]:
    """Child processes start with one BLAS thread each; this process's settings are restored."""
    saved = {k: os.environ.get(k) for k in ONE_THREAD}
    os.environ.update(ONE_THREAD)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def forecast_series(
    series: pl.DataFrame,
    by: list[str],
    workers: int = 2,
    chunk: int = 2,
    total: pl.DataFrame | None = None,
) -> Forecasts:
    """Forecast every series of `series` (by..., month, cases), each on the same complete
    monthly calendar (indicators.series.monthly_counts makes one).

    `total` (month, cases) is the national total whose breaks every series is told about; by
    default the sum of `series`. Pass the total of all markets wherever one market is forecast
    on its own, so that its forecast is the one the forecasts step made. Fits run in `workers`
    child processes (one BLAS thread each) when there is more than one `chunk` of series;
    `workers=0`, or few series, fit in this process (then run it with one BLAS thread:
    OPENBLAS_NUM_THREADS=1, as the notebooks do). Scripts calling this with workers need the
    `if __name__ == "__main__":` guard (child processes are spawned).
    """
    months = series["month"].unique().sort()
    if total is None:
        total = series.group_by("month").agg(pl.col("cases").sum())
    total = total.sort("month")
    if not total["month"].equals(months):
        raise ValueError("the national total does not cover the series' months")
    moy = months.dt.month().to_numpy()
    known_at = known_months(total["cases"].to_numpy(), moy)
    tasks, skipped = [], []
    for key, frame in series.sort(*by, "month").group_by(by, maintain_order=True):
        if not frame["month"].equals(months):
            raise ValueError(f"series {key} does not cover every month: see monthly_counts")
        y = frame["cases"].to_numpy().astype(float)
        reason = eligible(y)
        if reason:
            skipped.append({"key": tuple(key), "skipped": reason})
        else:
            tasks.append((tuple(key), y, moy, known_at))
    chunks = [tasks[i : i + chunk] for i in range(0, len(tasks), chunk)]
    if workers > 0 and len(chunks) > 1:
        with (
            _one_thread_children(),
            ProcessPoolExecutor(min(workers, len(chunks)), mp_context=get_context("spawn")) as pool,
        ):
            results = [r for part in pool.map(_fit_chunk, chunks) for r in part]
    else:
        results = [r for part in map(_fit_chunk, chunks) for r in part]
    results += skipped
    keys = {c: series.schema[c] for c in by}
    return _frames(results, keys, months, common_breaks(total))


def _month_after(day, n: int):
    y, m = divmod(day.month - 1 + n, 12)
    return day.replace(year=day.year + y, month=m + 1, day=1)


def _schemas(keys: dict) -> dict[str, dict]:
    f, s, i, b = pl.Float64, pl.String, pl.Int64, pl.Boolean
    measures = {"mase": f, "mase_naive": f, "beats_naive": b} | dict.fromkeys(COVERAGE, f)
    per_band = {
        f"{name}{suffix}": dtype
        for suffix in ("", "_13_24")
        for name, dtype in (measures | {"origins": i}).items()
    }
    scores = {"mase": f} | dict.fromkeys(COVERAGE, f)
    return {
        "forecasts": keys
        | {"month": pl.Date, "forecast": f, "model": s}
        | dict.fromkeys(QUANTILES, f),
        "selection": keys | {"model": s} | per_band | {"skipped": s},
        "backtest": keys | {"origin": pl.Date, "model": s, "band": s} | scores | {"selected": b},
        "accuracy": keys | {"band": s, "model": s, "origins": i} | scores,
        "breaks": keys
        | {"start": pl.Date, "end": pl.Date, "kind": s, "factor": f, "z": f, "scope": s},
        "anomalies": keys
        | {"month": pl.Date, "cases": f, "expected": f, "lo95": f, "hi95": f, "direction": s},
    }


def _selection_row(model: str, accuracy: list[dict]) -> dict:
    """The chosen model and, per band, the selected procedure against the naive forecast on the
    same origins: beating it means a lower out-of-sample error, not a MASE below 1."""
    row = {"model": model}
    for band, suffix in zip(BANDS, ("", "_13_24"), strict=True):
        got = {a["model"]: a for a in accuracy if a["band"] == band}
        if "selected" not in got:
            continue
        sel, naive = got["selected"], got[MODELS[0]]
        row |= {
            f"mase{suffix}": sel["mase"],
            f"mase_naive{suffix}": naive["mase"],
            f"beats_naive{suffix}": bool(sel["mase"] < naive["mase"]),
            f"origins{suffix}": sel["origins"],
        } | {f"{c}{suffix}": sel[c] for c in COVERAGE}
    return row


def _frames(results, keys: dict, months: pl.Series, total_breaks: list[Break]) -> Forecasts:
    by = list(keys)
    ahead = [_month_after(months[-1], i) for i in range(1, HORIZON + 1)]
    rows: dict[str, list[dict]] = {name: [] for name in _schemas(keys)}
    rows["breaks"] = [dict.fromkeys(by) | _break_row(b, months, "total") for b in total_breaks]
    for r in results:
        k = dict(zip(by, r["key"], strict=True))
        if r["skipped"]:
            rows["selection"].append(k | {"skipped": r["skipped"]})
            continue
        model = r["model"]
        rows["selection"].append(k | _selection_row(model, r["summary"]))
        rows["backtest"] += [k | b | {"origin": months[b["origin"]]} for b in r["backtest"]]
        rows["accuracy"] += [k | a for a in r["summary"]]
        rows["forecasts"] += [
            k
            | {"month": ahead[i], "forecast": float(r["point"][i]), "model": model}
            | {b: float(r["bands"][b][i]) for b in QUANTILES}
            for i in range(HORIZON)
        ]
        rows["breaks"] += [k | _break_row(b, months, "serie") for b in r["breaks"]]
        obs, expected, lo, hi = r["recent"]
        for i in np.flatnonzero((obs < lo) | (obs > hi)):
            rows["anomalies"].append(
                k
                | {
                    "month": months[months.len() - ANOMALY_MONTHS + int(i)],
                    "cases": float(obs[i]),
                    "expected": float(expected[i]),
                    "lo95": float(lo[i]),
                    "hi95": float(hi[i]),
                    "direction": "peste" if obs[i] > hi[i] else "sub",
                }
            )
    frames = {
        name: pl.from_dicts(rows[name], schema=schema) for name, schema in _schemas(keys).items()
    }
    return Forecasts(**frames)


def _break_row(b: Break, months: pl.Series, scope: str) -> dict:
    return {
        "start": months[b.start],
        "end": months[b.end],
        "kind": b.kind,
        "factor": b.factor,
        "z": b.z,
        "scope": scope,
    }
