"""Numbers and tables the Romanian way: 12 345,6 (space for thousands, comma for decimals).

Report authors call these from templates, so a number is cited the same way everywhere.
Numbers are rounded here, once, at presentation: results keep full precision, since rounding
a rounded value can move it (3.054 kept as 3.05, then shown with one decimal, gave "3,0").
Rounding is half away from zero on the number as written in decimal (2.675 -> 2.68), as a
reader checks it by hand, not on its binary approximation (Python's format gives 2.67).
"""

import math
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

THIN_NBSP = "\u202f"  # narrow no-break space: thousands never split across lines


def rounded(value: float | int, decimals: int = 0) -> Decimal:
    """`value` rounded half away from zero to `decimals`, from its shortest decimal form."""
    if isinstance(value, float):
        exact = Decimal(repr(float(value)))  # numpy floats write their type in repr
    elif isinstance(value, int):
        exact = Decimal(int(value))
    else:  # numpy integers, Decimal
        exact = Decimal(str(value))
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def num(value: float | int, decimals: int = 0, lang: str = "ro") -> str:
    """`12345.678` -> `12 345,7` in Romanian (narrow no-break spaces), `12,345.7` in English."""
    if isinstance(value, float) and not math.isfinite(value):
        return "–"
    r = rounded(value, decimals)
    text = f"{r + 0:,.{decimals}f}"  # + 0: -0.0 after rounding is written 0
    if lang == "en":
        return text
    return text.replace(",", THIN_NBSP).replace(".", ",")


def markdown_table(
    frame: pl.DataFrame, columns: dict[str, str], decimals: dict[str, int], lang: str = "ro"
) -> str:
    """A Pandoc pipe table of `frame`'s `columns` (name -> heading); numbers right-aligned."""
    headings = list(columns.values())
    numeric = [frame.schema[c].is_numeric() for c in columns]
    rule = ["---:" if n else ":---" for n in numeric]
    lines = ["| " + " | ".join(headings) + " |", "|" + "|".join(rule) + "|"]
    for row in frame.select(list(columns)).iter_rows(named=True):
        cells = [
            num(v, decimals.get(c, 0), lang) if isinstance(v, int | float) else _escape(str(v))
            for c, v in row.items()
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _escape(text: str) -> str:
    """Pipe tables break on `|`; Markdown would interpret `*`, `_`, `<` in a value."""
    return "".join("\\" + ch if ch in "|*_<>[]`\\#" else ch for ch in text)


def cell(value, decimals: int = 0, lang: str = "ro", hidden: bool = False) -> str:
    """One table cell: a number the language's way, text as is, a hidden cell as its symbol."""
    from analysis.disclosure import SYMBOL

    if hidden:
        return SYMBOL
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return num(value, decimals, lang)
    return str(value)


def parse_number(text: str) -> float | None:
    """Read back a number written by `num` in either language (`12 345,6` or `12,345.6`)."""
    t = text.strip().replace(THIN_NBSP, "").replace("\u00a0", "").replace(" ", "")
    if not t or not any(ch.isdigit() for ch in t):
        return None
    if "," in t and "." not in t and t.count(",") == 1 and len(t.split(",")[1]) != 3:
        t = t.replace(",", ".")  # Romanian decimal comma
    elif "," in t and "." in t and t.rfind(",") > t.rfind("."):
        t = t.replace(".", "").replace(",", ".")
    else:
        t = t.replace(",", "")
    try:
        return float(t)
    except ValueError:
        return None
