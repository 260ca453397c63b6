"""The value types of the partner specification as polars expressions over raw text.

Each type has a parser (raw string -> typed value, null when it cannot be read). Validation asks
"non-empty but unparseable?", normalisation uses the same parser on accepted rows, so the two
can never disagree. Everything is vectorised: a national extract is millions of rows.
"""

import datetime as dt

import polars as pl

from analysis.reference.cnp import CENTURY, WEIGHTS
from analysis.reference.counties import county_keys
from analysis.reference.countries import ISO_ALPHA2
from analysis.reference.markets import BY_CODE as MARKETS

DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y")
EARLIEST = dt.date(1990, 1, 1)
LIST_SEPARATOR = "|"
YES = ("DA", "1")
NO = ("NU", "0")
_ASCII = {
    "ă": "a",
    "â": "a",
    "î": "i",
    "ș": "s",
    "ş": "s",
    "ț": "t",
    "ţ": "t",
    "Ă": "a",
    "Â": "a",
    "Î": "i",
    "Ș": "s",
    "Ş": "s",
    "Ț": "t",
    "Ţ": "t",
    "-": " ",
}
# thousands marks: dot, spaces (plain, no-break, narrow and thin no-break), tab
_MONEY_MARKS = [".", " ", "\t", "\u00a0", "\u202f", "\u2009"]
_CNP_COUNTIES = [f"{n:02d}" for n in range(1, 49)] + ["51", "52", "70", "80", "81", "82", "83"]
_COMMA_BELOW = {"ş": "ș", "ţ": "ț", "Ş": "Ș", "Ţ": "Ț"}


def text(raw: pl.Expr) -> pl.Expr:
    """Trimmed, with legacy cedilla letters turned into comma-below; empty -> null."""
    value = raw.str.strip_chars().str.replace_many(_COMMA_BELOW)
    return pl.when(value == "").then(None).otherwise(value)


def date(raw: pl.Expr) -> pl.Expr:
    value = raw.str.strip_chars()
    return pl.coalesce([value.str.to_date(fmt, strict=False) for fmt in DATE_FORMATS])


def integer(raw: pl.Expr) -> pl.Expr:
    value = raw.str.strip_chars()
    return pl.when(value.str.contains(r"^-?\d{1,9}$")).then(value.cast(pl.Int64, strict=False))


def decimal(raw: pl.Expr) -> pl.Expr:
    """`12.5` or `12,5`; no thousands marks outside money fields."""
    value = raw.str.strip_chars().str.replace(",", ".", literal=True)
    return pl.when(value.str.contains(r"^-?\d+(\.\d+)?$")).then(
        value.cast(pl.Float64, strict=False)
    )


def _money_text(raw: pl.Expr) -> pl.Expr:
    """`1.234,50` / `1 234,50` / `1234,50` -> `1234.50`; a dot-only value is already normal."""
    value = raw.str.strip_chars()
    comma_decimal = value.str.replace_many(_MONEY_MARKS, [""] * len(_MONEY_MARKS)).str.replace(
        ",", ".", literal=True
    )
    return pl.when(value.str.contains(",")).then(comma_decimal).otherwise(value)


def money(raw: pl.Expr) -> pl.Expr:
    """RON amount; null when not a number."""
    normal = _money_text(raw)
    return pl.when(normal.str.contains(r"^-?\d+(\.\d+)?$")).then(
        normal.cast(pl.Float64, strict=False)
    )


def money_ok(raw: pl.Expr) -> pl.Expr:
    """A number, non-negative, with at most two decimals (the spec's rule for money)."""
    return _money_text(raw).str.contains(r"^\d+(\.\d{1,2})?$")


def tempo_year(raw: pl.Expr) -> pl.Expr:
    """INS TEMPO writes years as `Anul 2024`."""
    return raw.str.strip_chars().str.extract(r"^Anul (\d{4})$", 1).cast(pl.Int32)


def yesno(raw: pl.Expr) -> pl.Expr:
    value = raw.str.strip_chars().str.to_uppercase()
    return pl.when(value.is_in(YES)).then(True).when(value.is_in(NO)).then(False)


