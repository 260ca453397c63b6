"""Read a partner file, whatever its encoding, separator or container, as batches of strings.

Every value stays text here: typing is the validator's job, so a badly typed cell becomes a
quarantined row with a reason instead of a crash or a silent null. Problems that belong to a
whole record (a byte the encoding cannot hold, a record with too few or too many fields) are
returned as row problems, so those rows are quarantined too and nothing is lost.

A CSV is streamed: blocks of whole records (never cut inside a quoted field) are decoded and
parsed one at a time, so a national extract of hundreds of megabytes needs memory for one
block, not for the file.
"""

import csv
import io
import re
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from analysis.contracts.model import Limits
from analysis.ingest.freetext import scrub
from analysis.reference.text import strip_diacritics

BOM = b"\xef\xbb\xbf"
REPLACEMENT = "\ufffd"
# UTF-8 forms of ă â î ș ț Ă Â Î Ș Ț ş ţ: a block full of them is UTF-8 even if one byte is bad
_UTF8_ROMANIAN = re.compile(
    rb"\xc4[\x82\x83]|\xc3[\x82\xa2\x8e\xae]|\xc8[\x98-\x9b]|\xc5[\x9e\x9f\xa2\xa3]"
)
INDEX = "_record"  # 0-based record number in the file, carried through validation
BLOCK_BYTES = 16 << 20  # one CSV block: ~130,000 police records
_MARK = "\x01"  # appended to each line to find ragged records (see _parse_block)
PROBLEMS = {"index": pl.Int64, "rule": pl.String, "header": pl.String, "value": pl.String}


class Unreadable(ValueError):
    """The file cannot be read as the source at all (exit 2): the message says why."""


def no_problems() -> pl.DataFrame:
    return pl.DataFrame(schema=PROBLEMS)


@dataclass
class Batch:
    frame: pl.DataFrame  # strings, canonical headers, plus INDEX
    row_problems: pl.DataFrame = field(default_factory=no_problems)


@dataclass
class PartnerFile:
    """An opened partner file: its columns are known at once, its rows come in batches.

    `read_as` (format, encoding, separator) is complete once the batches have been read: the
    encoding of a CSV is decided by its first block that is not plain ASCII.
    """

    columns: list[str]
    read_as: dict
    batches: Iterator[Batch]
    bytes_read: int = 0  # of the file, so far: progress for a long file


def canonical_header(name: str) -> str:
    """Header names are case-, whitespace- and diacritics-insensitive: ` Județ ` -> `JUDET`."""
    return " ".join(strip_diacritics(name).upper().split())


def _refuse_binary(head: bytes) -> None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:4096]:
        raise Unreadable("is UTF-16 or binary; partners send UTF-8 or Windows-1250 text")


def guess_encoding(raw: bytes) -> str:
    """UTF-8 when the bytes are UTF-8 (or nearly: full of UTF-8 Romanian letters with one bad
    byte, whose row is then quarantined), else Windows-1250."""
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "utf-8" if len(_UTF8_ROMANIAN.findall(raw[: 1 << 20])) >= 3 else "cp1250"


def decode_text(raw: bytes) -> tuple[str, str]:
    """Text and the encoding read, for the small statistical layouts read whole. Undecodable
    bytes become U+FFFD (their rows are quarantined); UTF-16 and binary files are refused."""
    _refuse_binary(raw)
    if raw.startswith(BOM):
        return raw[len(BOM) :].decode("utf-8", errors="replace"), "utf-8-sig"
    encoding = guess_encoding(raw)
    return raw.decode(encoding, errors="replace"), encoding


def sniff_separator(header: str) -> str:
    """`;` or `,`, whichever splits the header row into more fields."""
    return ";" if header.count(";") >= header.count(",") else ","


class _Unclosed(Exception):
    """A quote opens in the first record of what is left and never closes."""


# a quoted field longer than this (and one block) is a stray quote, not a field
_LONGEST_FIELD = 1 << 20


def _blocks(stream: io.BufferedReader, size: int) -> Iterator[bytes]:
    """Blocks of whole records: each ends after a newline that is outside any quoted field.

    In RFC 4180 text a newline is outside quotes exactly when the quotes before it are even
    (an escaped quote is two quotes), so a cut needs a count, not a parse: one count over the
    block (numpy), whatever the number of lines. A quote that never closes (a stray `"` in a
    value) raises _Unclosed: it opens in the first record not yet yielded.
    """
    pending = None  # one block held back: the last one loses its trailing blank lines
    try:
        for block in _whole_records(stream, size):
            if pending is not None:
                yield pending
            pending = block
    except _Unclosed:
        if pending is not None:  # its records come before the quote that never closes
            yield pending
        raise
    if pending is not None:
        ending = b"\r\n" if pending.endswith(b"\r\n") else b"\n"
        trimmed = pending.rstrip(b"\r\n")  # blank last lines, as Windows exports end
        if trimmed:
            yield trimmed + ending


