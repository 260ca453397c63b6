"""One results table through its publication policy: frames in, frames out, no I/O.

A protected table comes back as three frames: the published values (null where hidden), a
mask of the same shape (True where hidden), and the totals that may be printed beside it
(each with its own hidden flag), protected together with the cells so that no printed total
gives a hidden cell back.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl

from analysis.disclosure import secondary_suppression, with_margins
from analysis.publication.policy import Aggregate, Counts, Open, Policy

HIDDEN = "_hidden"  # suffix of a totals frame's flag column: `cases_hidden`


@dataclass(frozen=True)
class PublicTable:
    table: pl.DataFrame
    hidden: pl.DataFrame  # same columns as `table`; True where a cell is hidden
    totals: pl.DataFrame | None = None  # dims (null = summed over), counts, `<count>_hidden`
    dims: tuple[str, ...] = ()  # the columns that name a cell (and a total, where null)

    @property
    def primary_or_secondary(self) -> int:
        return int(self.hidden.select(pl.sum_horizontal(pl.all().cast(pl.Int64)).sum()).item())


def protect(frame: pl.DataFrame, policy: Policy, threshold: int) -> PublicTable:
    """Apply `policy` to `frame`; columns the policy does not name never come out."""
    for column, value in policy.where.items():
        if column in frame.columns:
            frame = frame.filter(
                pl.col(column).is_null() if value is None else pl.col(column) == value
            )
    if isinstance(policy, Open):
        table = frame.select([c for c in policy.columns if c in frame.columns])
        return PublicTable(table, table.select(pl.all().is_null() & False))
    if isinstance(policy, Aggregate):
        grouped = (
            frame.group_by([*policy.dims, *policy.labels])
            .agg(pl.len().cast(pl.Int64).alias(policy.count))
            .sort(list(policy.dims))
        )
        policy = Counts(policy.dims, (policy.count,), policy.labels)
        frame = grouped
    if len(policy.dims) == 2 and policy.cross:
        return _cross(frame, policy, threshold)
    return _one_way(frame, policy, threshold)


def _finish(
    frame: pl.DataFrame, policy: Counts, count_hidden: dict[str, np.ndarray]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    named = {*policy.dims, *policy.counts, *policy.keep, *policy.derived}
    columns = [c for c in frame.columns if c in named]  # in the table's own order
    row_hidden = np.zeros(frame.height, dtype=bool)
    for mask in count_hidden.values():
        row_hidden |= mask
    hidden = {c: np.zeros(frame.height, dtype=bool) for c in columns}
    for c, mask in count_hidden.items():
        hidden[c] = mask
    for c in policy.derived:
        if c in frame.columns:
            hidden[c] = row_hidden.copy()
    mask = pl.DataFrame({c: pl.Series(c, hidden[c], dtype=pl.Boolean) for c in columns})
    table = frame.select(columns).with_columns(
        [
            pl.when(pl.Series(hidden[c])).then(None).otherwise(pl.col(c)).alias(c)
            for c in columns
            if hidden[c].any()
        ]
    )
    return table, mask


def _one_way(frame: pl.DataFrame, policy: Counts, threshold: int) -> PublicTable:
    """Rows are the cells; each count column is protected against its published total."""
    values = frame.select(policy.counts).to_numpy().astype(float)
    values = values.reshape(frame.height, len(policy.counts))
    full = with_margins(values, False, policy.margins)
    primary = (full > 0) & (full < threshold)
    # a zero is never a complement: beside a published total it can only be zero again
    mask = secondary_suppression(full, primary, False, policy.margins, locked=full == 0)
    count_hidden = {c: mask[: frame.height, j] for j, c in enumerate(policy.counts)}
    table, hidden = _finish(frame, policy, count_hidden)
    totals = None
    if policy.margins:
        totals = pl.DataFrame(
            {d: pl.Series(d, [None], dtype=frame.schema[d]) for d in policy.dims}
            | {c: [None if mask[-1, j] else int(full[-1, j])] for j, c in enumerate(policy.counts)}
            | {f"{c}{HIDDEN}": [bool(mask[-1, j])] for j, c in enumerate(policy.counts)}
        )
    return PublicTable(table, hidden, totals, policy.dims)


def _cross(frame: pl.DataFrame, policy: Counts, threshold: int) -> PublicTable:
    """Two dims: a cross-table with row and column totals (and their grand total)."""
    (rows, cols), (count,) = policy.dims, policy.counts
    row_keys = frame[rows].unique(maintain_order=True).sort().to_list()
    col_keys = frame[cols].unique(maintain_order=True).sort().to_list()
    ri = {k: i for i, k in enumerate(row_keys)}
    ci = {k: j for j, k in enumerate(col_keys)}
    grid = np.zeros((len(row_keys), len(col_keys)))
    present = np.zeros(grid.shape, dtype=bool)
    for r, c, v in frame.select(rows, cols, count).iter_rows():
        grid[ri[r], ci[c]] += v or 0
        present[ri[r], ci[c]] = True
    margins = policy.margins
    full = with_margins(grid, margins, margins)
    primary = (full > 0) & (full < threshold)
    locked = np.zeros(full.shape, dtype=bool)
    locked[: grid.shape[0], : grid.shape[1]] = ~present  # an absent cell is a known zero
    locked |= full == 0  # and a zero complement would be worked out as zero from its line
    mask = secondary_suppression(full, primary, margins, margins, locked)
    idx_r = np.array([ri[r] for r in frame[rows].to_list()], dtype=int)
    idx_c = np.array([ci[c] for c in frame[cols].to_list()], dtype=int)
    count_hidden = {count: mask[idx_r, idx_c] if frame.height else np.zeros(0, dtype=bool)}
    table, hidden = _finish(frame, policy, count_hidden)
    totals = None
    if margins:
        n_r, n_c = grid.shape
        entries = [(row_keys[i], None, i, n_c) for i in range(n_r)]
        entries += [(None, col_keys[j], n_r, j) for j in range(n_c)]
        entries.append((None, None, n_r, n_c))
        totals = pl.DataFrame(
            {
                rows: pl.Series(rows, [e[0] for e in entries], dtype=frame.schema[rows]),
                cols: pl.Series(cols, [e[1] for e in entries], dtype=frame.schema[cols]),
                count: [None if mask[i, j] else int(full[i, j]) for _, _, i, j in entries],
                f"{count}{HIDDEN}": [bool(mask[i, j]) for _, _, i, j in entries],
            }
        )
    return PublicTable(table, hidden, totals, policy.dims)