def county(raw: pl.Expr) -> pl.Expr:
    """Two-letter code from any spelling the spec allows; null for anything else."""
    key = (
        raw.str.replace_many(_ASCII)
        .str.to_lowercase()
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
        .str.replace(r"^(judetul|jud\.?)\s+", "")
    )
    return key.replace_strict(county_keys(), default=None, return_dtype=pl.String)


def enum(raw: pl.Expr, allowed: tuple[str, ...]) -> pl.Expr:
    value = raw.str.strip_chars()
    return pl.when(value.is_in(list(allowed))).then(value)


def market(raw: pl.Expr, allowed: tuple[str, ...] = ()) -> pl.Expr:
    return enum(raw, allowed or tuple(MARKETS))


def country(raw: pl.Expr) -> pl.Expr:
    value = raw.str.strip_chars().str.to_uppercase()
    return pl.when(value.is_in(sorted(ISO_ALPHA2))).then(value)


def items(raw: pl.Expr) -> pl.Expr:
    """A `|`-separated list as a list of trimmed strings; an empty field is an empty list."""
    parts = raw.str.split(LIST_SEPARATOR).list.eval(pl.element().str.strip_chars())
    return (
        pl.when(raw.str.strip_chars() == "")
        .then(pl.lit([], dtype=pl.List(pl.String)))
        .otherwise(parts)
    )


def item_count(raw: pl.Expr) -> pl.Expr:
    """Number of items in a `|` list without building the list."""
    return (
        pl.when(raw.str.strip_chars() == "")
        .then(0)
        .otherwise(raw.str.count_matches(LIST_SEPARATOR, literal=True) + 1)
    )


def cnp_valid(value: pl.Expr, today: dt.date) -> pl.Expr:
    """True for a CNP with the right shape, date, county code, serial and check digit."""
    return value.map_batches(lambda s: cnp_valid_series(s, today), return_dtype=pl.Boolean)


def cnp_valid_series(values: pl.Series, today: dt.date) -> pl.Series:
    """`cnp_valid` over a column of CNPs (text).

    Integer arithmetic on the 13-digit number, not substrings, in stages that each compute a
    value once: it runs on millions of CNPs, and one nested expression would recompute the
    shared parts (the number, the year) for every use.
    """
    frame = values.to_frame("v").select(
        n=pl.when(pl.col("v").str.contains(r"^[1-9]\d{12}$")).then(
            pl.col("v").str.to_integer(strict=False)
        )
    )
    frame = frame.select([((pl.col("n") // 10 ** (12 - i)) % 10).alias(f"d{i}") for i in range(13)])
    d = [pl.col(f"d{i}") for i in range(13)]
    weighted = pl.sum_horizontal([d[i] * w for i, w in enumerate(WEIGHTS)]) % 11
    frame = frame.select(
        check_ok=pl.when(weighted == 10).then(1).otherwise(weighted) == d[12],
        year=d[0].replace_strict(
            {int(k): v for k, v in CENTURY.items()}, default=None, return_dtype=pl.Int64
        )
        + d[1] * 10
        + d[2],
        month=d[3] * 10 + d[4],
        day=d[5] * 10 + d[6],
        county_ok=(d[7] * 10 + d[8]).is_in([int(c) for c in _CNP_COUNTIES]),
        serial_ok=(d[9] * 100 + d[10] * 10 + d[11]) != 0,
    )
    year, month, day = pl.col("year"), pl.col("month"), pl.col("day")
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_days = month.replace_strict(
        {1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31},
        default=0,
        return_dtype=pl.Int64,
    ) + pl.when((month == 2) & leap).then(1).otherwise(0)
    born = year * 10_000 + month * 100 + day
    ok = (
        pl.col("check_ok")
        & day.is_between(1, month_days)
        & (born <= today.year * 10_000 + today.month * 100 + today.day)
        & pl.col("county_ok")
        & pl.col("serial_ok")
    ).fill_null(False)
    return frame.select(ok.alias(values.name)).to_series()
