"""CNPs typed into free text: found in every text field and never let through as they are.

An officer's notes (`OBSERVATII`) or a legal basis may quote a suspect's CNP. Direct
identifiers are pseudonymised in their own columns; here every other text field is scanned
for numbers shaped like a CNP (13 digits, not inside a longer number, first digit not 0,
right check digit), which are replaced in place: by the person's pseudonym when the key is
at hand (the same as in the identifier columns, so the link is kept), else by a mask. A 13-digit
run with a wrong check digit (an invoice number, a phone number with prefix) is left alone.

The scan costs one vectorised regex test per text column and batch; only the rare values
that hold 13 digits in a row are looked at one by one.
"""

import re
from collections.abc import Callable

import polars as pl

from analysis.reference.cnp import check_digit

MASK = "***"
_RUN = re.compile(r"(?<![0-9])[1-9][0-9]{12}(?![0-9])")
_PREFILTER = r"[0-9]{13}"


def is_cnp_shaped(digits: str) -> bool:
    """13 ASCII digits whose last is the check digit of the first twelve."""
    return check_digit(digits[:12]) == int(digits[12])


def cnps_in(text: str) -> list[str]:
    return [m for m in _RUN.findall(text) if is_cnp_shaped(m)]


def scrub(text: str) -> str:
    """`text` with every 13-digit run masked: for error messages, which may quote a cell."""
    return re.sub(r"[0-9]{13,}", MASK, text)


def may_hold_cnp(values: pl.Expr) -> pl.Expr:
    """Vectorised prefilter: values holding 13 digits in a row (a superset of the CNPs)."""
    return values.str.contains(_PREFILTER)


def replace_cnps(
    values: pl.Series, rename: Callable[[pl.Series], tuple[pl.Series, pl.Series]] | None
) -> tuple[pl.Series, int]:
    """`values` with each CNP-shaped number replaced, and how many were replaced.

    `rename(cnps)` gives (cnps, pseudonyms) aligned (the ingest's Pseudonymiser.table);
    without it the number is masked.
    """
    rows = values.fill_null("").str.contains(_PREFILTER).arg_true()
    if not rows.len():
        return values, 0
    texts = values.gather(rows).to_list()
    found = sorted({cnp for text in texts for cnp in cnps_in(text)})
    if not found:
        return values, 0
    if rename is None:
        replacement = dict.fromkeys(found, MASK)
    else:
        old, new = rename(pl.Series(found, dtype=pl.String))
        replacement = dict(zip(old.to_list(), new.to_list(), strict=True))
    count = 0

    def swap(match: re.Match) -> str:
        nonlocal count
        if match.group() in replacement:
            count += 1
            return replacement[match.group()]
        return match.group()

    changed = [_RUN.sub(swap, text) for text in texts]
    return values.clone().scatter(rows, changed), count