def _whole_records(stream: io.BufferedReader, size: int) -> Iterator[bytes]:
    rest = b""
    while chunk := stream.read(size):
        data = rest + chunk
        cut = _last_cut(data)
        rest = data[cut + 1 :]
        if cut >= 0:
            yield data[: cut + 1]
        elif len(rest) > max(2 * size, _LONGEST_FIELD):
            raise _Unclosed
    if rest:
        if rest.count(b'"') % 2:
            raise _Unclosed
        yield rest  # a last record without its newline (a truncated file): still read


def _last_cut(data: bytes) -> int:
    """The offset of the last newline outside quotes, or -1."""
    last = data.rfind(b"\n")
    if last < 0 or data.count(b'"', 0, last) % 2 == 0:
        return last  # the usual case: one count, no array
    raw = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(raw == ord("\n"))
    if not newlines.size:
        return -1
    quotes = np.flatnonzero(raw == ord('"'))
    outside = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
    return int(outside[-1]) if outside.size else -1


def _unclosed(row: int) -> Unreadable:
    return Unreadable(
        f'row {row}: a quote (") opens a value that never closes (a stray " inside a value? '
        'a value holding " must be written in quotes, with the quote doubled: "a ""b"" c")'
    )


class _Text:
    """The file's encoding, decided by the first block that is not plain ASCII (ASCII reads the
    same in both encodings, so deciding late never changes what was already read)."""

    def __init__(self, bom: bool) -> None:
        self.encoding = "utf-8-sig" if bom else None

    def utf8(self, block: bytes) -> tuple[bytes, bool]:
        """The block as UTF-8 bytes, and whether some byte could not be decoded."""
        if self.encoding is None:
            if block.isascii():
                return block, False
            self.encoding = guess_encoding(block)
        if self.encoding == "cp1250":
            text = block.decode("cp1250", errors="replace")
            return text.encode("utf-8"), REPLACEMENT in text
        try:
            block.decode("utf-8")
            return block, False
        except UnicodeDecodeError:
            text = block.decode("utf-8", errors="replace")
            return text.encode("utf-8"), True

    @property
    def name(self) -> str:
        return self.encoding or "utf-8"


def _fields_per_record(data: bytes, separator: str) -> list[int]:
    """Fields in each record of a block (a blank line is a record of one empty field), read
    by the csv module: for a block where a quoted field spans lines, and for ragged lines."""
    text = io.StringIO(data.decode("utf-8"), newline="")
    return [max(len(r), 1) for r in csv.reader(text, delimiter=separator)]


def _problem(index: int, n: int, width: int) -> tuple:
    return (
        index,
        "_row:fields",
        "*",
        f"record has {n} fields, the header has {width} (truncated or shifted line?)",
    )


def _quoted_newline(data: bytes) -> bool:
    """Whether a quoted field spans lines: some newline has an odd number of quotes before it."""
    raw = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(raw == ord('"'))
    if not quotes.size:
        return False
    newlines = np.flatnonzero(raw == ord("\n"))
    return bool((np.searchsorted(quotes, newlines) % 2).any())


def _read_block(data: bytes, names: list[str], separator: str) -> pl.DataFrame:
    return pl.read_csv(
        data,
        separator=separator,
        has_header=False,
        schema=dict.fromkeys(names, pl.String),
        quote_char='"',
        empty_string_is_null=False,
        truncate_ragged_lines=True,
        extra_columns="ignore",
        raise_if_empty=False,
    ).fill_null("")


