"""Derive a run's public view: the only results the public outputs may read.

Load (every step folder of the run) / process (each declared table through its policy, each
declared headline value through its rule, the public figures drawn again from the protected
tables) / save (a folder with the results layout, written whole under a temporary name, then
renamed in; a view already derived from the same results, policy and threshold is kept).

Layout, per step folder: `<table>.parquet` (null where hidden), `<table>.hidden.parquet`,
`<table>.totals.parquet`, `chart_<name>.vl.json`, and `headline.json` whose `_hidden` maps a
withheld value to why ("primary": under the threshold, "secondary": it would give one back).
"""

import hashlib
import json
import shutil
from pathlib import Path

import polars as pl

from analysis.fsutil import atomic_dir, sha256_file
from analysis.publication import figures
from analysis.publication.policy import (
    Beside,
    Cell,
    MarginOf,
    Rule,
    Standalone,
    Text,
    Total,
    headline_for,
    tables_for,
)
from analysis.publication.protect import HIDDEN, PublicTable, protect
from analysis.results import HEADLINE, HIDDEN_MASK, TOTALS, read_headline

STAMP = "view.sha256"
RUN_RECORD = "run.json"
PRIMARY, SECONDARY = "primary", "secondary"


def steps(run_folder: Path) -> list[str]:
    """Step folders of a run that hold results (`case_rates`, `market_profile/drugs_cocaine`)."""
    return sorted(
        p.parent.relative_to(run_folder).as_posix()
        for p in run_folder.rglob(HEADLINE)
        if p.parent != run_folder
    )


def _digest(run_folder: Path, threshold: int) -> str:
    h = hashlib.sha256(f"{threshold}".encode())
    for root in (run_folder, Path(__file__).parent):
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".pyc"):
            h.update(path.relative_to(root).as_posix().encode() + sha256_file(path).encode())
    return h.hexdigest()


def ensure(run_folder: Path, target: Path, threshold: int) -> Path:
    """The public view of `run_folder` at `target`, derived again only when its inputs changed."""
    digest = _digest(run_folder, threshold)
    stamp = target / STAMP
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == digest:
        return target
    if target.exists():
        shutil.rmtree(target)
    with atomic_dir(target) as tmp:
        derive(run_folder, tmp, threshold)
        (tmp / STAMP).write_text(digest, encoding="utf-8")
    return target


