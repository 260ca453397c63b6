"""Tables as readers see them: great-tables HTML in the web edition, a Pandoc table in print.

Both come from the same formatted cells (numbers the language's way, hidden cells as the
disclosure symbol), so the HTML and the PDF never disagree on a value. Count tables are
wrapped in a `counts` block naming their count columns: the publication check reads it back.
"""

import html
import json
import re
from dataclasses import dataclass

import polars as pl
from great_tables import GT

from analysis.disclosure import SYMBOL
from analysis.report.formatting import _escape, cell


@dataclass(frozen=True)
class TableView:
    """What a table shows: headings, formatted cells, which columns are counts, notes."""

    headings: list[str]
    cells: list[list[str]]
    numeric: list[bool]
    count_columns: list[int]  # 0-based positions of the count columns
    notes: list[str]


def view(
    frame: pl.DataFrame,
    columns: dict[str, str],
    decimals: dict[str, int],
    lang: str,
    hidden: pl.DataFrame | None = None,
    counts: list[str] = (),
    notes: list[str] = (),
) -> TableView:
    names = list(columns)
    numeric = [frame.schema[c].is_numeric() for c in names]
    rows = []
    for i, row in enumerate(frame.select(names).iter_rows(named=True)):
        rows.append(
            [
                cell(
                    v,
                    decimals.get(c, 0),
                    lang,
                    hidden=bool(hidden is not None and c in hidden.columns and hidden[c][i]),
                )
                for c, v in row.items()
            ]
        )
    return TableView(
        headings=list(columns.values()),
        cells=rows,
        numeric=numeric,
        count_columns=[names.index(c) for c in counts if c in names],
        notes=list(notes),
    )


def as_markdown(table: TableView, caption: str, ident: str) -> str:
    """A Pandoc pipe table with a numbered caption, inside a `counts` block if it has counts."""
    rule = ["---:" if n else ":---" for n in table.numeric]
    lines = [
        "| " + " | ".join(_escape(h) for h in table.headings) + " |",
        "|" + "|".join(rule) + "|",
    ]
    lines += ["| " + " | ".join(_escape(c) for c in row) + " |" for row in table.cells]
    body = "\n".join(lines) + f"\n\n: {caption} {{#{ident}}}\n"
    if table.notes:
        body += "\n" + "\n".join(f"*{n}*\\" for n in table.notes[:-1])
        body += ("\n" if len(table.notes) > 1 else "") + f"*{table.notes[-1]}*\n"
    if table.count_columns:
        cols = ",".join(str(c) for c in table.count_columns)
        return f'\n::: {{.counts cols="{cols}"}}\n{body}\n:::\n'
    return f"\n{body}\n"


def as_html(table: TableView, caption: str, ident: str) -> str:
    """The table through great-tables, as a raw HTML block Pandoc passes through."""
    keys = [f"c{i}" for i in range(len(table.headings))]
    frame = pl.DataFrame(
        {k: [row[i] for row in table.cells] for i, k in enumerate(keys)},
        schema={k: pl.String for k in keys},
    )
    gt = (
        GT(frame, id=ident.replace("-", "_"))
        .tab_header(title=caption)
        .cols_label(**{k: h for k, h in zip(keys, table.headings, strict=True)})
        .cols_align("right", columns=[k for k, n in zip(keys, table.numeric, strict=True) if n])
        .cols_align("left", columns=[k for k, n in zip(keys, table.numeric, strict=True) if not n])
    )
    for note in table.notes:
        gt = gt.tab_source_note(note)
    inner = gt.as_raw_html(inline_css=False)
    attrs = f'id="{ident}" class="nocta-table'
    if table.count_columns:
        attrs += f' counts" data-cols="{",".join(map(str, table.count_columns))}"'
    else:
        attrs += '"'
    return f"\n```{{=html}}\n<div {attrs}>\n{inner}\n</div>\n```\n"


ARIA = re.compile(r'\s(?:role|aria-roledescription|aria-label|aria-hidden)="[^"]*"')


def quiet_svg(svg: str) -> str:
    """A drawing whose parts say nothing to a screen reader (Vega describes them in English):
    the figure around it carries one text alternative in the document's language."""
    return ARIA.sub("", svg).replace("<svg ", '<svg aria-hidden="true" ', 1)


def chart_html(ident: str, svg: str, spec: dict, caption: str) -> str:
    """An interactive chart: the SVG first (readable without JavaScript), then vega-embed; one
    text alternative for the whole figure, in the document's language."""
    spec_json = json.dumps(spec, ensure_ascii=False).replace("</", "<\\/")
    alt = html.escape(spec.get("description") or caption, quote=True)
    svg = quiet_svg(svg)
    return (
        f'\n```{{=html}}\n<figure id="{ident}" class="chart">\n'
        f'<div class="vega" data-spec="spec-{ident}" role="img" aria-label="{alt}">{svg}</div>\n'
        f"<figcaption>{html.escape(caption)}</figcaption>\n</figure>\n"
        f'<script type="application/json" id="spec-{ident}">{spec_json}</script>\n```\n'
    )


def suppression_note(lang: str, threshold: int) -> str:
    if lang == "en":
        return (
            f"{SYMBOL}: value withheld (fewer than {threshold}, or hidden so that it cannot be "
            "worked out from the totals)."
        )
    return (
        f"{SYMBOL}: valoare nepublicată (sub {threshold} sau ascunsă pentru a nu putea fi "
        "dedusă din totaluri)."
    )
