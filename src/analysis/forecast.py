"""Monthly forecasts per market (and market x county), chosen by backtest, breaks handled.

For each series long and busy enough (MIN_MONTHS, MIN_MEAN) three models compete:
- `seasonal_naive`: the same month last year, the baseline every other model must beat;
- `count_regression`: cases ~ trend + month of year, Poisson or negative binomial
  (indicators.breaks), fitted without the months of a break;
- `holt_winters`: damped additive trend and seasonality on log(1 + cases), with break months
  replaced by what the count regression expected (so the lockdown dip is not learnt as a
  seasonal pattern).
Each is refitted at BACKTEST_ORIGINS rolling origins and scored on the next 12 months with the
MASE (mean absolute error over the in-sample seasonal naive error); the lowest mean MASE wins,
the simpler model on a tie. The winner is refitted on the whole series and forecasts HORIZON
months with 80 % and 95 % intervals, simulated from the fitted model (fixed seed).

Breaks are found per series and in the national total (`common_breaks`); a break of the total
(the April-May 2020 lockdown) is applied to every series, since small series cannot show it on
their own. Anomalies are the last ANOMALY_MONTHS months outside the 95 % interval of the chosen
model refitted without them. Series are fitted in parallel (`workers` processes).
"""

import os
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np
import polars as pl
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from analysis.indicators.breaks import Break, design, detect_breaks, fit_counts

HORIZON = 24
SEASON = 12
BACKTEST_HORIZON = 12
BACKTEST_ORIGINS = 4
ORIGIN_STEP = 6
MIN_MONTHS = 60
MIN_MEAN = 2.0
ANOMALY_MONTHS = 6
DRAWS = 1000
QUANTILES = {"lo95": 0.025, "lo80": 0.10, "hi80": 0.90, "hi95": 0.975}
MODELS = ("seasonal_naive", "count_regression", "holt_winters")
# Small matrices: BLAS threads only fight each other (a 4x slowdown measured on 2 cores).
ONE_THREAD = dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")


def _naive(y: np.ndarray, h: int, rng: np.random.Generator, draws: int = DRAWS):
    """Point forecast and simulated paths of the seasonal naive model."""
    point = np.array([y[y.size - SEASON + (i % SEASON)] for i in range(h)])
    diffs = y[SEASON:] - y[:-SEASON]
    sd = diffs.std(ddof=1) if diffs.size > 1 else 0.0
    seasons = np.arange(h) // SEASON + 1
    paths = point + rng.normal(0, 1, (draws, h)) * sd * np.sqrt(seasons)
    return point, np.maximum(paths, 0)


def _regression(y, moy, out, steps, h, rng, draws: int = DRAWS):
    t = np.arange(y.size + h)
    x = design(t, np.concatenate([moy, (moy[-1] + np.arange(1, h + 1) - 1) % 12 + 1]), steps)
    fit = fit_counts(y, x[: y.size], ~out)
    xf = x[y.size :]
    point = np.exp(xf @ fit.params)
    beta = rng.multivariate_normal(fit.params, fit.cov, draws, method="eigh")
    mu = np.exp(beta @ xf.T)
    if fit.alpha > 0:
        paths = rng.negative_binomial(1 / fit.alpha, 1 / (1 + fit.alpha * mu))
    else:
        paths = rng.poisson(mu)
    return point, paths.astype(float), np.exp(x[: y.size] @ fit.params)


