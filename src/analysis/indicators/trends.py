"""Year-on-year change in registered cases, and whether it is more than chance.

A market that went from 40 to 46 cases has not "grown 15 %" in any sense a prosecutor should
act on. Two tests, for two kinds of series:
- `year_on_year`: national (or any long, busy) monthly series. One log-linear count model per
  series, cases ~ year + month of year + log(population), so a change is not confused with
  seasonality or with a shrinking population. The change between consecutive years is the
  ratio of their population-adjusted totals (the Poisson estimate: the figure a prosecutor
  would compute by hand). Its Wald interval and p-value use the Poisson variance when the
  months vary as Poisson counts do, and the negative binomial (NB2) variance when they vary
  more (Cameron-Trivedi test, one-sided 5 %), since Poisson would then call too many changes
  significant. (An NB2 fit would also move the estimate itself away from the ratio of totals,
  which no reader could check.)
- `annual_change_exact`: many small annual counts (county x market). The exact conditional
  test: given n = x1 + x0 cases in the two years, x1 is binomial(n, e1 / (e1 + e0)) under
  "no change" (e = population); two-sided p is twice the smaller tail (capped at 1), the
  interval of the rate ratio comes from the Clopper-Pearson interval of that proportion.
"""

import warnings
from collections.abc import Sequence

import numpy as np
import polars as pl
import statsmodels.api as sm
from scipy import stats
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

ALPHA = 0.05
DISPERSION_T = 1.645  # one-sided 5 %: prefer Poisson unless overdispersion is clear


def _direction(ratio: pl.Expr, significant: pl.Expr) -> pl.Expr:
    return (
        pl.when(~significant | ratio.is_null())
        .then(pl.lit("fără schimbare semnificativă"))
        .when(ratio > 1)
        .then(pl.lit("creștere"))
        .otherwise(pl.lit("scădere"))
    )


