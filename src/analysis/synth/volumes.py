"""How many events happen in each county, market and month, so the synthetic series look like
the ones analysts know: population-driven, seasonal, trending by market, with one break.

Counts are drawn in one multinomial over every (county, market, month) cell, so a file's total is
exactly what the scale asks for while its shape follows the intensity model below. Everything is
a fixed function of the random stream: no clock is read anywhere (REFERENCE_DATE stands for
"today" in every rule about the future).
"""

import datetime as dt

import numpy as np
import polars as pl

from analysis.reference.counties import COUNTIES
from analysis.reference.population import county_population

START = dt.date(2015, 1, 1)
END = dt.date(2025, 12, 31)
REFERENCE_DATE = dt.date(2026, 11, 1)  # the generator's "today": nothing valid lies after it

COUNTY_CODES: tuple[str, ...] = tuple(c.code for c in COUNTIES)
COUNTY_INDEX: dict[str, int] = {code: i for i, code in enumerate(COUNTY_CODES)}

MONTHS = np.arange(np.datetime64("2015-01"), np.datetime64("2026-01"))  # 132 months
MONTH_OF_YEAR = MONTHS.astype(int) % 12  # 0 = January
YEAR = MONTHS.astype("datetime64[Y]").astype(int) + 1970

# More registrations in late spring and summer, fewer around the winter holidays.
SEASON = np.array([0.86, 0.91, 1.00, 1.02, 1.05, 1.06, 1.08, 1.04, 1.04, 1.03, 0.99, 0.92])
# Migrant smuggling follows the Balkan route's summer-autumn peak.
SEASON_BY_MARKET = {
    "migrant_smuggling": np.array([0.6, 0.6, 0.8, 0.9, 1.0, 1.1, 1.3, 1.4, 1.4, 1.3, 1.0, 0.7]),
}

# The one structural break: registrations (and border traffic) fell in the first COVID-19
# lockdown, April and May 2020, to 60 % of what the model otherwise gives.
BREAK_MONTHS = (np.datetime64("2020-04"), np.datetime64("2020-05"))
BREAK_LEVEL = 0.6

# Growth per year (log scale), centred on 2020: what the analysts' narrative expects.
TREND = {
    "drugs_synthetic": 0.12,
    "cybercrime": 0.14,
    "drugs_cocaine": 0.07,
    "money_laundering": 0.05,
    "migrant_smuggling": 0.03,
    "excise_goods": -0.08,
    "drugs_heroin": -0.05,
    "property_crime": -0.02,
}

# Counties with more recorded organised crime than their population alone explains.
COUNTY_BOOST = {"B": 1.6, "CT": 1.45, "CJ": 1.35, "TM": 1.35, "IS": 1.3, "IF": 1.15}


def county_effects(rng: np.random.Generator) -> np.ndarray:
    """One multiplier per county: the fixed boosts above times a random effect (sd 0.2 on log)."""
    boost = np.array([COUNTY_BOOST.get(code, 1.0) for code in COUNTY_CODES])
    return boost * np.exp(rng.normal(0.0, 0.2, len(COUNTY_CODES)))


def county_weights(effects: np.ndarray) -> np.ndarray:
    """Population x county effect, one row per county and one column per year 2015-2025."""
    pop = county_population().filter(pl.col("year").is_between(2015, 2025))
    table = np.zeros((len(COUNTY_CODES), 11))
    for code, year, population in pop.iter_rows():
        table[COUNTY_INDEX[code], year - 2015] = population
    return table * effects[:, None]


def market_curve(market: str) -> np.ndarray:
    """Relative level of one market in each month: trend x seasonality x the break."""
    years = (MONTHS - np.datetime64("2020-07")).astype(int) / 12.0
    season = SEASON_BY_MARKET.get(market, SEASON)[MONTH_OF_YEAR]
    level = np.where(np.isin(MONTHS, BREAK_MONTHS), BREAK_LEVEL, 1.0)
    return np.exp(TREND.get(market, 0.0) * years) * season * level


def draw_events(
    total: int,
    shares: dict[str, float],
    weights: np.ndarray,
    rng: np.random.Generator,
    affinity: dict[str, dict[str, float]] | None = None,
) -> pl.DataFrame:
    """`total` events as a frame (date, county index, market) sorted by date.

    `weights` is county x year (see county_weights); `shares` the share of each market over the
    whole period; `affinity` multiplies some counties for some markets (border counties for
    smuggling, Constanța's port for cocaine).
    """
    markets = list(shares)
    share = np.array([shares[m] for m in markets])
    cells = np.empty((len(COUNTY_CODES), len(markets), len(MONTHS)))
    for k, market in enumerate(markets):
        aff = np.array([(affinity or {}).get(market, {}).get(c, 1.0) for c in COUNTY_CODES])
        lam = (weights * aff[:, None])[:, YEAR - 2015] * market_curve(market)[None, :]
        cells[:, k, :] = lam / lam.sum() * share[k]
    counts = rng.multinomial(total, (cells / cells.sum()).ravel())
    cell = np.repeat(np.arange(counts.size), counts)
    county, market, month = np.unravel_index(cell, cells.shape)
    first = MONTHS[month].astype("datetime64[D]")
    days = ((MONTHS[month] + 1).astype("datetime64[D]") - first).astype(int)
    date = first + np.floor(rng.random(cell.size) * days).astype(int)
    order = np.lexsort((rng.random(cell.size), date))
    return pl.DataFrame(
        {
            "date": date[order],
            "county": county[order].astype(np.int32),
            "market": np.array(markets)[market[order]],
        }
    ).with_columns(pl.col("date").cast(pl.Date))


def days_since_epoch(day: dt.date) -> int:
    """Days since 1970-01-01, the integer form of dates used in the numpy parts."""
    return (day - dt.date(1970, 1, 1)).days
