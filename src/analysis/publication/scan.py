"""Read every public file as an outsider would, and refuse what discloses.

The public view is built to be safe; this is the second lock, on what was actually written:
the text of HTML pages, the data inside their embedded chart specs, SVG labels, JSON, CSV,
XLSX and the PDF's text. It looks for
- a count under the threshold: a number in a count field of chart data or of a download, in a
  count column of a document's table, or written in prose before a count noun ("6 dosare");
- a rate or share beside a hidden count (a record whose count is withheld but whose rate is
  not; "fewer than 10 cases, or 3.0 per 100 000");
- a seized value or quantity (restricted: the dominance rule cannot be checked on them);
- an organised-crime group's id, a pseudonym, a CNP-like number.
Each finding names the file and the value. Assets (the Vega bundle, styles, boundaries) and
the search index (made from the pages scanned here) are not read.
"""

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from analysis.report.checks import CNP_LIKE, PSEUDONYM, PublicationRefused, small_cells_html

GROUP_ID = re.compile(r"\bGR-\d{3,}\b")
COUNT_TABLE = re.compile(r'<div[^>]*class="[^"]*\bcounts\b')
COUNT_NOUNS = (
    "dosare|dosar|cazuri|caz|grupuri|grup|persoane|persoană|confiscări|confiscare|rețele|"
    "cases|case|groups|group|persons|person|people|seizures|seizure|networks"
)
COUNT_PHRASE = re.compile(
    rf"(?<![\d.,\w])([1-9])(?:[ \u00a0]+de)?[ \u00a0]+(?:{COUNT_NOUNS})\b(?!\s*(?:la|per)\s+100)",
    re.I,
)
RATE_BESIDE_HIDDEN = re.compile(
    r"(?:sub|fewer than)\s+\d+\s+\w+[^.;\n]{0,80}?(?:adică|or|i\.e\.)\s+\d+[.,]\d", re.I
)
COUNT_FIELDS = {
    "cases", "cases_previous", "seizures", "groups", "persons", "members", "n_members",
    "registered", "prosecuted", "indicted", "convicted", "open", "active_groups",
    "high_tier_groups", "groups_based", "shared_persons", "indictments", "valued", "_rows",
    "n_groups", "count",
    # the titles charts give them (accessibility labels, tooltips)
    "cazuri", "dosare", "grupuri", "persoane", "confiscări", "people", "groups of the tier",
}  # fmt: skip
DERIVED_FIELDS = {"rate", "rate_low", "rate_high", "change_pct", "rate_ratio", "share"}
MAGNITUDE_FIELDS = {
    "value_ron", "quantity", "frozen_ron", "confiscated_ron", "confiscated_final_ron",
}  # fmt: skip
SKIPPED = {".js", ".css", ".geojson", ".png", ".jpg", ".woff", ".woff2", ".typ", ".sha256"}


@dataclass(frozen=True)
class Finding:
    file: str
    what: str

    def __str__(self) -> str:
        return f"{self.file}: {self.what}"


class DisclosureFound(PublicationRefused):
    """Public files would disclose something: they are not published."""

    def __init__(self, label: str, findings: list[Finding]) -> None:
        shown = "\n  ".join(str(f) for f in findings[:20])
        more = f"\n  … and {len(findings) - 20} more" if len(findings) > 20 else ""
        super().__init__(
            f"refusing to publish {label}: {len(findings)} disclosure problem(s)\n  {shown}{more}"
        )
        self.findings = findings


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        if re.fullmatch(r"-?\d+([.,]\d+)?", text):
            return float(text.replace(",", "."))
    return None


def text_findings(text: str, threshold: int) -> Iterator[str]:
    """Identifiers, small counts in prose, rates beside hidden counts."""
    for pattern, what in (
        (CNP_LIKE, "a 13-digit CNP-like number"),
        (PSEUDONYM, "a pseudonym"),
        (GROUP_ID, "an organised-crime group's id"),
    ):
        for m in pattern.finditer(text):
            yield f"{what} {m.group()[:6]}…"
    for m in COUNT_PHRASE.finditer(text):
        if int(m.group(1)) < threshold:
            yield f"a count under {threshold} in the text: {m.group()!r}"
    for m in RATE_BESIDE_HIDDEN.finditer(text):
        yield f"a rate beside a hidden count: {m.group()!r}"


def record_findings(record: dict, threshold: int) -> Iterator[str]:
    """One row of chart data or of a download, as field -> value."""
    hidden = False
    for key, value in record.items():
        name = str(key).strip().lower()
        number = _number(value)
        if name in COUNT_FIELDS:
            if value is None or value in ("", "x"):
                hidden = True
            elif number is not None and 0 < number < threshold:
                yield f"count {key}={value} under {threshold}"
        elif name in MAGNITUDE_FIELDS and value not in (None, ""):
            yield f"a seized value or quantity ({key}={value}), restricted"
    if hidden:
        for key, value in record.items():
            if str(key).lower() in DERIVED_FIELDS and value not in (None, "", "x"):
                yield f"a rate beside a hidden count ({key}={value})"


