"""The three candidate models of the monthly forecasts, and the error measure they are judged by.

Each model returns a point forecast (the expected count: a mean, not a median) and DRAWS
simulated paths, from which the 80 % and 95 % intervals are read:
- `seasonal_naive`: the same month last year, the baseline every other model must beat;
- `count_regression`: cases ~ trend + month of year, Poisson or negative binomial
  (indicators.breaks), fitted without the months of a break;
- `holt_winters`: damped additive trend and seasonality on log(1 + cases), with break months
  replaced by what the count regression expected (so the lockdown dip is not learnt as a
  seasonal pattern). Back on the count scale the point is bias-corrected: exp of the log-scale
  forecast alone is a median, lower than the mean by the factor exp(variance / 2), which would
  make totals over months too low.
"""

import warnings

import numpy as np
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from analysis.indicators.breaks import design, fit_counts

SEASON = 12
DRAWS = 1000
CAP = 1000.0
MODELS = ("seasonal_naive", "count_regression", "holt_winters")  # simplest first: wins ties


def seasonal_naive(y: np.ndarray, h: int, rng: np.random.Generator, draws: int = DRAWS):
    """Point forecast and simulated paths of the seasonal naive model."""
    point = np.array([y[y.size - SEASON + (i % SEASON)] for i in range(h)])
    diffs = y[SEASON:] - y[:-SEASON]
    sd = diffs.std(ddof=1) if diffs.size > 1 else 0.0
    seasons = np.arange(h) // SEASON + 1
    paths = point + rng.normal(0, 1, (draws, h)) * sd * np.sqrt(seasons)
    return point, np.maximum(paths, 0)


def count_regression(y, moy, out, steps, h, rng, draws: int = DRAWS):
    """Point, paths and the fitted means of the history (Holt-Winters fills breaks with them)."""
    t = np.arange(y.size + h)
    x = design(t, np.concatenate([moy, (moy[-1] + np.arange(1, h + 1) - 1) % 12 + 1]), steps)
    fit = fit_counts(y, x[: y.size], ~out)
    xf = x[y.size :]
    point = np.exp(xf @ fit.params)
    beta = rng.multivariate_normal(fit.params, fit.cov, draws, method="eigh")
    # a fit on a short or unsteady history can have huge parameter variances; a simulated mean
    # far beyond anything seen (CAP times the largest month) is capped, or drawing fails
    cap = CAP * max(float(y.max()), 1.0)
    mu = np.minimum(np.exp(np.minimum(beta @ xf.T, np.log(cap))), cap)
    if fit.alpha > 0:
        paths = rng.negative_binomial(1 / fit.alpha, 1 / (1 + fit.alpha * mu))
    else:
        paths = rng.poisson(mu)
    return point, paths.astype(float), np.exp(x[: y.size] @ fit.params)


def holt_winters(y, moy, out, steps, h, rng, draws: int = DRAWS):
    expected = count_regression(y, moy, out, steps, 1, rng, draws=2)[2]
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
        sims = np.asarray(model.simulate(h, repetitions=draws, error="add", random_state=rng)).T
    # mean of a log-normal count: exp(mu + var / 2) - 1, var read from the simulated paths
    point = np.expm1(np.asarray(model.forecast(h)) + sims.var(axis=0) / 2)
    return np.maximum(point, 0), np.maximum(np.expm1(sims), 0)


def predict(model: str, y, moy, out, steps, h: int, seed: int = 0):
    """(point, paths) of `model` fitted on y (months of year `moy`, break months `out`, level
    shifts starting at `steps`), `h` months ahead; a fixed seed makes every run equal."""
    rng = np.random.default_rng(seed)
    if model == "seasonal_naive":
        return seasonal_naive(y, h, rng)
    if model == "count_regression":
        return count_regression(y, moy, out, steps, h, rng)[:2]
    return holt_winters(y, moy, out, steps, h, rng)


def mase(train: np.ndarray, test: np.ndarray, forecast: np.ndarray) -> float:
    """Mean absolute error over the in-sample mean absolute seasonal difference.

    The scale is the history's own seasonal-naive error, so MASE < 1 does NOT mean "better than
    the naive forecast of the same months": compare with the naive forecast's MASE on the same
    origins for that.
    """
    scale = np.mean(np.abs(train[SEASON:] - train[:-SEASON]))
    return float(np.mean(np.abs(test - forecast)) / scale) if scale > 0 else float("nan")
