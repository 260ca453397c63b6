"""The two statistical bulk layouts, turned into one record per observation for validation.

INS TEMPO exports `, `-separated rows with the year as `Anul 2024`; Eurostat's bulk TSV has a
comma-joined key column (`freq,iccs,unit,geo\\TIME_PERIOD`) and one column per year, `:` for a
missing value and flags after a space (`123 p`). Both are kept as text here; the contract's
rules judge them like any partner file.
"""

from pathlib import Path

import polars as pl

from analysis.ingest.decode import PartnerFile, Unreadable, decode_text, whole


def read_tempo(path: Path) -> PartnerFile:
    text, encoding = decode_text(path.read_bytes())
    if not text.strip():
        raise Unreadable("is empty")
    lines = [line for line in text.splitlines() if line.strip()]
    rows = [[cell.strip() for cell in line.split(",")] for line in lines]
    header, body = rows[0], rows[1:]
    if len(header) != 7:
        raise Unreadable(f"is not a TEMPO export: expected 7 columns, found {len(header)}")
    width_ok = [r if len(r) == 7 else (r + [""] * 7)[:7] for r in body]
    frame = pl.DataFrame(width_ok, schema=header, orient="row")
    problems = [
        (i, "_row:fields", "*", f"record has {len(r)} fields, the header has 7")
        for i, r in enumerate(body)
        if len(r) != 7
    ]
    return whole(frame, {"format": "tempo", "encoding": encoding}, problems)


def read_eurostat(path: Path) -> PartnerFile:
    text, encoding = decode_text(path.read_bytes())
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise Unreadable("is empty")
    header = [h.strip() for h in lines[0].split("\t")]
    if not header[0].lower().startswith("freq,iccs,unit,geo"):
        raise Unreadable(f"is not a Eurostat crim_off_cat bulk file (first column {header[0]!r})")
    years = header[1:]
    records = []
    for line_no, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        key = cells[0].split(",")
        key = (key + [""] * 4)[:4]
        for year, cell in zip(
            years, cells[1:] + [""] * (len(years) - len(cells) + 1), strict=False
        ):
            value, _, flag = cell.strip().partition(" ")
            records.append([*key, year, "" if value == ":" else value, flag.strip(), str(line_no)])
    frame = pl.DataFrame(
        records,
        orient="row",
        schema=["FREQ", "ICCS", "UNIT", "GEO", "AN", "VALOARE", "MARCAJ", "LINIE"],
    )
    return whole(frame, {"format": "eurostat", "encoding": encoding}, [])