def derive(run_folder: Path, out: Path, threshold: int) -> None:
    """Write the public view of `run_folder` into `out` (an empty folder)."""
    shutil.copyfile(run_folder / RUN_RECORD, out / RUN_RECORD)
    for step in steps(run_folder):
        source, target = run_folder / step, out / step
        target.mkdir(parents=True, exist_ok=True)
        protected = _tables(source, step, threshold)
        for name, public in protected.items():
            _write(target, name, public)
        raw = read_headline(source)
        headline = public_headline(raw, headline_for(step), protected, out, step, threshold)
        (target / HEADLINE).write_text(
            json.dumps(headline, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    figures.draw(out)


def _tables(source: Path, step: str, threshold: int) -> dict[str, PublicTable]:
    found: dict[str, PublicTable] = {}
    policies = tables_for(step)
    ordered = sorted(policies.items(), key=lambda item: isinstance(item[1], MarginOf))
    for name, policy in ordered:
        path = source / f"{name}.parquet"
        if not path.is_file():
            continue
        frame = pl.read_parquet(path)
        if isinstance(policy, MarginOf):
            if policy.table in found:
                found[name] = _margin_of(frame, policy, found[policy.table])
            continue
        found[name] = protect(frame, policy, threshold)
    return found


def _margin_of(frame: pl.DataFrame, policy: MarginOf, of: PublicTable) -> PublicTable:
    """The rows of `frame` take their counts' visibility from `of`'s totals over `dim`."""
    totals = of.totals
    assert totals is not None, "a margin needs the totals of its cross-table"
    others = [
        c for c in totals.columns if c not in (policy.dim, policy.count) and not c.endswith(HIDDEN)
    ]
    dims = [c for c in others if c in of.table.columns and totals.schema[c] == of.table.schema[c]]
    line = totals.filter(
        pl.all_horizontal([pl.col(d).is_null() for d in dims]) & pl.col(policy.dim).is_not_null()
    )
    flags = (
        frame.select(policy.dim)
        .join(
            line.select(policy.dim, pl.col(f"{policy.count}{HIDDEN}").alias("_h")),
            on=policy.dim,
            how="left",
        )["_h"]
        .fill_null(True)
    )
    columns = [
        policy.dim,
        policy.count,
        *[c for c in (*policy.keep, *policy.derived) if c in frame.columns],
    ]
    hidden_cols = {policy.count, *policy.derived}
    mask = pl.DataFrame(
        {c: flags if c in hidden_cols else pl.Series(c, [False] * frame.height) for c in columns}
    )
    table = frame.select(columns).with_columns(
        [
            pl.when(flags).then(None).otherwise(pl.col(c)).alias(c)
            for c in columns
            if c in hidden_cols
        ]
    )
    return PublicTable(table, mask)


def _write(folder: Path, name: str, public: PublicTable) -> None:
    public.table.write_parquet(folder / f"{name}.parquet")
    public.hidden.write_parquet(folder / f"{name}{HIDDEN_MASK}")
    if public.totals is not None:
        public.totals.write_parquet(folder / f"{name}{TOTALS}")


def _resolve(at: dict, raw: dict) -> dict:
    """`at` values name headline keys (or a key and an offset); anything else is literal."""
    fixed = {}
    for dim, ref in at.items():
        if isinstance(ref, tuple):
            key, offset = ref
            fixed[dim] = None if raw.get(key) is None else raw[key] + offset
        else:
            fixed[dim] = raw.get(ref, ref) if isinstance(ref, str) else ref
    return fixed


def _table_for(rule: Total | Cell, protected: dict, out: Path) -> PublicTable | None:
    step = getattr(rule, "step", None)
    if step is None:
        return protected.get(rule.table)
    folder = out / step  # derived already: steps are derived in order, case_rates first
    if not (folder / f"{rule.table}.parquet").is_file():
        return None
    return PublicTable(
        pl.read_parquet(folder / f"{rule.table}.parquet"),
        pl.read_parquet(folder / f"{rule.table}{HIDDEN_MASK}"),
    )


def _lookup(rule: Total | Cell, table: PublicTable, raw: dict) -> tuple[object, bool] | None:
    """(value, hidden) of the cell or total the rule names; None when the table lacks it."""
    at = _resolve(rule.at, raw)
    if isinstance(rule, Total):
        if table.totals is None:
            return None
        frame = table.totals
        cond = [
            pl.col(d) == at[d] if d in at else pl.col(d).is_null()
            for d in table.dims
            if d != rule.column
        ]
        rows = frame.filter(pl.all_horizontal(cond)) if cond else frame
        if rows.height != 1:
            return None
        row = rows.row(0, named=True)
        return row[rule.column], bool(row[f"{rule.column}{HIDDEN}"])
    frame = table.table.with_row_index("_i")
    cond = [pl.col(d) == v for d, v in at.items()]
    rows = frame.filter(pl.all_horizontal(cond)) if cond else frame
    if rows.height != 1 or rule.column not in table.table.columns:
        return None
    i = rows["_i"][0]
    return rows[rule.column][0], bool(table.hidden[rule.column][i])


def public_headline(
    raw: dict, rules: dict[str, Rule], protected: dict, out: Path, step: str, threshold: int
) -> dict:
    """The declared headline values, each checked; withheld ones are null, in `_hidden`."""
    public: dict = {}
    hidden: dict[str, str] = {}
    for key, rule in rules.items():
        if isinstance(rule, Text):
            if key in raw:
                public[key] = raw[key]
        elif isinstance(rule, Standalone):
            if key in raw:
                value = raw[key]
                if isinstance(value, int | float) and 0 < value < threshold:
                    public[key], hidden[key] = None, PRIMARY
                else:
                    public[key] = value
        elif isinstance(rule, Total | Cell):
            table = _table_for(rule, protected, out)
            found = _lookup(rule, table, raw) if table is not None else None
            if found is None:
                continue  # the run lacks it: the documents say so
            value, is_hidden = found
            if is_hidden:
                small = raw.get(key)
                why = (
                    PRIMARY
                    if isinstance(small, int | float) and 0 < small < threshold
                    else SECONDARY
                )
                public[key], hidden[key] = None, why
            else:
                public[key] = value
    for key, rule in rules.items():  # after the counts they stand beside
        if isinstance(rule, Beside) and key in raw:
            if any(k in hidden for k in rule.of):
                public[key], hidden[key] = None, SECONDARY
            else:
                public[key] = raw[key]
    if hidden:
        public["_hidden"] = hidden
    return public
