"""The layout of a run's results folder: tables (Parquet), chart specs (Vega-Lite JSON), headline.

Notebooks write results through here and reports read them through here, so the two never
disagree on a file name and reports never need to know how a number was computed.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl

HEADLINE = "headline.json"
HIDDEN_MASK = ".hidden.parquet"  # public view: True where a cell of the table is withheld
TOTALS = ".totals.parquet"  # public view: the totals that may be printed beside a table
WITHHELD = object()  # a cell the public view withheld, as `Results.masked_rows` gives it


def write_results(
    folder: Path, tables: dict[str, pl.DataFrame], charts: dict[str, dict], headline: dict
) -> None:
    """Write one notebook's outputs into the run's (temporary) results folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.write_parquet(folder / f"{name}.parquet")
    for name, spec in charts.items():
        (folder / f"chart_{name}.vl.json").write_text(
            json.dumps(spec, ensure_ascii=False), encoding="utf-8"
        )
    merged = read_headline(folder) | headline
    (folder / HEADLINE).write_text(
        json.dumps(merged, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def read_headline(folder: Path) -> dict:
    path = folder / HEADLINE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


@dataclass(frozen=True)
class Results:
    """Read access to one run's results, as reports and the site need it."""

    folder: Path

    def table(self, name: str) -> pl.DataFrame:
        path = self.folder / f"{name}.parquet"
        if not path.exists():
            raise LookupError(f"the run has no table {name!r} (looked for {path})")
        return pl.read_parquet(path)

    def hidden(self, name: str) -> pl.DataFrame | None:
        """The public view's mask of `name` (True where withheld); None for a run's own results."""
        path = self.folder / f"{name}{HIDDEN_MASK}"
        return pl.read_parquet(path) if path.exists() else None

    def totals(self, name: str) -> pl.DataFrame | None:
        """The public view's protected totals of `name`, if it publishes any."""
        path = self.folder / f"{name}{TOTALS}"
        return pl.read_parquet(path) if path.exists() else None

    def masked_rows(self, name: str) -> list[dict]:
        """The table's rows as dicts, each withheld cell (public view) replaced by WITHHELD, so a
        page can tell "withheld" from "none" (no forecast, no target)."""
        rows = self.table(name).to_dicts()
        mask = self.hidden(name)
        if mask is not None:
            for row, flags in zip(rows, mask.to_dicts(), strict=True):
                row.update({c: WITHHELD for c, hidden in flags.items() if hidden})
        return rows

    def chart(self, name: str) -> dict:
        path = self.folder / f"chart_{name}.vl.json"
        if not path.exists():
            raise LookupError(f"the run has no chart {name!r} (looked for {path})")
        return json.loads(path.read_text(encoding="utf-8"))

    @property
    def headline(self) -> dict:
        return read_headline(self.folder)