def json_findings(data: object, threshold: int) -> Iterator[str]:
    """Every record (a dict) anywhere in a JSON document, and every string in it."""
    if isinstance(data, dict):
        yield from record_findings(data, threshold)
        for value in data.values():
            yield from json_findings(value, threshold)
    elif isinstance(data, list):
        for value in data:
            yield from json_findings(value, threshold)
    elif isinstance(data, str):
        yield from text_findings(data, threshold)


def aria_findings(label: str, threshold: int) -> Iterator[str]:
    """Vega's accessibility labels: `field: value; field: value`."""
    record = {}
    for part in label.split(";"):
        key, sep, value = part.partition(":")
        if sep:
            record[key.strip()] = value.strip()
    yield from record_findings(record, threshold)


class _Page(HTMLParser):
    """Collects a page's visible text, its JSON scripts and its accessibility labels."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.labels: list[str] = []
        self._script: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("aria-label", "alt", "title"):
            if a.get(key):
                self.labels.append(a[key])
        if tag == "script":
            self._script = [] if "json" in (a.get("type") or "") else None
            self._skip += 1
        elif tag == "style":
            self._skip += 1

    def handle_endtag(self, tag):
        if tag == "script":
            if self._script is not None:
                self.scripts.append("".join(self._script))
            self._script = None
            self._skip -= 1
        elif tag == "style":
            self._skip -= 1
        elif tag in ("p", "li", "td", "th", "div", "tr", "h1", "h2", "h3", "figcaption", "text"):
            self.text.append("\n")

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)
        elif not self._skip:
            self.text.append(data)


def _html(path: Path, threshold: int) -> Iterator[str]:
    source = path.read_text(encoding="utf-8", errors="replace")
    page = _Page()
    page.feed(source)
    yield from text_findings(" ".join(" ".join(page.text).split(" ")), threshold)
    for script in page.scripts:
        try:
            yield from json_findings(json.loads(script), threshold)
        except json.JSONDecodeError:
            yield from text_findings(script, threshold)
    for label in page.labels:
        yield from aria_findings(label, threshold)
        yield from text_findings(label, threshold)
    if COUNT_TABLE.search(source):  # a second parse only where a count table is
        for finding in small_cells_html(source, threshold):
            yield f"{finding.where}: {finding.what}"


def _table(rows: list[list], threshold: int) -> Iterator[str]:
    if not rows:
        return
    header = [str(h) for h in rows[0]]
    for number, row in enumerate(rows[1:], start=2):
        record = dict(zip(header, row, strict=False))
        for what in record_findings(record, threshold):
            yield f"row {number}: {what}"
        for cell in row:
            if isinstance(cell, str):
                yield from text_findings(cell, threshold)


def _csv(path: Path, threshold: int) -> Iterator[str]:
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    yield from _table(list(csv.reader(io.StringIO(text))), threshold)


def _xlsx(path: Path, threshold: int) -> Iterator[str]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            yield from _table([list(r) for r in sheet.iter_rows(values_only=True)], threshold)
    finally:
        book.close()


def _pdf(path: Path, threshold: int) -> Iterator[str]:
    """The text of every page, as a reader copying from the PDF would get it (PDFium)."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError:
        yield "a PDF that cannot be read, so cannot be checked"
        return
    try:
        for number, page in enumerate(document, start=1):
            text = page.get_textpage().get_text_bounded()
            for what in text_findings(text, threshold):
                yield f"page {number}: {what}"
    finally:
        document.close()


def _svg(path: Path, threshold: int) -> Iterator[str]:
    yield from _html(path, threshold)


def _json(path: Path, threshold: int) -> Iterator[str]:
    yield from json_findings(json.loads(path.read_text(encoding="utf-8")), threshold)


READERS = {
    ".html": _html, ".svg": _svg, ".json": _json, ".csv": _csv, ".xlsx": _xlsx, ".pdf": _pdf,
    ".md": lambda p, t: text_findings(p.read_text(encoding="utf-8"), t),
}  # fmt: skip


def public_files(folder: Path, exclude: tuple[str, ...] = ()) -> list[Path]:
    """The files an outsider can get from `folder`, less the excluded top-level folders."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.relative_to(folder).parts[0] not in exclude
        and p.suffix.lower() not in SKIPPED
    )


def scan(folder: Path, threshold: int, exclude: tuple[str, ...] = ()) -> list[Finding]:
    """Every finding in the public files under `folder`."""
    found: list[Finding] = []
    for path in public_files(folder, exclude):
        reader = READERS.get(path.suffix.lower())
        if reader is None:
            continue
        name = path.relative_to(folder).as_posix()
        found += [Finding(name, what) for what in reader(path, threshold)]
    return found


def refuse_disclosures(
    folder: Path, threshold: int, label: str, exclude: tuple[str, ...] = ()
) -> None:
    """Raise DisclosureFound when anything under `folder` (less `exclude`) discloses."""
    findings = scan(folder, threshold, exclude)
    if findings:
        raise DisclosureFound(label, findings)
