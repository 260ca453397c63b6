"""The template expressions of the NOCTA and strategy sources (reports/README.md lists them).

One `Expressions` object per rendering (document × edition × language × output format). It
reads the run's results through `Results`, applies disclosure control in the public edition,
numbers figures and tables, and turns anything the run lacks into a visible "not in this run"
note instead of an error, so a chapter whose notebook has not run yet still builds.
Result names are `step/name` (`threat_assessment/threat_matrix`,
`market_profile/drugs_cocaine/seizures_by_route`): the last part is the table, chart or
headline name, the rest is the pipeline step folder.
"""

import html as html_lib
import json
from functools import cache
from pathlib import Path

import polars as pl
import vl_convert as vlc

from analysis import chart_words
from analysis.disclosure import DEFAULT_THRESHOLD, SYMBOL, protect_counts, protect_magnitudes
from analysis.reference import COUNTIES, MARKETS
from analysis.report import public_tables, reasons, tables
from analysis.report.formatting import num
from analysis.report.strategy import StrategyExpressions
from analysis.results import Results

WORDS = {
    "ro": {
        "figure": "Figura",
        "table": "Tabelul",
        "missing": "nu există în această rulare",
        "withheld": "nepublicat în această ediție",
        "hidden": "[nepublicat]",
        "lt": "sub",
    },
    "en": {
        "figure": "Figure",
        "table": "Table",
        "missing": "not in this run",
        "withheld": "not published in this edition",
        "hidden": "[withheld]",
        "lt": "fewer than",
    },
}
INTEGER_LABELS = {"year", "rank", "tier", "month", "quarter", "population", "priority"}


@cache
def _svg(path: str, mtime: float, lang: str = "ro") -> str:
    """The figure drawn for print and for readers without JavaScript; its parts carry no ARIA
    of their own (Vega writes those in English): the figure has one text alternative."""
    return tables.quiet_svg(vlc.vegalite_to_svg(_spec(path, lang)))


def _spec(path: str, lang: str) -> dict:
    """A figure's spec with its words in the document's language (analysis.chart_words)."""
    spec = chart_words.translate(json.loads(Path(path).read_text(encoding="utf-8")), lang)
    return chart_words.without_aria(spec)