def _parse_block(
    data: bytes, names: list[str], separator: str, start: int
) -> tuple[pl.DataFrame, list[tuple]]:
    """The block's records, and a problem for each record whose field count is not the
    header's.

    Usually every record is one line: a marker field is appended to each line, and a record
    whose marker is not in the column after the last is ragged (the counting is then exact
    for those few lines only). A block where a quoted field spans lines is counted whole.
    """
    width = len(names)
    if not data.endswith(b"\n"):
        data += b"\n"  # a truncated last record
    if _MARK.encode() in data or _quoted_newline(data):
        frame = _read_block(data, names, separator)
        counts = pl.Series(_fields_per_record(data, separator), dtype=pl.Int64)
        if len(counts) != frame.height:  # never guess which row a problem belongs to
            raise Unreadable(
                f"rows {start + 1} to {start + len(counts)}: a quoted value spans lines in a way "
                "the readers disagree on (a stray quote?); export again with every value quoted"
            )
        bad = (counts != width).arg_true().to_list()
        return frame, [_problem(start + i, counts[i], width) for i in bad]
    ending = b"\n"
    if b"\r" in data:  # Windows line ends: all of them, or mixed (made \n)
        ending = b"\r\n" if data.count(b"\r\n") == data.count(b"\n") else b"\n"
        if ending == b"\n":
            data = data.replace(b"\r\n", b"\n")
    marked = data.replace(ending, f"{separator}{_MARK}".encode() + ending)
    frame = _read_block(marked, [*names, _MARK], separator)
    bad = (frame[_MARK] != _MARK).arg_true().to_list()
    frame = frame.drop(_MARK)
    if not bad:
        return frame, []
    frame = frame.with_columns(pl.all().replace(_MARK, ""))  # a short record's marker
    lines = data.split(b"\n")
    counts = [_fields_per_record(lines[i] + b"\n", separator)[0] for i in bad]
    return frame, [_problem(start + i, n, width) for i, n in zip(bad, counts, strict=True)]


def _csv_batch(
    data: bytes, damaged: bool, names: list[str], separator: str, start: int, encoding: str
) -> Batch:
    frame, problems = _parse_block(data, names, separator, start)
    if b"\x00" in data:  # binary bytes past the first 4 KB: the rows holding them
        hit = frame.select(pl.any_horizontal(pl.all().str.contains("\x00", literal=True)))
        problems += [
            (start + i, "_row:encoding", "*", "holds a NUL byte (binary data, not text)")
            for i in hit.to_series().arg_true().to_list()
        ]
    if damaged:
        hit = frame.select(pl.any_horizontal(pl.all().str.contains(REPLACEMENT, literal=True)))
        problems += [
            (start + i, "_row:encoding", "*", f"holds bytes that are not valid {encoding}")
            for i in hit.to_series().arg_true().to_list()
        ]
    return _batch(frame.with_row_index(INDEX, offset=start), problems)


def _batch(frame: pl.DataFrame, problems: list[tuple]) -> Batch:
    frame = frame.with_columns(pl.col(INDEX).cast(pl.Int64))
    if not problems:
        return Batch(frame)
    return Batch(frame, pl.DataFrame(problems, schema=PROBLEMS, orient="row"))


def _unique_headers(raw_names: list[str]) -> list[str]:
    """Canonical names, each once; counted in one pass (a header of 200,000 columns is refused
    at once, not after comparing every pair)."""
    names = [canonical_header(h) for h in raw_names]
    seen = sorted(n for n, k in Counter(names).items() if k > 1)[:10]
    if seen:
        raise Unreadable(f"has more than one column named {', '.join(seen)}")
    return names


def _read_csv(path: Path, block_bytes: int, limits: Limits) -> PartnerFile:
    stream = path.open("rb")
    head = stream.read(4096)
    if not head.strip():
        stream.close()
        raise Unreadable("is empty")
    _refuse_binary(head)
    bom = head.startswith(BOM)
    stream.seek(len(BOM) if bom else 0)
    text = _Text(bom)
    blocks = _blocks(stream, block_bytes)
    try:
        first_block = next(blocks)
    except _Unclosed:
        stream.close()
        raise _unclosed(1) from None
    first, damaged = text.utf8(first_block)
    header_line, _, first = first.partition(b"\n")
    header = header_line.decode("utf-8", errors="replace").rstrip("\r")
    separator = sniff_separator(header)
    raw_names = next(csv.reader([header], delimiter=separator))
    if len(raw_names) > limits.max_columns:
        stream.close()
        raise Unreadable(
            f"has {len(raw_names):,} columns, over the limit of {limits.max_columns:,} "
            "(max_columns in the contract)"
        )
    names = _unique_headers(raw_names)
    info = {"format": "csv", "encoding": text.name, "separator": separator}
    opened = PartnerFile(names, info, iter(()), len(first_block))

    def batches() -> Iterator[Batch]:
        start, data, bad = 0, first, damaged
        try:
            while True:
                if data:
                    batch = _csv_batch(data, bad, names, separator, start, text.name)
                    start += batch.frame.height
                    yield batch
                try:
                    block = next(blocks, None)
                except _Unclosed:
                    raise _unclosed(start + 1) from None
                if block is None:
                    break
                opened.bytes_read += len(block)
                data, bad = text.utf8(block)
        finally:
            info["encoding"] = text.name
            stream.close()

    opened.batches = batches()
    return opened


