"""Structural breaks in monthly counts: months that left the series' own pattern, found, not
smoothed over.

The pattern is a log-linear count model, cases ~ trend + month of year (Poisson, or negative
binomial when the months vary more than Poisson counts do). A month is out of pattern when its
standardised residual passes Z_SINGLE, or when it and its neighbour both pass Z_RUN on the same
side (a sustained dip is much less likely by chance than one odd month). Out-of-pattern months
are left out and the model refitted until no new month appears, so one big dip cannot hide a
second. Runs of two or more months are temporary breaks (the April-May 2020 lockdown is one);
single months are outliers. A lasting change of level is tested on what is left with the
OLS-CUSUM test on the standardised residuals (Ploberger and Krämer 1992) at 1 %, and kept only
if the step is at least MIN_SHIFT: a level shift must be clear and material before a forecast
treats it as the new normal (a sum of markets growing at different rates bends the log trend,
which CUSUM alone would call a shift).

Breaks are returned with their size: `factor` = observed / what the pattern expected.
"""

from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm

from analysis.indicators.trends import DISPERSION_T, glm_fit, overdispersion

Z_SINGLE = 3.5
Z_RUN = 2.5
CUSUM_CRITICAL = 1.63  # sup |standardised partial sums|, 1 % (Ploberger and Krämer 1992)
MIN_LEVEL_SEGMENT = 12  # months on each side of a level shift
MIN_SHIFT = 0.15  # a level shift smaller than 15 % is a bend of the trend, not a new level


def design(t: np.ndarray, month_of_year: np.ndarray, steps: tuple[int, ...] = ()) -> np.ndarray:
    """Columns: intercept, trend (years), 11 month-of-year dummies, one step per level shift."""
    cols = [np.ones(t.size), t / 12.0]
    cols += [(month_of_year == m).astype(float) for m in range(1, 12)]
    cols += [(t >= s).astype(float) for s in steps]
    return np.column_stack(cols)


@dataclass(frozen=True)
class CountFit:
    params: np.ndarray
    cov: np.ndarray
    alpha: float  # 0: Poisson; > 0: NB2 with Var = mu + alpha mu^2


def fit_counts(y: np.ndarray, x: np.ndarray, keep: np.ndarray) -> CountFit:
    """Poisson GLM on the kept months, negative binomial when overdispersion is clear."""
    yk, xk = y[keep], x[keep]
    fit = glm_fit(yk, xk, sm.families.Poisson())
    alpha, t = overdispersion(yk, np.maximum(fit.mu, 1e-9))
    if alpha > 0 and t > DISPERSION_T:
        fit = glm_fit(yk, xk, sm.families.NegativeBinomial(alpha=alpha))
    else:
        alpha = 0.0
    return CountFit(np.asarray(fit.params), np.asarray(fit.cov_params()), alpha)


def standardised(y: np.ndarray, mu: np.ndarray, alpha: float) -> np.ndarray:
    return (y - mu) / np.sqrt(mu + alpha * mu**2)


def _flag(z: np.ndarray) -> np.ndarray:
    big = np.abs(z) > Z_SINGLE
    run = np.abs(z) > Z_RUN
    same = np.sign(z[1:]) == np.sign(z[:-1])
    pair = run[1:] & run[:-1] & same
    big[1:] |= pair
    big[:-1] |= pair
    return big


@dataclass(frozen=True)
class Break:
    start: int  # index of the first month
    end: int  # index of the last month (inclusive)
    kind: str  # "temporary" (2+ months), "outlier" (1 month), "level_shift" (from start on)
    factor: float  # observed / expected over the months (level shift: exp(step effect))
    z: float  # most extreme standardised residual (level shift: the CUSUM statistic)


def detect_breaks(
    y: np.ndarray, month_of_year: np.ndarray, known: np.ndarray | None = None
) -> tuple[list[Break], np.ndarray]:
    """Breaks of one monthly series, and the mask of months the pattern leaves out.

    `known` marks months already known to be out of pattern (a break found in the national
    total): they are left out from the start.
    """
    t = np.arange(y.size)
    out = np.zeros(y.size, dtype=bool) if known is None else known.copy()
    x = design(t, month_of_year)
    for _ in range(5):
        fit = fit_counts(y, x, ~out)
        mu = np.exp(x @ fit.params)
        z = standardised(y, mu, fit.alpha)
        new = _flag(np.where(out, 0.0, z)) & ~out
        if not new.any():
            break
        out |= new
    breaks = []
    own = out if known is None else out & ~known
    idx = np.flatnonzero(own)
    for run in np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1) if idx.size else []:
        kind = "temporary" if run.size > 1 else "outlier"
        factor = float(y[run].sum() / mu[run].sum())
        breaks.append(
            Break(int(run[0]), int(run[-1]), kind, factor, float(z[run][np.argmax(np.abs(z[run]))]))
        )
    shift = level_shift(y, month_of_year, out)
    if shift is not None:
        breaks.append(shift)
    return breaks, out


def level_shift(y: np.ndarray, month_of_year: np.ndarray, out: np.ndarray) -> Break | None:
    """The clearest lasting change of level (OLS-CUSUM at 1 %), or None."""
    t = np.arange(y.size)
    keep = ~out
    if keep.sum() < 3 * MIN_LEVEL_SEGMENT:
        return None
    x = design(t, month_of_year)
    fit = fit_counts(y, x, keep)
    mu = np.exp(x @ fit.params)
    r = standardised(y, mu, fit.alpha)[keep]
    r = r - r.mean()
    s = r.std(ddof=1)
    if s == 0:
        return None
    path = np.cumsum(r) / (s * np.sqrt(r.size))
    stat = float(np.max(np.abs(path)))
    if stat <= CUSUM_CRITICAL:
        return None
    at = _locate(y, month_of_year, keep)
    fit = fit_counts(y, design(t, month_of_year, (at,)), keep)
    factor = float(np.exp(fit.params[-1]))
    if abs(np.log(factor)) < np.log1p(MIN_SHIFT):
        return None
    return Break(at, y.size - 1, "level_shift", factor, stat)


def _deviance(y: np.ndarray, month_of_year: np.ndarray, keep: np.ndarray, at: int) -> float:
    x = design(np.arange(y.size), month_of_year, (at,))
    return float(glm_fit(y[keep], x[keep], sm.families.Poisson()).deviance)


def _locate(y: np.ndarray, month_of_year: np.ndarray, keep: np.ndarray) -> int:
    """Where the level changed: the step position with the smallest deviance, searched every
    third month and then around the best one (the CUSUM peak drifts when a trend is fitted)."""
    lo, hi = MIN_LEVEL_SEGMENT, y.size - MIN_LEVEL_SEGMENT
    coarse = min(range(lo, hi + 1, 3), key=lambda k: _deviance(y, month_of_year, keep, k))
    fine = range(max(lo, coarse - 2), min(hi, coarse + 2) + 1)
    return min(fine, key=lambda k: _deviance(y, month_of_year, keep, k))