def glm_fit(y: np.ndarray, x: np.ndarray, family, offset: np.ndarray | None = None):
    """A statsmodels GLM fit; a perfect fit (months exactly on the pattern) is data, not a
    problem, so statsmodels' separation warning is silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        return sm.GLM(y, x, family=family, offset=offset).fit()


def nb_covariance(x: np.ndarray, mu: np.ndarray, alpha: float) -> np.ndarray:
    """Covariance of the Poisson estimates when the counts vary as NB2 (Var = mu + alpha mu^2):
    the sandwich (X'WX)^-1 X' diag(Var) X (X'WX)^-1 with W = diag(mu)."""
    bread = np.linalg.inv(x.T @ (x * mu[:, None]))
    meat = x.T @ (x * (mu + alpha * mu**2)[:, None])
    return bread @ meat @ bread


def overdispersion(y: np.ndarray, mu: np.ndarray) -> tuple[float, float]:
    """Cameron-Trivedi auxiliary regression: ((y - mu)^2 - y) / mu = alpha * mu + e.

    Returns (alpha, t). Poisson has alpha = 0; NB2 has Var = mu + alpha mu^2.
    """
    aux = ((y - mu) ** 2 - y) / mu
    alpha = float(np.sum(aux * mu) / np.sum(mu**2))
    resid = aux - alpha * mu
    se = float(np.sqrt(np.sum(resid**2) / max(len(y) - 1, 1) / np.sum(mu**2)))
    return alpha, (alpha / se if se > 0 else 0.0)


def _series_changes(frame: pl.DataFrame) -> list[dict]:
    """Consecutive-year changes of one monthly series (month, cases, population)."""
    year = frame["month"].dt.year().to_numpy()
    totals = {
        int(y): int(frame.filter(pl.col("month").dt.year() == y)["cases"].sum())
        for y in np.unique(year)
    }
    fit_years = [y for y, t in totals.items() if t > 0]
    keep = np.isin(year, fit_years)
    y = frame["cases"].to_numpy()[keep].astype(float)
    yr, moy = year[keep], frame["month"].dt.month().to_numpy()[keep]
    cols = [np.ones(y.size)] + [(yr == v).astype(float) for v in fit_years[1:]]
    cols += [(moy == m).astype(float) for m in range(2, 13) if (moy == m).any()]
    x = np.column_stack(cols)
    offset = np.log(frame["population"].to_numpy()[keep].astype(float))
    rows = []
    if len(fit_years) >= 2:
        fit = glm_fit(y, x, sm.families.Poisson(), offset)
        alpha, t = overdispersion(y, fit.mu)
        params, cov, model = np.asarray(fit.params), np.asarray(fit.cov_params()), "poisson"
        if alpha > 0 and t > DISPERSION_T:
            cov, model = nb_covariance(x, fit.mu, alpha), "negative_binomial"
        coef = {v: i + 1 for i, v in enumerate(fit_years[1:])} | {fit_years[0]: None}
    for prev, cur in zip(sorted(totals)[:-1], sorted(totals)[1:], strict=True):
        row = {"year": cur, "cases": totals[cur], "cases_previous": totals[prev]}
        if totals[prev] == 0 or totals[cur] == 0 or len(fit_years) < 2:
            rows.append(row | {"model": "prea puține cazuri"})
            continue
        g = np.zeros(params.size)
        if coef[cur] is not None:
            g[coef[cur]] += 1
        if coef[prev] is not None:
            g[coef[prev]] -= 1
        diff, se = float(g @ params), float(np.sqrt(g @ cov @ g))
        z = stats.norm.ppf(1 - ALPHA / 2)
        rows.append(
            row
            | {
                "rate_ratio": float(np.exp(diff)),
                "ratio_low": float(np.exp(diff - z * se)),
                "ratio_high": float(np.exp(diff + z * se)),
                "p_value": float(2 * stats.norm.sf(abs(diff / se))),
                "model": model,
                "dispersion_alpha": max(alpha, 0.0),
            }
        )
    return rows


SCHEMA = {
    "year": pl.Int32,
    "cases": pl.Int64,
    "cases_previous": pl.Int64,
    "rate_ratio": pl.Float64,
    "ratio_low": pl.Float64,
    "ratio_high": pl.Float64,
    "p_value": pl.Float64,
    "model": pl.String,
    "dispersion_alpha": pl.Float64,
}


def year_on_year(
    monthly: pl.DataFrame, population: pl.DataFrame, by: Sequence[str]
) -> pl.DataFrame:
    """Change from each year to the next, per series, from monthly counts.

    `monthly`: by..., month, cases (complete calendar, see series.monthly_counts);
    `population`: year, population, plus county when the series are by county.
    Columns: by..., year, cases, cases_previous, rate_ratio (population-adjusted), change_pct,
    ratio_low, ratio_high (95 %), p_value, significant, direction, model, dispersion_alpha.
    A pair with a zero year has no ratio (model "prea puține cazuri").
    """
    on = ["year", *(["county"] if "county" in by and "county" in population.columns else [])]
    data = monthly.with_columns(year=pl.col("month").dt.year().cast(pl.Int32)).join(
        population.select(*on, "population").with_columns(pl.col("year").cast(pl.Int32)),
        on=on,
        how="left",
    )
    if data["population"].is_null().any():
        gap = data.filter(pl.col("population").is_null()).select(on).unique().sort(on).rows()
        raise ValueError(f"no INS population for {gap[:5]}: a rate needs its denominator")
    out = []
    for key, frame in data.sort(*by, "month").group_by(list(by), maintain_order=True):
        for row in _series_changes(frame):
            out.append(dict(zip(by, key, strict=True)) | row)
    schema = {c: data.schema[c] for c in by} | SCHEMA
    result = pl.DataFrame(out, schema=schema, orient="row") if out else pl.DataFrame(schema=schema)
    significant = pl.col("p_value").fill_null(1.0) < ALPHA
    return result.with_columns(
        change_pct=(pl.col("rate_ratio") - 1) * 100,
        significant=significant,
        direction=_direction(pl.col("rate_ratio"), significant),
    ).select(
        *by,
        "year",
        "cases",
        "cases_previous",
        "rate_ratio",
        "change_pct",
        "ratio_low",
        "ratio_high",
        "p_value",
        "significant",
        "direction",
        "model",
        "dispersion_alpha",
    )


def annual_change_exact(rates: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """Exact conditional test of the change between consecutive years of annual counts.

    `rates`: by..., year, cases, population (e.g. markets.county_market_rates). Columns: by...,
    year, cases, cases_previous, rate_ratio, ratio_low, ratio_high, p_value, significant,
    direction.
    """
    pairs = (
        rates.sort(*by, "year")
        .with_columns(
            cases_previous=pl.col("cases").shift(1).over(by),
            population_previous=pl.col("population").shift(1).over(by),
            year_previous=pl.col("year").shift(1).over(by),
        )
        .filter(pl.col("year_previous") == pl.col("year") - 1)
    )
    x1, x0 = pairs["cases"].to_numpy().astype(float), pairs["cases_previous"].to_numpy()
    e1, e0 = pairs["population"].to_numpy(), pairs["population_previous"].to_numpy()
    n = x1 + x0
    p0 = e1 / (e1 + e0)
    with np.errstate(divide="ignore", invalid="ignore"):
        tail = np.minimum(stats.binom.cdf(x1, n, p0), stats.binom.sf(x1 - 1, n, p0))
        p_value = np.where(n > 0, np.minimum(1.0, 2 * tail), np.nan)
        lo = np.where(x1 > 0, stats.beta.ppf(ALPHA / 2, x1, x0 + 1), 0.0)
        hi = np.where(x0 > 0, stats.beta.ppf(1 - ALPHA / 2, x1 + 1, x0), 1.0)
        to_ratio = e0 / e1

        def odds(p: np.ndarray) -> np.ndarray:
            return p / (1 - p) * to_ratio

        ratio = np.where(x0 > 0, x1 / x0 * to_ratio, np.nan)  # x0 = 0: no finite ratio
        out = pairs.with_columns(
            rate_ratio=pl.Series(ratio).fill_nan(None),
            ratio_low=pl.Series(np.where(n > 0, odds(lo), np.nan)).fill_nan(None),
            ratio_high=pl.Series(np.where(n > 0, odds(hi), np.nan)).fill_nan(None),
            p_value=pl.Series(p_value).fill_nan(None),
        )
    significant = pl.col("p_value").fill_null(1.0) < ALPHA
    return out.with_columns(
        significant=significant, direction=_direction(pl.col("rate_ratio"), significant)
    ).select(
        *by,
        "year",
        "cases",
        "cases_previous",
        "rate_ratio",
        "ratio_low",
        "ratio_high",
        "p_value",
        "significant",
        "direction",
    )
