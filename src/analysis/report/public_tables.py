"""Tables of the public edition, read from the public view: nothing is protected here.

The view's tables arrive protected (null where hidden, with their mask) and with the totals
that were protected with them; a public table may only filter, sort and cut their rows, and
print those totals. It cannot compute a new total, which could give a hidden cell back.
"""

import polars as pl

from analysis.publication.protect import HIDDEN
from analysis.results import Results

TOTAL = "Total"


class NotPublished(LookupError):
    """The public view has no such table, column or total."""


def _masked(results: Results, leaf: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    try:
        frame = results.table(leaf)
    except LookupError:
        raise NotPublished(leaf) from None
    hidden = results.hidden(leaf)
    if hidden is None:
        hidden = frame.select(pl.all().is_null() & False)
    return frame, hidden


def rows(
    results: Results, leaf: str, where: dict, sort: str | None, descending: bool, limit: int | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows a template asked for, and the same rows of the mask."""
    frame, hidden = _masked(results, leaf)
    frame = frame.with_row_index("_i")
    for column, value in where.items():
        frame = frame.filter(pl.col(column) == value)
    if sort:
        frame = frame.sort(sort, descending=descending, nulls_last=True)
    if limit:
        frame = frame.head(limit)
    index = frame["_i"]
    return frame.drop("_i"), hidden[index]


def grand_total(results: Results, leaf: str, label: str, names: list[str]) -> pl.DataFrame:
    """The published totals row of a list (one-way) table, with its mask."""
    totals = results.totals(leaf)
    if totals is None:
        raise NotPublished(f"{leaf}: totals")
    grand = totals.tail(1)
    values = {label: [TOTAL]} | {
        c: grand[c].to_list() if c in grand.columns else [None] for c in names if c != label
    }
    flags = {label: [False]} | {
        c: [bool(grand[f"{c}{HIDDEN}"][0])] if f"{c}{HIDDEN}" in grand.columns else [False]
        for c in names
        if c != label
    }
    return pl.DataFrame(values, strict=False), pl.DataFrame(flags)


def cross(
    results: Results, leaf: str, rows_col: str, cols_col: str, where: dict
) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """A cross-table of the view's counts with its protected totals: (table, mask, columns).

    The view's long table has one count column (the policy's); row and column labels may be
    any column that names the same cells (`tier_ro` for `tier`).
    """
    frame, hidden = _masked(results, leaf)
    totals = results.totals(leaf)
    if totals is None or where:
        raise NotPublished(f"{leaf}: a cross-table of {rows_col} x {cols_col}")
    count = next(c[: -len(HIDDEN)] for c in totals.columns if c.endswith(HIDDEN))
    long = frame.select(
        pl.col(rows_col).cast(pl.String), pl.col(cols_col).cast(pl.String), count
    ).with_columns(_h=hidden[count])
    keys = sorted(long[cols_col].unique().to_list())
    wide = long.pivot(on=cols_col, index=rows_col, values=count, aggregate_function="first")
    mask = long.pivot(on=cols_col, index=rows_col, values="_h", aggregate_function="first")
    wide = wide.sort(rows_col).select(rows_col, *keys).with_columns(pl.col(keys).fill_null(0))
    mask = mask.sort(rows_col).select(rows_col, *keys).with_columns(pl.col(keys).fill_null(False))
    # absent combinations are zeros a reader knows: shown as 0, never hidden
    wide = wide.with_columns(
        [pl.when(mask[k]).then(None).otherwise(pl.col(k)).alias(k) for k in keys]
    )
    by_row, by_col, grand = _margins(totals, frame, rows_col, cols_col, count)
    wide = wide.join(by_row, on=rows_col, how="left")
    mask = mask.join(
        by_row.select(rows_col, pl.col(TOTAL).is_null().alias(TOTAL)), on=rows_col, how="left"
    ).with_columns(pl.lit(False).alias(rows_col))
    last = {rows_col: [TOTAL]} | {k: [by_col.get(k)] for k in keys} | {TOTAL: [grand]}
    last_mask = {rows_col: [False]} | {k: [by_col.get(k) is None] for k in keys}
    wide = pl.concat([wide, pl.DataFrame(last, schema=wide.schema)])
    mask = pl.concat([mask, pl.DataFrame(last_mask | {TOTAL: [grand is None]})])
    return wide, mask, keys


def _margins(totals, frame, rows_col, cols_col, count):
    """Row totals (by the row label), column totals (by column label) and the grand total."""
    dims = [
        c for c in totals.columns if c in frame.columns and c != count and not c.endswith(HIDDEN)
    ]

    def dim_of(label: str) -> str:
        if label in dims:
            return label
        for dim in dims:  # a label that names the same cells as a dim (tier_ro for tier)
            pairs = frame.select(dim, label).unique().height
            if pairs == frame[dim].n_unique() == frame[label].n_unique():
                return dim
        raise NotPublished(f"{label} is not a dimension of the published table")

    label_of = {rows_col: dim_of(rows_col), cols_col: dim_of(cols_col)}
    row_dim, col_dim = label_of[rows_col], label_of[cols_col]

    def labelled(line: pl.DataFrame, dim: str, label: str) -> pl.DataFrame:
        line = line.select(dim, count)
        if label != dim:
            line = line.join(frame.select(dim, label).unique(), on=dim).drop(dim)
        return line.select(pl.col(label).cast(pl.String), count)

    row_line = totals.filter(pl.col(row_dim).is_not_null() & pl.col(col_dim).is_null())
    by_row = labelled(row_line, row_dim, rows_col).rename({count: TOTAL})
    col_line = totals.filter(pl.col(col_dim).is_not_null() & pl.col(row_dim).is_null())
    by_col = dict(labelled(col_line, col_dim, cols_col).iter_rows())
    grand = totals.filter(pl.col(row_dim).is_null() & pl.col(col_dim).is_null())[count][0]
    return by_row, by_col, grand
