"""Spreadsheet-safe exports: text that starts like a formula is written as text.

Partners type anything into free-text fields, including `=cmd|' /C calc'!A0`. Stored as text
it is harmless; opened from a CSV in a spreadsheet it would run. Every CSV or XLSX the project
writes for people goes through `formula_safe` (OWASP "CSV injection").
"""

import polars as pl

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix `'` to every string cell that a spreadsheet would read as a formula."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.any_horizontal([pl.col(c).str.starts_with(t) for t in _TRIGGERS]))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text
    )
