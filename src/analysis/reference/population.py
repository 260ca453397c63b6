"""Resident population on 1 January by county (INS TEMPO POP105A), the denominator of every rate.

The file is kept exactly as TEMPO exports it; this module reads that layout so the synthetic
generator and ingest agree on what a county's population is.
"""

import csv
from pathlib import Path

import polars as pl

from analysis.reference.counties import county_code
from analysis.reference.files import reference_file

TEMPO_FILE = "POP105A_county_totals_2012_2025.csv"


def read_tempo_population(path: Path) -> pl.DataFrame:
    """Parse a TEMPO POP105A export (`, `-separated, `Anul 2024`) into county, year, population.

    Raises ValueError naming the row when a county or a year cannot be read.
    """
    rows = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, skipinitialspace=True)
        header = next(reader)
        if len(header) < 7:
            raise ValueError(f"{path.name}: not a TEMPO POP105A export (header {header!r})")
        for line_no, rec in enumerate(reader, start=2):
            if not rec:
                continue
            area, year_text, value = rec[3].strip(), rec[4].strip(), rec[6].strip()
            if not year_text.startswith("Anul "):
                raise ValueError(
                    f'{path.name} row {line_no}: year "{year_text}" is not "Anul YYYY"'
                )
            try:
                code = county_code(area)
            except ValueError as exc:
                raise ValueError(f"{path.name} row {line_no}: {exc}") from None
            rows.append((code, int(year_text[5:]), int(value)))
    return pl.DataFrame(
        rows, schema={"county": pl.String, "year": pl.Int32, "population": pl.Int64}, orient="row"
    )


def county_population() -> pl.DataFrame:
    """The embedded INS table: 42 counties x 2012-2025."""
    return read_tempo_population(reference_file(TEMPO_FILE))
