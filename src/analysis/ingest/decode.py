"""Read a partner file, whatever its encoding, separator or container, as a frame of strings.

Every value stays text here: typing is the validator's job, so a badly typed cell becomes a
quarantined row with a reason instead of a crash or a silent null. Problems that belong to a
whole record (a byte the encoding cannot hold, a record with too few or too many fields) are
returned as row problems, so those rows are quarantined too and nothing is lost.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from analysis.reference.text import strip_diacritics

BOM = b"\xef\xbb\xbf"
REPLACEMENT = "\ufffd"
# UTF-8 forms of ă â î ș ț Ă Â Î Ș Ț ş ţ: a file full of them is UTF-8 even if one byte is bad
_UTF8_ROMANIAN = re.compile(
    rb"\xc4[\x82\x83]|\xc3[\x82\xa2\x8e\xae]|\xc8[\x98-\x9b]|\xc5[\x9e\x9f\xa2\xa3]"
)
INDEX = "_record"  # 0-based record number carried through validation


class Unreadable(ValueError):
    """The file cannot be read as the source at all (exit 2): the message says why."""


@dataclass
class Decoded:
    frame: pl.DataFrame  # strings, canonical headers, plus INDEX
    read_as: dict
    row_problems: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={"index": pl.Int64, "rule": pl.String, "header": pl.String, "value": pl.String}
        )
    )


def canonical_header(name: str) -> str:
    """Header names are case-, whitespace- and diacritics-insensitive: ` Județ ` -> `JUDET`."""
    return " ".join(strip_diacritics(name).upper().split())


def decode_text(raw: bytes) -> tuple[str, str]:
    """Text and the encoding read: UTF-8 (BOM or not) or Windows-1250. Undecodable bytes become
    U+FFFD (their rows are quarantined); UTF-16 and binary files are refused."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]:
        raise Unreadable("is UTF-16 or binary; partners send UTF-8 or Windows-1250 text")
    if raw.startswith(BOM):
        return raw[len(BOM) :].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        if len(_UTF8_ROMANIAN.findall(raw[: 1 << 20])) >= 3:
            return raw.decode("utf-8", errors="replace"), "utf-8"
    return raw.decode("cp1250", errors="replace"), "cp1250"


def sniff_separator(header: str) -> str:
    """`;` or `,`, whichever splits the header row into more fields."""
    return ";" if header.count(";") >= header.count(",") else ","


def _field_counts(text: str, separator: str) -> list[int] | None:
    """Fields per record when some record may be ragged; None when every record is clean.

    Lines are counted with polars; only lines holding quotes go through the csv module, and the
    whole text only when a quoted field spans lines (an odd number of quotes on a line).
    """
    lines = pl.Series(text.splitlines())
    lines = lines.filter(lines != "")
    if not lines.len():
        return []
    quotes = lines.str.count_matches('"', literal=True)
    if (quotes % 2 == 1).any():
        return [len(rec) for rec in csv.reader(io.StringIO(text), delimiter=separator) if rec]
    counts = lines.str.count_matches(separator, literal=True) + 1
    quoted = (quotes > 0).arg_true().to_list()
    if not quoted and counts.n_unique() == 1:
        return None
    fields = counts.to_list()
    for i in quoted:
        fields[i] = len(next(csv.reader([lines[i]], delimiter=separator)))
    return fields


def _read_csv(path: Path) -> Decoded:
    raw = path.read_bytes()
    if not raw.strip():
        raise Unreadable("is empty")
    text, encoding = decode_text(raw)
    header = text.split("\n", 1)[0]
    separator = sniff_separator(header)
    frame = pl.read_csv(
        text.encode("utf-8"),
        separator=separator,
        infer_schema=False,
        quote_char='"',
        empty_string_is_null=False,
        truncate_ragged_lines=True,
        raise_if_empty=False,
    )
    problems = []
    counts = _field_counts(text, separator)
    if counts:
        width = counts[0]
        bad = [(i - 1, n) for i, n in enumerate(counts) if i and n != width]
        problems += [
            (
                i,
                "_row:fields",
                "*",
                f"record has {n} fields, the header has {width} (truncated or shifted line?)",
            )
            for i, n in bad
        ]
    frame = frame.fill_null("")
    if REPLACEMENT in text:
        hit = frame.select(pl.any_horizontal(pl.all().str.contains(REPLACEMENT, literal=True)))
        rows = hit.to_series().arg_true().to_list()
        problems += [
            (i, "_row:encoding", "*", f"holds bytes that are not valid {encoding}") for i in rows
        ]
    info = {"format": "csv", "encoding": encoding, "separator": separator}
    return _decoded(frame, info, problems)


def _decoded(frame: pl.DataFrame, info: dict, problems: list[tuple]) -> Decoded:
    frame = frame.rename({c: canonical_header(c) for c in frame.columns})
    frame = frame.select(pl.all().cast(pl.String).fill_null("")).with_row_index(INDEX)
    decoded = Decoded(frame.with_columns(pl.col(INDEX).cast(pl.Int64)), info)
    if problems:
        decoded.row_problems = pl.DataFrame(
            problems,
            schema={"index": pl.Int64, "rule": pl.String, "header": pl.String, "value": pl.String},
            orient="row",
        )
    return decoded


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


def read_partner_file(path: Path) -> Decoded:
    """A CSV, XLSX (first sheet) or Parquet partner file as strings, with row-level problems."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return _decoded(pl.read_parquet(path), {"format": "parquet"}, [])
        if suffix == ".xlsx":
            frame = pl.read_excel(path, infer_schema_length=0)
            return _decoded(_excel_cells_as_typed(frame), {"format": "xlsx"}, [])
        return _read_csv(path)
    except Unreadable:
        raise
    except Exception as exc:  # the reader's own words, on one line
        message = f"cannot be read as {suffix.lstrip('.') or 'csv'}: {exc}".splitlines()[0]
        raise Unreadable(message) from None
