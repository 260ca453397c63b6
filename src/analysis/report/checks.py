"""A gate on the rendered sources of a public edition, before its files are kept.

The public edition is built from the public view; this check reads the rendered Markdown
(where a finding can be named by chapter and line) and refuses to publish when it finds
- a 13-digit number (a CNP, or anything that looks like one),
- a pseudonym (`k<key>-<16 hex>`), which identifies a person across sources,
- a visible count below the threshold in a count table (the `counts` blocks the table
  expressions write).
The files written from it (HTML, PDF, figures) are read again by publication.scan.
"""

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from analysis.disclosure import SYMBOL
from analysis.report.formatting import parse_number

# not a decimal fraction (0.123…, Romanian 0,123…) nor inside a hash; a CNP after a comma is seen
CNP_LIKE = re.compile(r"(?<![\w.])(?<!\d,)\d{13}(?!\w)")
PSEUDONYM = re.compile(r"k\d+-[0-9a-f]{16}")
COUNTS_OPEN = re.compile(r'^:::\s*\{\.counts cols="([0-9,]+)"\}\s*$')


class PublicationRefused(Exception):
    """A public edition would disclose something: nothing is written."""


@dataclass(frozen=True)
class Finding:
    where: str  # "chapter 03-markets.md line 12", "HTML table tbl-x row 3", "PDF page 4"
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def scan_identifiers(text: str, where) -> list[Finding]:
    """13-digit numbers and pseudonyms; `where(offset)` names the place of a match."""
    found = []
    for pattern, what in ((CNP_LIKE, "a 13-digit CNP-like number"), (PSEUDONYM, "a pseudonym")):
        for m in pattern.finditer(text):
            found.append(Finding(where(m.start()), f"{what} {m.group()[:6]}…"))
    return found


def _small(text: str, threshold: int) -> bool:
    text = text.strip()
    if text in ("", SYMBOL, "–", "-"):
        return False
    value = parse_number(text)
    return value is not None and 0 < value < threshold  # a zero is about nobody


def small_cells_markdown(markdown: str, threshold: int, where) -> list[Finding]:
    """Visible count cells below the threshold in the `counts` blocks of rendered Markdown."""
    found, cols, rownum = [], None, 0
    for lineno, line in enumerate(markdown.splitlines(), start=1):
        opened = COUNTS_OPEN.match(line)
        if opened:
            cols, rownum = [int(c) for c in opened.group(1).split(",")], 0
            continue
        if cols is None:
            continue
        if line.startswith(":::"):
            cols = None
            continue
        if not line.startswith("|"):
            continue
        rownum += 1
        if rownum <= 2:  # heading and alignment rule
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        for c in cols:
            if c < len(cells) and _small(cells[c], threshold):
                found.append(Finding(where(lineno), f"count {cells[c]!r} below {threshold}"))
    return found


class _CountTables(HTMLParser):
    def __init__(self, threshold: int) -> None:
        super().__init__()
        self.threshold = threshold
        self.depth = 0  # div depth inside a counts table
        self.table_id, self.cols = "", []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.rownum = 0
        self.found: list[Finding] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div":
            if self.depth:
                self.depth += 1
            elif "counts" in (a.get("class") or "").split():
                self.depth = 1
                self.table_id = a.get("id", "?")
                self.cols = [int(c) for c in (a.get("data-cols") or "").split(",") if c]
                self.rownum = 0
        elif self.depth and tag == "tr":
            self.row = []
        elif self.depth and self.row is not None and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "div" and self.depth:
            self.depth -= 1
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append("".join(self.cell))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self._check(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)

    def _check(self, row: list[str]) -> None:
        if not row or any("gt_col_heading" in c for c in row):
            return
        self.rownum += 1
        for c in self.cols:
            if c < len(row) and _small(row[c], self.threshold):
                self.found.append(
                    Finding(
                        f"HTML table {self.table_id} row {self.rownum}",
                        f"count {row[c].strip()!r} below {self.threshold}",
                    )
                )


def small_cells_html(html: str, threshold: int) -> list[Finding]:
    parser = _CountTables(threshold)
    parser.feed(html)
    # heading rows have <th> cells only: their text is never a number below the threshold
    return parser.found


def check_public(label: str, chapters: list[tuple[str, str]], threshold: int) -> None:
    """Refuse (PublicationRefused) when the rendered sources of the public edition `label`
    disclose anything; `chapters` are (file name, rendered Markdown) pairs. The files built
    from them (HTML, PDF, figures) are read by publication.scan."""
    findings: list[Finding] = []
    for name, text in chapters:

        def at_line(offset_or_line, name=name, text=text, is_line=False):
            line = offset_or_line if is_line else text.count("\n", 0, offset_or_line) + 1
            return f"chapter {name} line {line}"

        findings += scan_identifiers(text, at_line)
        findings += small_cells_markdown(text, threshold, lambda ln, f=at_line: f(ln, is_line=True))
    if findings:
        shown = "\n  ".join(str(f) for f in findings[:20])
        more = f"\n  … and {len(findings) - 20} more" if len(findings) > 20 else ""
        raise PublicationRefused(
            f"refusing to publish {label}: {len(findings)} disclosure problem(s)\n  {shown}{more}"
        )
