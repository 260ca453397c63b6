"""How each partner writes the same facts: county spellings, date styles, money with decimal
commas and thousands marks, legacy cedilla letters.

Ingest has to accept every variation the specification allows, so the synthetic extracts use
them all, mixed within a file the way hand-maintained exports are.
"""

import numpy as np
import polars as pl

from analysis.reference.counties import BY_CODE
from analysis.synth.volumes import COUNTY_CODES

DMY = "%d.%m.%Y"
DMY_SLASH = "%d/%m/%Y"
ISO = "%Y-%m-%d"

# Spelling styles of a county; Bucharest has its own five forms (specs/partner-extracts.md).
STYLES = ("name", "ascii", "prefixed", "prefixed_ascii", "code", "iso")
_BUCHAREST = {
    "name": "București", "ascii": "Bucuresti", "prefixed": "Municipiul București",
    "prefixed_ascii": "Mun. Bucuresti", "code": "B", "iso": "RO-B",
}  # fmt: skip


def _spelling(code: str, style: str) -> str:
    c = BY_CODE[code]
    if code == "B":
        return _BUCHAREST[style]
    return {
        "name": c.name,
        "ascii": c.name_ascii,
        "prefixed": f"Județul {c.name}",
        "prefixed_ascii": f"Judetul {c.name_ascii}",
        "code": c.code,
        "iso": c.iso,
    }[style]


def county_text(county: np.ndarray, mix: dict[str, float], rng: np.random.Generator) -> pl.Series:
    """County indices written in a random mix of styles (`mix`: style -> weight)."""
    styles = list(mix)
    weight = np.array([mix[s] for s in styles])
    style = rng.choice(len(styles), county.size, p=weight / weight.sum())
    table = {
        i * 16 + s: _spelling(code, styles[s])
        for i, code in enumerate(COUNTY_CODES)
        for s in range(len(styles))
    }
    key = pl.Series(county.astype(np.int64) * 16 + style)
    return key.replace_strict(table, return_dtype=pl.String)


def date_text(date: pl.Expr, formats: tuple[str, ...], pick: pl.Expr | None = None) -> pl.Expr:
    """Dates as text; with two formats, `pick` (a boolean expression) chooses the second."""
    if len(formats) == 1 or pick is None:
        return date.dt.strftime(formats[0])
    return pl.when(pick).then(date.dt.strftime(formats[1])).otherwise(date.dt.strftime(formats[0]))


def money_text(cents: pl.Expr, decimal: str = ".", thousands: pl.Expr | None = None) -> pl.Expr:
    """Amounts in bani as `1234.50`, or `1234,50` / `1.234,50` (thousands where the mask says)."""
    whole = (cents // 100).cast(pl.String)
    if thousands is not None:
        grouped = whole.str.reverse().str.replace_all(r"(\d{3})", "${1}.").str.reverse()
        whole = pl.when(thousands).then(grouped.str.strip_chars_start(".")).otherwise(whole)
    frac = (cents % 100).cast(pl.String).str.zfill(2)
    return pl.concat_str([whole, pl.lit(decimal), frac])


def list_text(values: pl.Expr) -> pl.Expr:
    """A list column as one `|`-separated field; an empty list is an empty (null) field."""
    text = values.list.join("|")
    return pl.when(text == "").then(None).otherwise(text)


def yes_no(flag: pl.Expr, yes: str, no: str) -> pl.Expr:
    return pl.when(flag).then(pl.lit(yes)).otherwise(pl.lit(no))


def to_cedilla(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column with the legacy cedilla ş ţ Ş Ţ, as a Windows-1250 system exports it."""
    return frame.with_columns(
        pl.col(pl.String).str.replace_many(["ș", "ț", "Ș", "Ț"], ["ş", "ţ", "Ş", "Ţ"])
    )


def pick(rng: np.random.Generator, options: list[str], weights: list[float], n: int) -> pl.Series:
    """n draws from a list of texts."""
    w = np.array(weights, dtype=float)
    return pl.Series(
        np.array(options, dtype=object)[rng.choice(len(options), n, p=w / w.sum())], dtype=pl.String
    )


def lognormal_cents(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    """Amounts in bani: lognormal around `median` RON, at least 1 RON."""
    ron = np.exp(rng.normal(np.log(median), sigma, n))
    return np.maximum(100, np.rint(ron * 100)).astype(np.int64)
