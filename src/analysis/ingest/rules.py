"""The row rules the thin path needs before a rate can be trusted: county, date, market, CNPs.

Each rule returns, per row, a message or null; a row with any message is quarantined with all
of them. The governed ingest replaces this list with rules generated from data_contracts/.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from analysis.reference.cnp import cnp_problem
from analysis.reference.counties import UnknownCounty, county_code
from analysis.reference.markets import BY_CODE as MARKETS

EARLIEST = dt.date(1990, 1, 1)
DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y")


@dataclass(frozen=True)
class Rule:
    rule_id: str  # `<canonical column>:<rule>`, as in the defects truth and the contracts
    header: str  # the partner's column
    check: Callable[[pl.Series], pl.Series]  # -> message per row, null when the row passes


def parse_date(values: pl.Series) -> pl.Series:
    """Dates in any of the three allowed formats; null where none fits."""
    parsed = [values.str.to_date(fmt, strict=False) for fmt in DATE_FORMATS]
    return pl.select(pl.coalesce(parsed)).to_series()


def _county(values: pl.Series) -> pl.Series:
    def problem(text: str) -> str | None:
        try:
            county_code(text)
        except UnknownCounty as exc:
            return str(exc)
        return None

    return values.map_elements(problem, return_dtype=pl.String, skip_nulls=False)


def _date(values: pl.Series, today: dt.date) -> pl.Series:
    dates = parse_date(values)
    return pl.select(
        pl.when(dates.is_null())
        .then(pl.lit('"') + values + pl.lit('" is not a date (dd.mm.yyyy, yyyy-mm-dd, dd/mm/yyyy)'))
        .when(dates > today)
        .then(pl.lit('"') + values + pl.lit('" is in the future'))
        .when(dates < EARLIEST)
        .then(pl.lit('"') + values + pl.lit('" is before 1990-01-01'))
    ).to_series()


def _market(values: pl.Series) -> pl.Series:
    return pl.select(
        pl.when(~values.is_in(list(MARKETS))).then(
            pl.lit('"') + values + pl.lit('" is not a market code')
        )
    ).to_series()


def _cnp_list(values: pl.Series) -> pl.Series:
    def problem(text: str) -> str | None:
        for i, cnp in enumerate(filter(None, text.split("|")), start=1):
            reason = cnp_problem(cnp.strip())
            if reason:
                return f"person {i}: {reason}"
        return None

    return values.map_elements(problem, return_dtype=pl.String, skip_nulls=False)


def police_rules(today: dt.date) -> list[Rule]:
    return [
        Rule("county:county", "JUDET", _county),
        Rule("registered_on:date", "DATA_INREGISTRARE", lambda v: _date(v, today)),
        Rule("market:enum", "PIATA", _market),
        Rule("suspect_ids:cnp", "CNP_SUSPECTI", _cnp_list),
    ]
