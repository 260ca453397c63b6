"""Statistical disclosure control for published tables: frames in, frames out, no I/O.

A public table must not let a reader learn about a handful of people or companies:
- primary suppression: every count below a threshold (default 10) is hidden; for magnitude
  tables (seizure values) a cell is hidden when its largest contributors dominate it
  (the (n, k) dominance rule) or when it has fewer contributors than the threshold;
- secondary suppression: more cells are hidden until no hidden cell can be worked out from
  the published row or column totals.

A hidden cell can be worked out exactly from the totals when it lies on no cycle of hidden
cells: think of rows and columns as the nodes of a graph and of each hidden cell as an edge
between its row and its column (a line without a published total imposes no equation, so all
such lines are one free node). Only the edges that are bridges of that graph are determined
by the published totals; the rest can move along a cycle without changing any total. So we add
complementary suppressions, cheapest first, until the graph has no bridge.

Hidden cells are returned as nulls, with a boolean frame saying which cells were hidden and
why (primary or secondary); reports draw them as `SYMBOL` with a footnote.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl

DEFAULT_THRESHOLD = 10
SYMBOL = "x"  # what a suppressed cell shows (explained in the table's footnote)


@dataclass(frozen=True)
class Protected:
    """A table ready to publish: `table` has nulls where cells are hidden."""

    table: pl.DataFrame
    suppressed: pl.DataFrame  # same shape; True where hidden (labels never: all False there)
    primary: int
    secondary: int


# --- the pattern: pure numpy -------------------------------------------------------------


def with_margins(values: np.ndarray, row_totals: bool, col_totals: bool) -> np.ndarray:
    """The interior m×n values with a totals column and/or a totals row appended."""
    full = np.asarray(values, dtype=float)
    if row_totals:
        full = np.column_stack([full, full.sum(axis=1)])
    if col_totals:
        full = np.vstack([full, full.sum(axis=0)])
    return full


def _nodes(shape: tuple[int, int], row_totals: bool, col_totals: bool):
    """Node of each line of the augmented table; lines without a published total share 'G'."""
    rows, cols = shape
    row_node = [f"r{i}" if row_totals else "G" for i in range(rows)]
    col_node = [f"c{j}" if col_totals else "G" for j in range(cols)]
    return row_node, col_node


def _bridges(edges: list[tuple[str, str]]) -> list[int]:
    """Indices of the edges that are bridges of the multigraph `edges` (Tarjan, iterative)."""
    graph: dict[str, list[tuple[str, int]]] = {}
    for k, (u, v) in enumerate(edges):
        graph.setdefault(u, []).append((v, k))
        graph.setdefault(v, []).append((u, k))
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    found: list[int] = []
    for root in graph:
        if root in order:
            continue
        order[root] = low[root] = len(order)
        stack = [(root, -1, iter(graph[root]))]
        while stack:
            node, via, neighbours = stack[-1]
            advanced = False
            for nxt, k in neighbours:
                if k == via:
                    continue
                if nxt in order:
                    low[node] = min(low[node], order[nxt])
                else:
                    order[nxt] = low[nxt] = len(order)
                    stack.append((nxt, k, iter(graph[nxt])))
                    advanced = True
                    break
            if not advanced:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        found.append(via)
    return found


def _component(edges: list[tuple[str, str]], start: str, without: int) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        for k, (u, v) in enumerate(edges):
            if k == without or node not in (u, v):
                continue
            other = v if node == u else u
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return seen


def recoverable_cells(
    mask: np.ndarray, row_totals: bool, col_totals: bool
) -> list[tuple[int, int]]:
    """Hidden cells of the augmented table that the published totals determine exactly."""
    row_node, col_node = _nodes(mask.shape, row_totals, col_totals)
    cells = [tuple(map(int, c)) for c in np.argwhere(mask)]
    edges = [(row_node[i], col_node[j]) for i, j in cells]
    return [cells[k] for k in _bridges(edges)]


def secondary_suppression(
    full: np.ndarray,
    primary: np.ndarray,
    row_totals: bool,
    col_totals: bool,
    locked: np.ndarray | None = None,
) -> np.ndarray:
    """Grow the `primary` mask of the augmented table `full` until no hidden cell is recoverable.

    Each round takes one recoverable cell and hides the cheapest cell (an interior cell before
    a total, then the smallest value) that puts it on a cycle of hidden cells. `locked` cells
    are never chosen: cells a reader knows anyway (a combination absent from a long table is
    a known zero, so hiding it would protect nothing).
    """
    mask = primary.copy()
    if not (row_totals or col_totals):
        return mask  # nothing published to recover a cell from
    rows, cols = full.shape
    row_node, col_node = _nodes(full.shape, row_totals, col_totals)
    is_margin = np.zeros(full.shape, dtype=bool)
    if row_totals:
        is_margin[:, -1] = True
    if col_totals:
        is_margin[-1, :] = True
    while True:
        cells = [tuple(map(int, c)) for c in np.argwhere(mask)]
        edges = [(row_node[i], col_node[j]) for i, j in cells]
        bridges = _bridges(edges)
        if not bridges:
            return mask
        k = bridges[0]
        i0, j0 = cells[k]
        side_a = _component(edges, row_node[i0], k)
        side_b = _component(edges, col_node[j0], k)
        open_cells = [
            (i, j)
            for i in range(rows)
            for j in range(cols)
            if not mask[i, j] and (locked is None or not locked[i, j])
        ]

        both = side_a | side_b

        def crosses(cell: tuple[int, int], a=side_a, b=side_b) -> bool:
            u, v = row_node[cell[0]], col_node[cell[1]]
            return (u in a and v in b) or (u in b and v in a)

        def touches(cell: tuple[int, int], both=both) -> bool:
            return row_node[cell[0]] in both or col_node[cell[1]] in both

        for rule in (crosses, touches, lambda cell: True):
            candidates = [c for c in open_cells if rule(c)]
            if candidates:
                break
        if not candidates:  # every cell hidden: nothing is left to recover from
            return mask
        best = min(candidates, key=lambda c: (is_margin[c], full[c], c))
        mask[best] = True


def dominance(total: np.ndarray, largest: np.ndarray, n: int = 2, k: float = 0.85) -> np.ndarray:
    """(n, k) rule: True where the n largest contributions exceed the share k of the cell total.

    `largest` holds the contributions sorted descending along the last axis (at least n).
    """
    total = np.asarray(total, dtype=float)
    top = np.asarray(largest, dtype=float)[..., :n].sum(axis=-1)
    return (total > 0) & (top > k * total)


# --- frames ------------------------------------------------------------------------------


def protect_counts(
    frame: pl.DataFrame,
    label: str,
    counts: list[str],
    threshold: int = DEFAULT_THRESHOLD,
    row_totals: bool = False,
    col_totals: bool = False,
    total_label: str = "Total",
    zeros_are_safe: bool = False,
) -> Protected:
    """Hide the count cells below `threshold` and whatever the shown totals would give away.

    `frame` has one label column and the count columns; totals are added as a `total_label`
    column (row totals) and a `total_label` row (column totals) when asked for. Zero cells are
    hidden too unless `zeros_are_safe` (a structural zero tells nothing about a person).
    """
    interior = frame.select(counts).to_numpy().astype(float).reshape(frame.height, len(counts))
    full = with_margins(interior, row_totals, col_totals)
    primary = full < threshold
    if zeros_are_safe:
        primary &= full != 0
    mask = secondary_suppression(full, primary, row_totals, col_totals)
    return _as_frames(
        frame, label, counts, full, mask, primary, row_totals, col_totals, total_label
    )


def protect_magnitudes(
    frame: pl.DataFrame,
    label: str,
    values: list[str],
    largest: dict[str, list[str]],
    contributors: dict[str, str],
    threshold: int = DEFAULT_THRESHOLD,
    n: int = 2,
    k: float = 0.85,
    row_totals: bool = False,
    col_totals: bool = False,
    total_label: str = "Total",
) -> Protected:
    """Magnitude cells (e.g. seizure values): hidden when dominated or with few contributors.

    `largest[value]` names the columns holding that cell's largest contributions (descending),
    `contributors[value]` the column holding its number of contributors.
    """
    interior = frame.select(values).to_numpy().astype(float).reshape(frame.height, len(values))
    tops = np.stack([frame.select(largest[v]).to_numpy().astype(float) for v in values], axis=1)
    counts = frame.select([contributors[v] for v in values]).to_numpy().astype(float)
    sensitive = dominance(interior, tops, n, k) | (counts < threshold)
    full = with_margins(interior, row_totals, col_totals)
    primary = np.zeros(full.shape, dtype=bool)
    primary[: frame.height, : len(values)] = sensitive
    mask = secondary_suppression(full, primary, row_totals, col_totals)
    return _as_frames(
        frame, label, values, full, mask, primary, row_totals, col_totals, total_label
    )


def _as_frames(frame, label, columns, full, mask, primary, row_totals, col_totals, total_label):
    labels = [str(v) for v in frame[label].to_list()] + ([total_label] if col_totals else [])
    names = list(columns) + ([total_label] if row_totals else [])
    integral = all(frame.schema[c].is_integer() for c in columns)
    data: dict[str, list] = {label: labels}
    hidden: dict[str, list] = {label: [False] * len(labels)}
    for j, name in enumerate(names):
        col = [None if mask[i, j] else full[i, j] for i in range(len(labels))]
        data[name] = [None if v is None else (int(v) if integral else float(v)) for v in col]
        hidden[name] = [bool(mask[i, j]) for i in range(len(labels))]
    dtype = pl.Int64 if integral else pl.Float64
    table = pl.DataFrame(data, schema={label: pl.String} | {c: dtype for c in names}, strict=False)
    return Protected(
        table=table,
        suppressed=pl.DataFrame(hidden),
        primary=int(primary.sum()),
        secondary=int((mask & ~primary).sum()),
    )