def _holt_winters(y, moy, out, steps, h, rng, draws: int = DRAWS):
    expected = _regression(y, moy, out, steps, 1, rng, draws=2)[2]
    z = np.log1p(np.where(out, expected, y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ExponentialSmoothing(
            z,
            trend="add",
            damped_trend=True,
            seasonal="add",
            seasonal_periods=SEASON,
            initialization_method="heuristic",
        ).fit(use_brute=False)
        sims = model.simulate(h, repetitions=draws, error="add", random_state=rng)
    point = np.expm1(model.forecast(h))
    return np.maximum(point, 0), np.maximum(np.expm1(np.asarray(sims).T), 0)


def _predict(model, y, moy, out, steps, h, seed=0):
    rng = np.random.default_rng(seed)
    if model == "seasonal_naive":
        return _naive(y, h, rng)
    if model == "count_regression":
        return _regression(y, moy, out, steps, h, rng)[:2]
    return _holt_winters(y, moy, out, steps, h, rng)


def mase(train: np.ndarray, test: np.ndarray, forecast: np.ndarray) -> float:
    """Mean absolute error over the in-sample mean absolute seasonal difference."""
    scale = np.mean(np.abs(train[SEASON:] - train[:-SEASON]))
    return float(np.mean(np.abs(test - forecast)) / scale) if scale > 0 else float("nan")


def _backtest(y, moy, out, steps) -> dict[str, float]:
    scores: dict[str, list[float]] = {m: [] for m in MODELS}
    for j in range(BACKTEST_ORIGINS):
        o = y.size - BACKTEST_HORIZON - ORIGIN_STEP * j
        tr_steps = tuple(s for s in steps if s < o - SEASON)
        for m in MODELS:
            point = _predict(m, y[:o], moy[:o], out[:o], tr_steps, BACKTEST_HORIZON)[0]
            scores[m].append(mase(y[:o], y[o : o + BACKTEST_HORIZON], point))
    return {m: float(np.mean(v)) for m, v in scores.items()}


def _eligible(y: np.ndarray) -> str | None:
    if y.size < MIN_MONTHS:
        return f"serie prea scurtă ({y.size} luni < {MIN_MONTHS})"
    if y.mean() < MIN_MEAN:
        mean = f"{y.mean():.1f}".replace(".", ",")
        return f"prea puține cazuri ({mean} pe lună, minimum {MIN_MEAN:.0f})"
    return None


def fit_series(key: tuple, y: np.ndarray, moy: np.ndarray, known: np.ndarray) -> dict:
    """Everything for one series: selection, forecast paths' quantiles, breaks, anomalies."""
    y = y.astype(float)
    reason = _eligible(y)
    if reason:
        return {"key": key, "skipped": reason}
    breaks, out = detect_breaks(y, moy, known)
    steps = tuple(b.start for b in breaks if b.kind == "level_shift")
    scores = _backtest(y, moy, out, steps)
    chosen = min(MODELS, key=lambda m: (np.nan_to_num(scores[m], nan=np.inf), MODELS.index(m)))
    point, paths = _predict(chosen, y, moy, out, steps, HORIZON)
    bands = {k: np.quantile(paths, q, axis=0) for k, q in QUANTILES.items()}
    n = y.size - ANOMALY_MONTHS
    recent_steps = tuple(s for s in steps if s < n - SEASON)
    _, recent = _predict(chosen, y[:n], moy[:n], out[:n], recent_steps, ANOMALY_MONTHS)
    low, high = np.quantile(recent, [0.025, 0.975], axis=0)
    return {
        "key": key,
        "skipped": None,
        "scores": scores,
        "model": chosen,
        "point": point,
        "bands": bands,
        "breaks": breaks,
        "recent": (y[n:], np.median(recent, axis=0), low, high),
    }


def _fit_chunk(tasks: list[tuple]) -> list[dict]:
    return [fit_series(*task) for task in tasks]


def common_breaks(series: pl.DataFrame) -> tuple[list[Break], pl.DataFrame]:
    """Breaks of the national total of all series (month, cases), and the months they cover."""
    total = series.group_by("month").agg(pl.col("cases").sum()).sort("month")
    breaks, _ = detect_breaks(
        total["cases"].to_numpy().astype(float), total["month"].dt.month().to_numpy()
    )
    months = total["month"]
    spans = [b for b in breaks if b.kind != "level_shift"]
    covered = [months[i] for b in spans for i in range(b.start, b.end + 1)]
    return breaks, pl.DataFrame({"month": covered}, schema={"month": pl.Date})


@dataclass(frozen=True)
class Forecasts:
    forecasts: pl.DataFrame  # by..., month, forecast, lo80, hi80, lo95, hi95, model
    selection: pl.DataFrame  # by..., model, mase, mase_naive, beats_naive, skipped
    backtest: pl.DataFrame  # by..., model, mase (every model)
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
    series: pl.DataFrame, by: list[str], workers: int = 2, chunk: int = 4
) -> Forecasts:
    """Forecast every series of `series` (by..., month, cases), each on the same complete
    monthly calendar (indicators.series.monthly_counts makes one).

    The total's breaks (see common_breaks) are known to every series. Fits run in `workers`
    child processes (one BLAS thread each) when there are more than `chunk` series to fit;
    `workers=0`, or few series, fit in this process (then run it with one BLAS thread:
    OPENBLAS_NUM_THREADS=1, as the notebooks do). Scripts calling this with workers need the
    `if __name__ == "__main__":` guard (child processes are spawned).
    """
    months = series["month"].unique().sort()
    total_breaks, total_months = common_breaks(series)
    tasks, skipped = [], []
    for key, frame in series.sort(*by, "month").group_by(by, maintain_order=True):
        if not frame["month"].equals(months):
            raise ValueError(f"series {key} does not cover every month: see monthly_counts")
        known = frame["month"].is_in(total_months["month"].implode()).to_numpy()
        y, moy = frame["cases"].to_numpy(), frame["month"].dt.month().to_numpy()
        reason = _eligible(y.astype(float))
        if reason:
            skipped.append({"key": tuple(key), "skipped": reason})
        else:
            tasks.append((tuple(key), y, moy, known))
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
    return _frames(results, keys, months, total_breaks)


def _month_after(day, n: int):
    y, m = divmod(day.month - 1 + n, 12)
    return day.replace(year=day.year + y, month=m + 1, day=1)


def _schemas(keys: dict) -> dict[str, dict]:
    f, s = pl.Float64, pl.String
    return {
        "forecasts": keys
        | {"month": pl.Date, "forecast": f, "model": s}
        | dict.fromkeys(QUANTILES, f),
        "selection": keys | {"model": s, "mase": f, "mase_naive": f, "skipped": s},
        "backtest": keys | {"model": s, "mase": f},
        "breaks": keys
        | {"start": pl.Date, "end": pl.Date, "kind": s, "factor": f, "z": f, "scope": s},
        "anomalies": keys
        | {"month": pl.Date, "cases": f, "expected": f, "lo95": f, "hi95": f, "direction": s},
    }


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
        s, model = r["scores"], r["model"]
        rows["selection"].append(
            k | {"model": model, "mase": s[model], "mase_naive": s["seasonal_naive"]}
        )
        rows["backtest"] += [k | {"model": m, "mase": v} for m, v in s.items()]
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
    frames["selection"] = frames["selection"].with_columns(beats_naive=pl.col("mase") < 1)
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
