"""Read a partner file, whatever its encoding, separator or container, as a frame of strings.

Every value stays text here: typing is the validator's job, so a badly typed cell becomes a
quarantined row with a reason instead of a crash or a silent null.
"""

from pathlib import Path

import polars as pl

from analysis.reference.text import strip_diacritics

BOM = b"\xef\xbb\xbf"


def decode_text(raw: bytes) -> tuple[str, str]:
    """Text and the encoding it was read with: UTF-8 (with or without BOM), else Windows-1250."""
    if raw.startswith(BOM):
        return raw[len(BOM) :].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1250"), "cp1250"


def sniff_separator(text: str) -> str:
    """`;` or `,`, whichever splits the header row into more fields."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") >= header.count(",") else ","


def canonical_header(name: str) -> str:
    """Header names are case-, whitespace- and diacritics-insensitive: ` Județ ` -> `JUDET`."""
    return strip_diacritics(name).strip().upper()


def read_partner_file(path: Path) -> tuple[pl.DataFrame, dict]:
    """All cells as strings (empty cells as ""), headers canonicalised, plus how it was read."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = pl.read_parquet(path)
        info = {"format": "parquet"}
    elif suffix == ".xlsx":
        frame = pl.read_excel(path, infer_schema_length=0)
        info = {"format": "xlsx"}
    else:
        text, encoding = decode_text(path.read_bytes())
        separator = sniff_separator(text)
        frame = pl.read_csv(
            text.encode("utf-8"), separator=separator, infer_schema=False, quote_char='"'
        )
        info = {"format": "csv", "encoding": encoding, "separator": separator}
    frame = frame.rename({c: canonical_header(c) for c in frame.columns})
    frame = frame.select(pl.all().cast(pl.String).fill_null(""))
    return frame, info
