"""The facts every stage shares: counties, crime markets, CNP rules, population.

This package imports nothing else of the project, so every stage may import it.
"""

from analysis.reference.cnp import CnpError, cnp_birth_date, cnp_county, cnp_problem, cnp_sex
from analysis.reference.counties import COUNTIES, County, UnknownCounty, county_code, county_table
from analysis.reference.markets import MARKETS, Market, market_table
from analysis.reference.text import strip_diacritics, to_comma_below

__all__ = [
    "COUNTIES",
    "MARKETS",
    "CnpError",
    "County",
    "Market",
    "UnknownCounty",
    "cnp_birth_date",
    "cnp_county",
    "cnp_problem",
    "cnp_sex",
    "county_code",
    "county_table",
    "market_table",
    "strip_diacritics",
    "to_comma_below",
]