def whole(frame: pl.DataFrame, info: dict, problems: list[tuple]) -> PartnerFile:
    """A file read at once (the small layouts, XLSX, Parquet) as one batch of strings."""
    names = _unique_headers(frame.columns)
    frame = frame.rename(dict(zip(frame.columns, names, strict=True)))
    frame = frame.select(pl.all().cast(pl.String).fill_null("")).with_row_index(INDEX)
    return PartnerFile(names, info, iter([_batch(frame, problems)]))


def _excel_cells_as_typed(frame: pl.DataFrame) -> pl.DataFrame:
    """Cells as the partner typed them: a date cell arrives as `2024-03-15 00:00:00` and a
    number as 17 significant digits (`11708219.310000001`); give back `2024-03-15` and the
    shortest text of the same double (`11708219.31`)."""

    def fix(c: pl.Expr) -> pl.Expr:
        long_fraction = c.str.contains(r"^-?\d+\.\d{8,}$")
        shortest = c.cast(pl.Float64, strict=False).cast(pl.String)
        dated = c.str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", "$1")
        return pl.when(long_fraction).then(shortest).otherwise(dated)

    return frame.with_columns(fix(pl.col(c)).alias(c) for c in frame.columns)


def read_partner_file(
    path: Path,
    block_bytes: int = BLOCK_BYTES,
    limits: Limits | None = None,
    sheet: str | None = None,
    headers: Collection[str] = (),
) -> PartnerFile:
    """A CSV (streamed), XLSX (one sheet: `sheet`, else the only one whose first row holds
    `headers`) or Parquet partner file as batches of strings, within `limits`."""
    from analysis.ingest import containers

    limits = limits or Limits()
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            containers.check_parquet(path, limits)
            return whole(_parquet_strings(path, limits), {"format": "parquet"}, [])
        if suffix == ".xlsx":
            chosen = _choose_sheet(path, containers.check_xlsx(path, limits), sheet, headers)
            frame = pl.read_excel(path, sheet_name=chosen, infer_schema_length=0)
            return whole(_excel_cells_as_typed(frame), {"format": "xlsx", "sheet": chosen}, [])
        return _read_csv(path, block_bytes, limits)
    except Unreadable:
        raise
    except Exception as exc:  # the reader's own words, on one line, no CNP it may quote
        message = f"cannot be read as {suffix.lstrip('.') or 'csv'}: {exc}".splitlines()[0]
        raise Unreadable(scrub(message)) from None


def _parquet_strings(path: Path, limits: Limits) -> pl.DataFrame:
    """The file as strings, a few thousand rows at a time, stopping once the strings pass the
    unpacked limit (a footer may understate what its pages unpack to)."""
    import pyarrow.parquet as pq

    frames, size = [], 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=8192):
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        frame = frame.select(pl.all().cast(pl.String))
        size += frame.estimated_size()
        if size > limits.max_unpacked_bytes:
            raise Unreadable(
                f"unpacks to more than {limits.max_unpacked_bytes >> 20:,} MiB, the limit for "
                "this source (max_unpacked_mib in the contract)"
            )
        frames.append(frame)
    if not frames:
        raise Unreadable("has no rows")
    return pl.concat(frames)


def _choose_sheet(path: Path, sheets: list, wanted: str | None, headers: Collection[str]) -> str:
    """The sheet to read, its formula cells checked; Unreadable says why none or several."""
    names = [s.name for s in sheets]
    if wanted is not None:
        if wanted not in names:
            raise Unreadable(f'has no sheet "{wanted}" (its sheets: {", ".join(names)})')
        chosen = next(s for s in sheets if s.name == wanted)
    elif len(sheets) == 1:
        chosen = sheets[0]
    else:
        import fastexcel

        reader = fastexcel.read_excel(path)
        expected = set(headers)
        fits = [
            s
            for s in sheets
            if expected
            and expected <= {canonical_header(str(c)) for c in _first_row(reader, s.name)}
        ]
        if len(fits) != 1:
            which = ", ".join(f'"{s.name}"' for s in fits) if fits else "none"
            raise Unreadable(
                f"has {len(sheets)} sheets and {which} with the source's columns: keep one "
                "sheet, or name it in the contract (sheet)"
            )
        chosen = fits[0]
    if chosen.formula_cells:
        cells = ", ".join(chosen.formula_cells)
        raise Unreadable(
            f'sheet "{chosen.name}" cell(s) {cells} hold a formula without a saved value: '
            "open the file in Excel, let it calculate, save it and send it again"
        )
    return chosen.name


def _first_row(reader, name: str) -> list[str]:
    try:
        return [c.name for c in reader.load_sheet(name, n_rows=0).available_columns()]
    except Exception:  # an empty sheet, a chart sheet: not a candidate
        return []
