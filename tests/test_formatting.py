"""Numbers are rounded once, when shown: tricky values worked out by hand, as a reader rounds
them (half away from zero, on the number as written), in both languages and in tables."""

import numpy as np
import polars as pl
import pytest

from analysis.report.formatting import markdown_table, num, parse_number

NB = "\u202f"  # narrow no-break space between thousands


@pytest.mark.parametrize(
    ("value", "decimals", "ro", "en"),
    [
        (3.054, 1, "3,1", "3.1"),  # kept whole, shown once: never 3.05 -> "3,0"
        (3.05, 1, "3,1", "3.1"),  # stored in binary as 3.04999...; written 3.05, so up
        (3.049, 1, "3,0", "3.0"),
        (2.675, 2, "2,68", "2.68"),  # Python's format gives 2.67
        (1.005, 2, "1,01", "1.01"),
        (2.9449, 2, "2,94", "2.94"),
        (0.125, 2, "0,13", "0.13"),
        (2.5, 0, "3", "3"),  # not to the even 2
        (3.5, 0, "4", "4"),
        (-2.5, 0, "-3", "-3"),
        (-0.04, 1, "0,0", "0.0"),  # no "-0,0"
        (12345.65, 1, f"12{NB}345,7", "12,345.7"),
        (1234567, 0, f"1{NB}234{NB}567", "1,234,567"),
        (7, 1, "7,0", "7.0"),
        (np.float64(2.675), 2, "2,68", "2.68"),
        (np.int64(1500), 0, f"1{NB}500", "1,500"),
        (float("nan"), 1, "–", "–"),
    ],
)
def test_tricky_values_round_once_as_a_reader_would(value, decimals, ro, en):
    assert num(value, decimals) == ro
    assert num(value, decimals, "en") == en


def test_a_table_rounds_its_cells_the_same_way_and_reads_back():
    frame = pl.DataFrame({"county": ["Mehedinți", "Ilfov"], "rate": [3.054, 2.675]})
    text = markdown_table(frame, {"county": "Județ", "rate": "Rata"}, {"rate": 1})
    assert "| Mehedinți | 3,1 |" in text and "| Ilfov | 2,7 |" in text
    assert parse_number(num(12345.65, 1)) == 12345.7
    assert parse_number(num(12345.65, 1, "en")) == 12345.7
