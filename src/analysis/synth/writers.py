"""Bytes on disk exactly as each partner's system produces them, written atomically and
reproducibly.

Every file goes to a temporary name next to its destination and is renamed only when complete,
so a failed run never leaves half a file. Nothing time-dependent reaches the bytes: the XLSX
document date is fixed, the Parquet file carries no creation time, so the same seed gives the
same sha256 for every file.
"""

import datetime as dt
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import xlsxwriter

from analysis.synth.spelling import to_cedilla

Advance = Callable[[float], None]
XLSX_CREATED = dt.datetime(2026, 11, 1)  # the reference date, so the document never changes
_CHUNK = 100_000


@contextmanager
def atomic(path: Path) -> Iterator[Path]:
    """A temporary path that replaces `path` when the block succeeds, and is removed if not."""
    tmp = path.with_name(f".{path.name}.partial")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _nulls_for_empty(frame: pl.DataFrame) -> pl.DataFrame:
    """An empty text is an empty field: written as nothing, never as `""`."""
    return frame.with_columns(pl.col(pl.String).replace("", None))


def write_csv(
    frame: pl.DataFrame,
    path: Path,
    *,
    separator: str,
    encoding: str = "utf-8",
    bom: bool = False,
    crlf: bool = False,
    advance: Advance | None = None,
) -> None:
    """CSV in chunks; `cp1250` also turns comma-below letters into the cedilla ones."""
    frame = _nulls_for_empty(frame)
    if encoding == "cp1250":
        frame = to_cedilla(frame)
    with atomic(path) as tmp, tmp.open("wb") as f:
        if bom:
            f.write("\ufeff".encode())
        for start in range(0, max(frame.height, 1), _CHUNK):
            part = frame.slice(start, _CHUNK)
            text = part.write_csv(
                separator=separator,
                line_terminator="\r\n" if crlf else "\n",
                include_header=start == 0,
            )
            f.write(text.encode(encoding))
            if advance:
                advance(part.height / max(frame.height, 1))


def write_xlsx(
    frame: pl.DataFrame,
    path: Path,
    *,
    dates: tuple[str, ...] = (),
    numbers: tuple[str, ...] = (),
    advance: Advance | None = None,
) -> None:
    """First sheet, header row, then one row per record. Cells of `dates` that hold a real
    dd.mm.yyyy date (1900 or later) become date cells shown as dd.mm.yyyy, cells of `numbers`
    that hold a number become numbers; anything else (an impossible date, say) stays text."""
    frame = _nulls_for_empty(frame)
    typed = frame.with_columns(
        *(pl.col(c).str.to_date("%d.%m.%Y", strict=False) for c in dates),
        *(pl.col(c).cast(pl.Float64, strict=False) for c in numbers),
    )
    date_at = [frame.columns.index(c) for c in dates]
    number_at = [frame.columns.index(c) for c in numbers]
    with atomic(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_numbers": False})
        book.set_properties({"created": XLSX_CREATED})
        sheet = book.add_worksheet()
        date_format = book.add_format({"num_format": "dd.mm.yyyy"})
        sheet.write_row(0, 0, frame.columns)
        step = max(1, frame.height // 20)
        for r, (text, value) in enumerate(zip(frame.iter_rows(), typed.iter_rows(), strict=True)):
            for c, cell in enumerate(text):
                if cell is None:
                    continue
                if c in date_at and value[c] is not None and value[c].year >= 1900:
                    sheet.write_datetime(r + 1, c, value[c], date_format)
                elif c in number_at and value[c] is not None:
                    sheet.write_number(r + 1, c, value[c])
                else:
                    sheet.write_string(r + 1, c, cell)
            if advance and (r + 1) % step == 0:
                advance(step / frame.height)
        book.close()


def write_parquet(frame: pl.DataFrame, path: Path) -> None:
    """Parquet (zstd, statistics), nothing in the metadata but the schema."""
    frame = _nulls_for_empty(frame)
    with atomic(path) as tmp:
        frame.write_parquet(tmp, compression="zstd", statistics=True)


def copy_file(source: Path, path: Path) -> None:
    with atomic(path) as tmp:
        shutil.copyfile(source, tmp)


def write_text(text: str, path: Path) -> None:
    with atomic(path) as tmp:
        tmp.write_bytes(text.encode("utf-8"))