class Expressions:
    def __init__(
        self,
        run_folder: Path,
        run: dict,
        lang: str,
        fmt: str,
        public: bool,
        figures_dir: Path,
        labels: dict[str, str] | None = None,
        threshold: int = DEFAULT_THRESHOLD,
        manifests: dict[str, dict] | None = None,
    ) -> None:
        self.run_folder, self.run, self.lang, self.fmt = run_folder, run, lang, fmt
        self.public, self.threshold = public, threshold
        self.figures_dir = figures_dir
        self.labels = labels or {}  # label -> "Figura 3", from a first pass (forward refs)
        self.found: dict[str, str] = {}
        self.counters = {"figure": 0, "table": 0}
        self.missing: list[str] = []
        self.manifests = manifests or {}
        self.words = WORDS[lang]

    # --- lookup -----------------------------------------------------------------------
    def _split(self, name: str) -> tuple[Results, str]:
        step, _, leaf = name.rpartition("/")
        return Results(self.run_folder / step), leaf

    def has(self, name: str) -> bool:
        """Whether the run has this step (`networks`), table, chart or headline value."""
        if (self.run_folder / name).is_dir():
            return True
        results, leaf = self._split(name)
        return (
            (results.folder / f"{leaf}.parquet").exists()
            or (results.folder / f"chart_{leaf}.vl.json").exists()
            or leaf in results.headline
        )

    def _note(self, name: str) -> str:
        self.missing.append(name)
        text = f"⟨{name}: {self.words['withheld' if self.public else 'missing']}⟩"
        return f"*{text}*"

    def _withheld(self, results: Results, leaf: str) -> str | None:
        """How the public edition prints a headline value the public view withholds."""
        why = results.headline.get("_hidden", {}).get(leaf)
        if why is None:
            return None
        if why == "primary":
            return f"{self.words['lt']} {self.threshold}"
        return self.words["hidden"]

    def _block_note(self, name: str) -> str:
        return f"\n::: {{.missing}}\n{self._note(name)}\n:::\n"

    # --- numbers ----------------------------------------------------------------------
    def num(self, value, decimals: int = 0) -> str:
        return "–" if value is None else num(value, decimals, self.lang)

    def value(self, name: str, decimals: int | None = None) -> str:
        """A headline value, formatted: numbers the language's way, text as written."""
        results, leaf = self._split(name)
        headline = results.headline
        if leaf not in headline:
            return self._note(name)
        if leaf in headline.get("_hidden", {}):  # a count's "fewer than" is for `count`
            return self.words["hidden"]
        v = headline[leaf]
        if (
            isinstance(v, bool)
            or not isinstance(v, int | float)
            or ("year" in leaf and isinstance(v, int) and 1900 <= v <= 2100)
        ):
            return str(v)  # text, and years (2025, never 2 025)
        return num(
            v, decimals if decimals is not None else (0 if isinstance(v, int) else 1), self.lang
        )

    def raw(self, name: str, default=None):
        """A headline value unformatted (for `{% if %}` and loops); `default` when missing."""
        results, leaf = self._split(name)
        return results.headline.get(leaf, default)

    def count(self, name: str) -> str:
        """A headline count of cases, people or groups; below the threshold hidden in public."""
        results, leaf = self._split(name)
        if leaf not in results.headline:
            return self._note(name)
        if (hidden := self._withheld(results, leaf)) is not None:
            return hidden
        v = results.headline[leaf]
        if self.public and v < self.threshold:
            return f"{self.words['lt']} {self.threshold}"
        return num(v, 0, self.lang)

    # --- figures, tables, references ---------------------------------------------------
    def _unique(self, ident: str) -> str:
        base, k = ident, 2
        while ident in self.found:
            ident, k = f"{base}-{k}", k + 1
        return ident

    def _number(self, kind: str, ident: str) -> str:
        self.counters[kind] += 1
        label = f"{self.words[kind]} {self.counters[kind]}"
        self.found[ident] = label
        return label

    def ref(self, ident: str) -> str:
        """`Figura 3` / `Table 2` linked to the figure or table with that id."""
        label = self.labels.get(ident) or self.found.get(ident)
        if label is None:
            return f"*⟨{ident}⟩*"
        return f"[{label}](#{ident})"

    def figure(self, name: str, caption: str, id: str | None = None) -> str:
        results, leaf = self._split(name)
        path = results.folder / f"chart_{leaf}.vl.json"
        if not path.exists():
            return self._block_note(name)
        ident = self._unique(f"fig-{id or leaf}")
        label = self._number("figure", ident)
        svg = _svg(str(path), path.stat().st_mtime, self.lang)
        if self.fmt == "html":
            spec = _spec(str(path), self.lang)
            return tables.chart_html(ident, svg, spec, f"{label}: {caption}")
        self.figures_dir.mkdir(parents=True, exist_ok=True)
        file = self.figures_dir / f"{ident}.svg"
        file.write_text(svg, encoding="utf-8")
        alt = html_lib.escape(caption, quote=True)
        return f'\n![{caption}](figures/{file.name}){{#{ident} fig-alt="{alt}"}}\n'

    def _emit(self, view: tables.TableView, caption: str, ident: str) -> str:
        ident = self._unique(ident)
        label = self._number("table", ident)
        if self.fmt == "html":
            return tables.as_html(view, f"{label}: {caption}", ident)
        return tables.as_markdown(view, caption, ident)

    def table(
        self,
        name: str,
        columns: dict[str, str],
        caption: str = "",
        where: dict | None = None,
        sort: str | None = None,
        descending: bool = False,
        limit: int | None = None,
        decimals: dict[str, int] | None = None,
        counts: list[str] | None = None,
        totals: bool = False,
        magnitude: dict[str, dict] | None = None,
        id: str | None = None,
    ) -> str:
        """A results table: filter, sort, cut, protect (public edition), format.

        `counts` are the count columns (default: integer columns that are not years, ranks or
        tiers); in the public edition they are suppressed below the threshold, and the
        decimal columns of a row with a hidden count (rates, shares) are hidden with it.
        `totals` adds a totals row (then no hidden cell can be worked out from it).
        `magnitude` = {"value_column": {"largest": [col, col], "contributors": col}} applies
        the dominance rule to money or weight columns.
        """
        results, leaf = self._split(name)
        if self.public:
            return self._public_table(
                results, name, columns, caption, where, sort, descending, limit, decimals,
                counts, totals, id,
            )  # fmt: skip
        try:
            frame = results.table(leaf)
        except LookupError:
            return self._block_note(name)
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            return self._block_note(f"{name}: {', '.join(missing)}")
        for column, value in (where or {}).items():
            frame = frame.filter(pl.col(column) == value)
        if sort:
            frame = frame.sort(sort, descending=descending, nulls_last=True)
        if limit:
            frame = frame.head(limit)
        frame = self._named(frame)
        names = list(columns)
        label = names[0]
        if counts is None:
            counts = [
                c
                for c in names[1:]
                if frame.schema[c].is_integer() and c.lower() not in INTEGER_LABELS
            ]
        shown = frame.with_columns(pl.col(label).cast(pl.String))
        hidden = None
        notes: list[str] = []
        total_word = "Total"
        if self.public and (counts or magnitude):
            protected = None
            if counts:
                protected = protect_counts(
                    shown, label, counts, self.threshold, col_totals=totals, total_label=total_word
                )
            if magnitude:
                cols = list(magnitude)
                needed = [c for m in magnitude.values() for c in [*m["largest"], m["contributors"]]]
                if any(c not in shown.columns for c in needed):
                    # no largest contributions in the run: the dominance rule cannot be
                    # checked, so every value cell is withheld (never published unchecked)
                    shown = shown.with_columns(
                        [pl.lit(None, dtype=pl.Float64).alias(f"_top{c}") for c in cols]
                        + [pl.lit(0, dtype=pl.Int64).alias(f"_n{c}") for c in cols]
                    )
                    magnitude = {
                        c: {"largest": [f"_top{c}"], "contributors": f"_n{c}"} for c in cols
                    }
                mag = protect_magnitudes(
                    shown,
                    label,
                    cols,
                    {c: magnitude[c]["largest"] for c in cols},
                    {c: magnitude[c]["contributors"] for c in cols},
                    self.threshold,
                    col_totals=totals,
                    total_label=total_word,
                )
                protected = _merge(protected, mag, label)
            hidden = protected.suppressed
            row_hidden = pl.any_horizontal([pl.col(c) for c in counts]) if counts else pl.lit(False)
            flags = hidden.with_columns(_row=row_hidden)["_row"]
            derived = [
                c for c in names[1:] if frame.schema[c].is_float() and c not in (magnitude or {})
            ]
            values = protected.table
            rest = [c for c in names if c not in values.columns]
            body = pl.concat(
                [
                    values,
                    shown.select(rest).extend(
                        pl.DataFrame({c: [None] for c in rest}, schema=shown.select(rest).schema)
                    )
                    if totals
                    else shown.select(rest),
                ],
                how="horizontal",
            )
            hidden = hidden.with_columns(
                [(flags if c in derived else pl.lit(False)).alias(c) for c in rest]
            )
            if protected.primary or protected.secondary:
                notes.append(tables.suppression_note(self.lang, self.threshold))
            frame_out = body.select(names)
        else:
            frame_out = shown.select(names)
            if totals:
                sums = {c: frame_out[c].sum() for c in counts}
                frame_out = pl.concat(
                    [
                        frame_out,
                        pl.DataFrame({label: [total_word]} | {c: [v] for c, v in sums.items()}),
                    ],
                    how="diagonal_relaxed",
                )
        view = tables.view(frame_out, columns, decimals or {}, self.lang, hidden, counts, notes)
        return self._emit(view, caption, f"tbl-{id or leaf}")

    def _public_table(
        self, results, name, columns, caption, where, sort, descending, limit, decimals,
        counts, totals, id,
    ) -> str:  # fmt: skip
        """The public edition's table: the view's protected rows, cut, with its own totals."""
        leaf = name.rpartition("/")[2]
        try:
            frame, hidden = public_tables.rows(results, leaf, where or {}, sort, descending, limit)
        except public_tables.NotPublished:
            return self._block_note(name)
        frame = self._named(frame)
        names = list(columns)
        if any(c not in frame.columns for c in names):
            return self._block_note(
                f"{name}: {', '.join(c for c in names if c not in frame.columns)}"
            )
        label = names[0]
        frame = frame.select(names).with_columns(pl.col(label).cast(pl.String))
        hidden = hidden.select([c for c in names if c in hidden.columns])
        if totals:
            try:
                row, flags = public_tables.grand_total(results, leaf, label, names)
            except public_tables.NotPublished:
                return self._block_note(f"{name}: total")
            frame = pl.concat([frame, row], how="diagonal_relaxed").select(names)
            hidden = pl.concat([hidden, flags], how="diagonal_relaxed").select(hidden.columns)
        if counts is None:
            counts = [
                c
                for c in names[1:]
                if frame.schema[c].is_integer() and c.lower() not in INTEGER_LABELS
            ]
        notes = (
            [tables.suppression_note(self.lang, self.threshold)]
            if hidden.select(pl.any_horizontal(pl.all()).any()).item()
            else []
        )
        view = tables.view(frame, columns, decimals or {}, self.lang, hidden, counts, notes)
        return self._emit(view, caption, f"tbl-{id or leaf}")

    def crosstab(
        self,
        name: str,
        rows: str,
        columns: str,
        values: str | None = None,
        caption: str = "",
        row_heading: str = "",
        where: dict | None = None,
        totals: bool = True,
        id: str | None = None,
        column_headings: dict | None = None,
    ) -> str:
        """A count cross-table (e.g. county × year) with row and column totals, protected.

        `values` is the count column summed in each cell; without it each cell counts the
        table's rows (one row per group, per person: groups by tier × status).
        `column_headings` renames column values in the heading ({"3": "3 definitorie"}).
        """
        results, leaf = self._split(name)
        if self.public:
            try:
                wide, mask, keys = public_tables.cross(results, leaf, rows, columns, where or {})
            except (public_tables.NotPublished, KeyError):
                return self._block_note(name)
            named = {str(k): v for k, v in (column_headings or {}).items()}
            heads = {rows: row_heading or rows} | {
                c: named.get(c, c) for c in wide.columns if c != rows
            }
            notes = (
                [tables.suppression_note(self.lang, self.threshold)]
                if mask.drop(rows).select(pl.any_horizontal(pl.all()).any()).item()
                else []
            )
            view = tables.view(
                wide, heads, {}, self.lang, mask, [c for c in heads if c != rows], notes
            )
            return self._emit(view, caption, f"tbl-{id or leaf}")
        try:
            frame = results.table(leaf)
        except LookupError:
            return self._block_note(name)
        if values is None:
            values = "_rows"
            frame = frame.with_columns(_rows=pl.lit(1, dtype=pl.Int64))
        for column, value in (where or {}).items():
            frame = frame.filter(pl.col(column) == value)
        wide = (
            frame.with_columns(pl.col(columns).cast(pl.String))
            .pivot(on=columns, index=rows, values=values, aggregate_function="sum")
            .fill_null(0)
            .sort(rows)
        )
        keys = sorted(c for c in wide.columns if c != rows)
        wide = wide.select(rows, *keys).with_columns(
            pl.col(rows).cast(pl.String), *(pl.col(k).cast(pl.Int64) for k in keys)
        )
        threshold = self.threshold if self.public else 0
        out = protect_counts(wide, rows, keys, threshold, totals, totals, "Total")
        named = {str(k): v for k, v in (column_headings or {}).items()}
        heads = {rows: row_heading or rows} | {
            c: named.get(c, c) for c in out.table.columns if c != rows
        }
        notes = [tables.suppression_note(self.lang, self.threshold)] if out.primary else []
        view = tables.view(
            out.table, heads, {}, self.lang, out.suppressed, [c for c in heads if c != rows], notes
        )
        return self._emit(view, caption, f"tbl-{id or leaf}")

    def rows(
        self,
        name: str,
        where: dict | None = None,
        sort: str | None = None,
        descending: bool = False,
        limit: int | None = None,
    ) -> list[dict]:
        """A results table's rows as dicts, for `{% for %}` loops; [] when the run lacks it.

        Cite counts from these rows with `num` only in the restricted edition: loops see raw
        values (the publication check still catches a small count in a count table).
        """
        results, leaf = self._split(name)
        try:
            frame = results.table(leaf)
        except LookupError:
            self.missing.append(name)
            return []
        for column, value in (where or {}).items():
            frame = frame.filter(pl.col(column) == value)
        if sort:
            frame = frame.sort(sort, descending=descending, nulls_last=True)
        return frame.head(limit).to_dicts() if limit else frame.to_dicts()

    # --- run record and data ------------------------------------------------------------
    def sources(self, caption: str = "") -> str:
        """The snapshots the run read: rows read, accepted, quarantined (data quality)."""
        head = (
            {
                "source": "Sursa",
                "snapshot": "Instantaneu",
                "read": "Rânduri citite",
                "accepted": "Acceptate",
                "quarantined": "În carantină",
                "share": "% carantină",
            }
            if self.lang == "ro"
            else {
                "source": "Source",
                "snapshot": "Snapshot",
                "read": "Rows read",
                "accepted": "Accepted",
                "quarantined": "Quarantined",
                "share": "% quarantined",
            }
        )
        rows = []
        for source, snap in sorted(self.run.get("snapshots", {}).items()):
            sid = snap["snapshot_id"] if isinstance(snap, dict) else str(snap)
            m = self.manifests.get(source, {})
            read = m.get("rows_read")
            quarantined = m.get("rows_quarantined")
            rows.append(
                {
                    "source": source,
                    "snapshot": sid,
                    "read": read,
                    "accepted": m.get("rows_accepted"),
                    "quarantined": quarantined,
                    "share": (100 * quarantined / read) if read else None,
                }
            )
        frame = pl.DataFrame(
            rows,
            schema={
                "source": pl.String,
                "snapshot": pl.String,
                "read": pl.Int64,
                "accepted": pl.Int64,
                "quarantined": pl.Int64,
                "share": pl.Float64,
            },
        )
        view = tables.view(frame, head, {"share": 2}, self.lang)
        return self._emit(view, caption, "tbl-sources")

    def markets(self) -> list[dict]:
        """The markets the run profiled (one chapter each), with their names in both languages."""
        folder = self.run_folder / "market_profile"
        done = {p.name for p in folder.iterdir() if p.is_dir()} if folder.is_dir() else set()
        return [
            {
                "code": m.code,
                "name": m.name_ro if self.lang == "ro" else m.name_en,
                "step": f"market_profile/{m.code}",
            }
            for m in MARKETS
            if m.code in done
        ]

    def _named(self, frame: pl.DataFrame) -> pl.DataFrame:
        """A table's `market` column as readers know the markets: their names in the document's
        language (the dictionary's), never the codes; the ranking's reasons in that language."""
        if "reasons" in frame.columns and frame.schema["reasons"] == pl.String:
            frame = frame.with_columns(
                pl.col("reasons").map_elements(
                    lambda text: reasons.priority_reasons(text, self.lang), return_dtype=pl.String
                )
            )
        if "market" not in frame.columns or frame.schema["market"] != pl.String:
            return frame
        names = {m.code: m.name_ro if self.lang == "ro" else m.name_en for m in MARKETS}
        total = {"ro": "toate piețele", "en": "all markets"}[self.lang]
        return frame.with_columns(
            pl.col("market").replace({**names, "total": total}).alias("market")
        )

    def market_name(self, code: str) -> str:
        """A market's name in the page's language, from its code."""
        for m in MARKETS:
            if m.code == code:
                return m.name_ro if self.lang == "ro" else m.name_en
        return code

    def counties(self) -> list[dict]:
        folder = self.run_folder / "county_profile"
        done = {p.name for p in folder.iterdir() if p.is_dir()} if folder.is_dir() else set()
        return [
            {"code": c.code, "name": c.name, "step": f"county_profile/{c.code}"}
            for c in COUNTIES
            if c.code in done
        ]

    def context(self) -> dict:
        return {
            "run": self.run,
            "lang": self.lang,
            "fmt": self.fmt,
            "public": self.public,
            "threshold": self.threshold,
            "symbol": SYMBOL,
            "has": self.has,
            "value": self.value,
            "raw": self.raw,
            "count": self.count,
            "num": self.num,
            "table": self.table,
            "crosstab": self.crosstab,
            "figure": self.figure,
            "ref": self.ref,
            "rows": self.rows,
            "sources": self.sources,
            "markets": self.markets(),
            "market": self.market_name,
            "reason": lambda text: reasons.reason(str(text), self.lang),
            "counties": self.counties(),
            "missing": self._block_note,
            "strategy": StrategyExpressions(self),
        }


def _merge(first, second, label):
    """Combine the count and magnitude protections of one table (columns are disjoint)."""
    if first is None:
        return second
    from analysis.disclosure import Protected

    return Protected(
        table=first.table.hstack(second.table.drop(label)),
        suppressed=first.suppressed.hstack(second.suppressed.drop(label)),
        primary=first.primary + second.primary,
        secondary=first.secondary + second.secondary,
    )
