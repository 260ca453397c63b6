"""Render one report page: a Jinja2 pass cites the run's numbers, Pandoc and Typst typeset it.

Authors write Pandoc Markdown; the template expressions they may use are exactly the ones in
`template_context` (num, table, figure, headline, run), so citing a number needs no code.
"""

import os
import time
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pypandoc
import typst
import vl_convert as vlc

from analysis.report.formatting import markdown_table, num
from analysis.report.grammar import with_de
from analysis.results import Results

ASSETS = Path(__file__).parent / "assets"


@dataclass(frozen=True)
class Rendered:
    html: Path
    pdf: Path
    figures: list[Path]


def template_context(results: Results, out_dir: Path, lang: str) -> dict:
    figures_dir = out_dir / "figures"

    def figure(name: str, caption: str) -> str:
        """Render the run's chart `name` to SVG and cite it as a numbered Pandoc figure."""
        figures_dir.mkdir(parents=True, exist_ok=True)
        spec = results.chart(name)
        (figures_dir / f"{name}.svg").write_text(vlc.vegalite_to_svg(spec), encoding="utf-8")
        alt = spec.get("description", caption).replace('"', "'")
        return f'![{caption}](figures/{name}.svg){{#fig-{name} fig-alt="{alt}"}}'

    def table(
        name: str,
        columns: dict[str, str],
        where: dict | None = None,
        sort: str | None = None,
        descending: bool = False,
        limit: int | None = None,
        decimals: dict[str, int] | None = None,
    ) -> str:
        """A results table as a Pandoc pipe table: filter, sort, cut, format. Rows whose sort
        value is withheld (public view) are left out: they cannot be ranked."""
        frame = results.table(name)
        for column, value in (where or {}).items():
            frame = frame.filter(frame[column] == value)
        if sort:
            frame = frame.drop_nulls(sort).sort(sort, descending=descending)
        if limit:
            frame = frame.head(limit)
        return markdown_table(frame, columns, decimals or {}, lang)

    return {
        "headline": results.headline,
        "num": lambda v, d=0: num(v, d, lang),
        "table": table,
        "figure": figure,
        "lang": lang,
    }


def build_time() -> int:
    """Seconds since 1970 for the PDF's creation date: now, unless SOURCE_DATE_EPOCH says."""
    fixed = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(fixed) if fixed.isdigit() else int(time.time())


def typeset_pdf(markdown: str, typ: Path, template: Path, extra_args: list[str]) -> Path:
    """The print path of every document: Pandoc's typst writer, then the typst compiler.

    Quarto drives the same two engines; the PDF lands beside the .typ source. Its creation
    date is the build's (the day the colophon prints), or SOURCE_DATE_EPOCH when a
    reproducible build sets it."""
    pypandoc.convert_text(
        markdown,
        "typst",
        format="markdown",
        outputfile=str(typ),
        extra_args=["--standalone", f"--template={template}", *extra_args],
    )
    pdf = typ.with_suffix(".pdf")
    typst.compile(str(typ), output=str(pdf), root=str(typ.parent), timestamp=build_time())
    return pdf


def render_page(
    source: Path, results: Results, out_dir: Path, lang: str = "ro", extra: dict | None = None
) -> Rendered:
    """Render `source` (Jinja2 + Pandoc Markdown) into out_dir/<stem>.html and .pdf."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(source.parent),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        # Pandoc attributes are written `{#fig-x}`: Jinja's own `{# #}` comments would eat them
        comment_start_string="{##",
        comment_end_string="##}",
    )
    context = template_context(results, out_dir, lang) | (extra or {})
    try:
        markdown = env.get_template(source.name).render(**context)
        if lang == "ro":
            markdown = with_de(markdown)
    except jinja2.TemplateSyntaxError as exc:
        raise ValueError(f"{source} line {exc.lineno}: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise ValueError(
            f"{source}: {exc.message} (a name the template uses is not in the run)"
        ) from None
    out_dir.mkdir(parents=True, exist_ok=True)
    html = out_dir / f"{source.stem}.html"
    pypandoc.convert_text(
        markdown,
        "html5",
        format="markdown",
        outputfile=str(html),
        extra_args=[
            "--standalone",
            "--toc",
            "--number-sections",
            f"--metadata=lang:{lang}",
            f"--css={ASSETS / 'nocta.css'}",
            "--embed-resources",
            f"--resource-path={out_dir}",
        ],
    )
    pdf = typeset_pdf(
        markdown,
        out_dir / f"{source.stem}.typ",
        ASSETS / "nocta.typ",
        [f"--metadata=lang:{lang}", "--number-sections"],
    )
    return Rendered(html=html, pdf=pdf, figures=sorted((out_dir / "figures").glob("*.svg")))
