"""XLSX and Parquet files checked against the source's limits before a reader touches them.

Both are compressed containers whose readers allocate what the file claims: a 2 KB XLSX whose
sheet declares the whole grid (A1:XFD1048576) makes the Excel reader ask for hundreds of
gigabytes, a small Parquet file can unpack to gigabytes. So the claims are read first and
compared with the contract's limits (contracts.model.Limits): an XLSX is unpacked once as a
stream (never held whole) counting its bytes, the sheets' declared and used extents and the
formula cells without a saved value; a Parquet file's footer gives its rows, columns and
unpacked size. A file over a limit is refused naming the limit.

The sheet read is the contract's (`sheet`), else the only sheet whose first row holds the
contract's columns: a workbook with several such sheets is refused rather than half read.
"""

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from analysis.contracts.model import Limits
from analysis.ingest.decode import Unreadable

_CHUNK = 1 << 20
_DIMENSION = re.compile(
    rb'<dimension\s+ref="([A-Z]{1,3})?([0-9]{1,9})?(?::([A-Z]{1,3})([0-9]{1,9}))?"'
)
_REF = re.compile(rb'\sr="([A-Z]{1,3})?([0-9]{1,9})"')
_FORMULA_ONLY = re.compile(
    rb"<c\b([^>]*)>\s*<f\b[^>]*?(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>"
)
_SHEET = re.compile(rb'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_REL_REVERSED = re.compile(rb'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')


def column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


@dataclass
class Sheet:
    name: str
    part: str  # its XML inside the zip
    rows: int = 0  # the extent: declared or used, whichever is larger
    columns: int = 0
    formula_cells: list[str] = field(default_factory=list)  # cells with no saved value


def _unescape(name: bytes) -> str:
    text = name.decode("utf-8", errors="replace")
    for escaped, plain in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'")):
        text = text.replace(escaped, plain)
    return text.replace("&amp;", "&")


def _sheets(book: zipfile.ZipFile) -> list[Sheet]:
    try:
        workbook = book.read("xl/workbook.xml")
        rels = book.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        raise Unreadable("is not an Excel workbook (no xl/workbook.xml)") from None
    targets = {rid: target for rid, target in _REL.findall(rels)}
    targets |= {rid: target for target, rid in _REL_REVERSED.findall(rels)}
    sheets = []
    for name, rid in _SHEET.findall(workbook):
        target = targets.get(rid, b"").decode("utf-8", errors="replace")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        sheets.append(Sheet(_unescape(name), part))
    return sheets


def _scan_sheet(stream, sheet: Sheet, budget: list[int]) -> None:
    """Stream one sheet's XML: its extent (declared and used) and formula-only cells."""
    carry = b""
    first = True
    while chunk := stream.read(_CHUNK):
        budget[0] -= len(chunk)
        if budget[0] < 0:
            return
        data = carry + chunk
        cut = data.rfind(b"<c ")
        if cut < 0 or len(data) - cut > 1 << 16:
            cut = data.rfind(b"<")
        part, carry = data[:cut], data[cut:]
        if first:
            found = _DIMENSION.search(part)
            if found and found[3]:
                sheet.columns = column_number(found[3])
                sheet.rows = int(found[4])
            first = False
        _extent(part, sheet)
    _extent(carry, sheet)


def _extent(part: bytes, sheet: Sheet) -> None:
    for letters, digits in _REF.findall(part):
        if letters:
            sheet.columns = max(sheet.columns, column_number(letters))
        sheet.rows = max(sheet.rows, int(digits))
    for attributes in _FORMULA_ONLY.findall(part):
        ref = _REF.search(b" " + attributes)
        if ref and len(sheet.formula_cells) < 5:
            sheet.formula_cells.append((ref[1] + ref[2]).decode())


def check_xlsx(path: Path, limits: Limits) -> list[Sheet]:
    """The workbook's sheets with their extents, or Unreadable naming the limit broken."""
    try:
        with zipfile.ZipFile(path) as book:
            infos = book.infolist()
            declared = sum(i.file_size for i in infos)
            if declared > limits.max_unpacked_bytes:
                raise Unreadable(_over_size(declared, limits))
            sheets = _sheets(book)
            by_part = {s.part: s for s in sheets}
            budget = [limits.max_unpacked_bytes]
            for info in infos:
                with book.open(info) as stream:
                    sheet = by_part.get(info.filename)
                    if sheet is not None:
                        _scan_sheet(stream, sheet, budget)
                    else:
                        while block := stream.read(_CHUNK):
                            budget[0] -= len(block)
                            if budget[0] < 0:
                                break
                if budget[0] < 0:
                    raise Unreadable(_over_size(limits.max_unpacked_bytes + 1, limits))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
        raise Unreadable(f"cannot be read as xlsx: {exc}".splitlines()[0]) from None
    cells = max_cells(limits)
    for sheet in sheets:
        if sheet.rows > limits.max_rows + 1 or sheet.columns > limits.max_columns:
            raise Unreadable(
                f'sheet "{sheet.name}" spans {sheet.rows:,} rows by {sheet.columns:,} columns, '
                f"over the limit of {limits.max_rows:,} rows and {limits.max_columns:,} columns "
                "(max_rows, max_columns in the contract)"
            )
        if sheet.rows * sheet.columns > cells:
            raise Unreadable(
                f'sheet "{sheet.name}" spans {sheet.rows:,} rows by {sheet.columns:,} columns, '
                f"more than the {cells:,} cells an extract of this source may unpack to "
                "(max_unpacked_mib in the contract)"
            )
    return sheets


def max_cells(limits: Limits) -> int:
    """The grid an Excel reader may be asked to allocate: it reserves every cell of a sheet's
    extent (tens of bytes each), filled or not, so the extent is bounded like the bytes."""
    return limits.max_unpacked_bytes // 8


def _over_size(size: int, limits: Limits) -> str:
    return (
        f"unpacks to more than {limits.max_unpacked_bytes >> 20:,} MiB, the limit for this "
        "source (max_unpacked_mib in the contract)"
    )


def check_parquet(path: Path, limits: Limits) -> None:
    """Unreadable if the Parquet footer claims more rows, columns or bytes than the limits."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as exc:  # the reader's own words
        raise Unreadable(f"cannot be read as parquet: {exc}".splitlines()[0]) from None
    unpacked = sum(
        meta.row_group(g).column(c).total_uncompressed_size
        for g in range(meta.num_row_groups)
        for c in range(meta.num_columns)
    )
    if meta.num_columns > limits.max_columns:
        raise Unreadable(
            f"has {meta.num_columns:,} columns, over the limit of {limits.max_columns:,} "
            "(max_columns in the contract)"
        )
    if meta.num_rows > limits.max_rows:
        raise Unreadable(
            f"has {meta.num_rows:,} rows, over the limit of {limits.max_rows:,} "
            "(max_rows in the contract)"
        )
    if unpacked > limits.max_unpacked_bytes:
        raise Unreadable(_over_size(unpacked, limits))
