"""Disclosure control: no small cell is shown, and none can be worked out from the totals.

The "can it be worked out" oracle is independent of the code under test: linear algebra on
the published equations (a hidden cell is determined exactly when its unit vector lies in the
row space of the equations restricted to the hidden cells).
"""

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.disclosure import dominance, protect_counts, protect_magnitudes


def determined_cells(mask: np.ndarray, row_totals: bool, col_totals: bool) -> list:
    """Hidden cells of the augmented table fixed by the published line equations."""
    rows, cols = mask.shape
    m = rows - (1 if col_totals else 0)
    n = cols - (1 if row_totals else 0)
    equations = []
    if row_totals:  # each row (the totals row too, when there is one): cells - total = 0
        for i in range(rows):
            eq = np.zeros(mask.shape)
            eq[i, :n] = 1
            eq[i, n] = -1
            equations.append(eq)
    if col_totals:
        for j in range(cols):
            eq = np.zeros(mask.shape)
            eq[:m, j] = 1
            eq[m, j] = -1
            equations.append(eq)
    hidden = list(zip(*np.nonzero(mask), strict=True))
    if not equations or not hidden:
        return []
    a = np.array([[eq[c] for c in hidden] for eq in equations])
    rank = np.linalg.matrix_rank(a)
    found = []
    for k, cell in enumerate(hidden):
        unit = np.zeros(len(hidden))
        unit[k] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            found.append(cell)
    return found


tables = st.integers(1, 6).flatmap(
    lambda m: st.integers(1, 5).flatmap(
        lambda n: st.lists(
            st.lists(st.one_of(st.integers(0, 12), st.integers(0, 400)), min_size=n, max_size=n),
            min_size=m,
            max_size=m,
        )
    )
)


def frame_of(rows: list[list[int]]) -> pl.DataFrame:
    n = len(rows[0])
    data = {"county": [f"J{i}" for i in range(len(rows))]}
    data |= {f"y{j}": [r[j] for r in rows] for j in range(n)}
    return pl.DataFrame(data)


@settings(max_examples=300, deadline=None)
@given(
    rows=tables, row_totals=st.booleans(), col_totals=st.booleans(), threshold=st.integers(1, 15)
)
def test_no_small_cell_shown_and_none_recoverable(rows, row_totals, col_totals, threshold):
    frame = frame_of(rows)
    counts = [c for c in frame.columns if c != "county"]
    out = protect_counts(frame, "county", counts, threshold, row_totals, col_totals)
    shown = out.table.drop("county").to_numpy()
    mask = out.suppressed.drop("county").to_numpy().astype(bool)
    truth = np.array(rows, dtype=float)
    if row_totals:
        truth = np.column_stack([truth, truth.sum(axis=1)])
    if col_totals:
        truth = np.vstack([truth, truth.sum(axis=0)])
    assert shown.shape == truth.shape
    # every visible cell is the true value and at least the threshold
    visible = ~mask
    assert (truth[visible] >= threshold).all()
    assert np.array_equal(shown[visible].astype(float), truth[visible])
    # every cell below the threshold is hidden, and no hidden cell follows from the totals
    assert mask[truth < threshold].all()
    assert determined_cells(mask, row_totals, col_totals) == []


def test_a_worked_example_by_hand():
    # 3 counties × 2 years with both totals; one cell (4) is small.
    frame = pl.DataFrame({"county": ["AB", "CJ", "B"], "2024": [4, 30, 50], "2025": [20, 25, 60]})
    out = protect_counts(frame, "county", ["2024", "2025"], 10, row_totals=True, col_totals=True)
    hidden = {
        (row["county"], c)
        for row, flags in zip(
            out.table.iter_rows(named=True), out.suppressed.iter_rows(named=True), strict=True
        )
        for c, f in flags.items()
        if f is True
    }
    # 4 is hidden; AB's other year and a second county must go too, so that neither the AB
    # row total nor the 2024 column total gives it away: the cheapest are AB 2025 (20) and
    # CJ 2024 (30) with CJ 2025 (25) closing the cycle.
    assert ("AB", "2024") in hidden
    assert out.primary == 1 and out.secondary >= 3
    assert out.table.filter(pl.col("county") == "Total")["Total"].item() == 189


def test_restricted_view_is_the_results_unchanged():
    frame = pl.DataFrame({"market": ["a", "b"], "groups": [3, 40]})
    out = protect_counts(frame, "market", ["groups"], threshold=1)
    assert out.table["groups"].to_list() == [3, 40]
    assert out.primary == out.secondary == 0


def test_dominance_rule():
    # one seizure of 900 in a cell of 1 000: dominated; ten seizures of 100: not
    assert dominance(np.array([1000.0]), np.array([[900.0, 50.0]]), n=1, k=0.85).tolist() == [True]
    assert dominance(np.array([1000.0]), np.array([[100.0, 100.0]]), n=2, k=0.85).tolist() == [
        False
    ]


def test_magnitude_table_hides_dominated_and_thin_cells():
    frame = pl.DataFrame(
        {
            "route": ["Balkans", "Black Sea", "North"],
            "value": [1000.0, 5000.0, 800.0],
            "top1": [950.0, 900.0, 100.0],
            "top2": [10.0, 800.0, 90.0],
            "n": [12, 40, 4],
        }
    )
    out = protect_magnitudes(
        frame, "route", ["value"], {"value": ["top1", "top2"]}, {"value": "n"}, col_totals=True
    )
    hidden = out.suppressed["value"].to_list()
    assert hidden[0] and hidden[2]  # dominated; only 4 seizures
    assert determined_cells(out.suppressed.drop("route").to_numpy().astype(bool), False, True) == []
