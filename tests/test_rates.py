"""Case rates per 100 000: counts, zero-case counties, intervals, missing denominators."""

import datetime as dt

import polars as pl
import pytest

from analysis.indicators.rates import case_rates, missing_population, national_rates


def _cases(rows):
    return pl.LazyFrame(rows, schema={"county": pl.String, "registered_on": pl.Date}, orient="row")


POPULATION = pl.LazyFrame(
    {
        "county": ["CJ", "CT", "CJ", "CT"],
        "year": [2023, 2023, 2024, 2024],
        "population": [200_000, 100_000, 200_000, 100_000],
    }
)


def test_rates_per_100k_worked_by_hand():
    cases = _cases(
        [
            ("CJ", dt.date(2024, 1, 5)),
            ("CJ", dt.date(2024, 7, 1)),
            ("CT", dt.date(2024, 3, 3)),
            ("CJ", dt.date(2023, 12, 31)),
        ]
    )
    rates = case_rates(cases, POPULATION)
    got = {(r["county"], r["year"]): (r["cases"], r["rate"]) for r in rates.iter_rows(named=True)}
    # CJ 2024: 2 / 200 000 * 100 000 = 1.0; CT 2024: 1 / 100 000 * 100 000 = 1.0
    # CJ 2023: 1 / 200 000 * 100 000 = 0.5; CT 2023: no case -> 0, still listed
    assert got == {
        ("CJ", 2024): (2, 1.0),
        ("CT", 2024): (1, 1.0),
        ("CJ", 2023): (1, 0.5),
        ("CT", 2023): (0, 0.0),
    }


def test_exact_poisson_limits_match_published_tables():
    cases = _cases([("CT", dt.date(2024, 1, 1))] * 1)
    row = case_rates(cases, POPULATION).filter(pl.col("county") == "CT").row(0, named=True)
    # Garwood limits for a count of 1: 0.0253 and 5.5716 (e.g. Ulm 1990, table of exact limits)
    assert row["rate_low"] == pytest.approx(0.0253, abs=1e-4)
    assert row["rate_high"] == pytest.approx(5.5716, abs=1e-4)
    zero = case_rates(cases, POPULATION).filter(pl.col("county") == "CJ").row(0, named=True)
    assert zero["rate_low"] == 0.0
    assert zero["rate_high"] == pytest.approx(3.6889 / 2, abs=1e-4)  # 3.689 per 200 000


def test_cases_without_population_are_reported_not_dropped():
    cases = _cases([("IS", dt.date(2024, 5, 5)), ("CJ", dt.date(2024, 5, 5))])
    rates = case_rates(cases, POPULATION)
    assert missing_population(rates).rows() == [("IS", 2024, 1)]


def test_national_rate_is_total_cases_over_total_population():
    cases = _cases(
        [("CJ", dt.date(2024, 1, 5)), ("CT", dt.date(2024, 3, 3)), ("CT", dt.date(2024, 4, 3))]
    )
    national = national_rates(case_rates(cases, POPULATION))
    # 3 cases / 300 000 people * 100 000 = 1.0
    assert national.rows() == [(2024, 3, 300_000, 1.0)]
