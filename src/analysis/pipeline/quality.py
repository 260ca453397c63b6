"""The run's data-quality tables, made from the intake's quality record without a notebook.

The methodology chapter summarises how clean the partners' extracts were; the numbers come
from `quality/record.jsonl` (transfer/quality.py), which the intake appends to. `nocta
refresh` calls `write_quality_results` while it assembles a run, so the tables sit in the
run's results as step `data_quality` and the report cites them like any other table. A data
root whose packages never came through the intake has no record: the run then has no
`data_quality` step, and the chapter says so.

Tables (counts and shares only, no value from a row):
- quality_by_source: per partner and source over the whole record: packages, refused, files
  rejected, rows read and quarantined, the quarantine share (%), the worst lateness in days.
- quality_by_rule: per source and rule: rows quarantined and their share of rows read (%).
- quality_by_month: per partner, source and month: the same counts as quality_by_source.
- quality_by_month_rule: per partner, source, month and rule: rows quarantined, share (%).
The monthly tables feed the administrators' data-quality page of the portal (restricted).
"""

from pathlib import Path

import polars as pl

from analysis.catalog import Catalog
from analysis.results import write_results
from analysis.transfer.quality import monthly, read_record

STEP = "data_quality"


def quality_tables(lines: list[dict]) -> dict[str, pl.DataFrame]:
    """The two tables of a quality record's lines (see the module's docstring)."""
    by_source: dict[tuple[str, str], dict] = {}
    by_rule: dict[tuple[str, str], int] = {}
    read_by_source: dict[str, int] = {}
    for line in lines:
        key = (line["partner"], line["source"] or "-")
        g = by_source.setdefault(
            key,
            dict(partner=key[0], source=key[1], packages=0, refused=0, files_rejected=0,
                 rows_read=0, rows_quarantined=0, max_days_late=None),
        )  # fmt: skip
        g["packages"] += 1
        g["refused"] += line["outcome"] == "refused"
        g["files_rejected"] += line["files_rejected"]
        g["rows_read"] += line["rows_read"]
        g["rows_quarantined"] += line["rows_quarantined"]
        if line["days_late"] is not None:
            g["max_days_late"] = max(g["max_days_late"] or 0, line["days_late"])
        read_by_source[key[1]] = read_by_source.get(key[1], 0) + line["rows_read"]
        for rule, n in line["reasons"].items():
            by_rule[(key[1], rule)] = by_rule.get((key[1], rule), 0) + n
    counts = ("packages", "refused", "files_rejected", "rows_read", "rows_quarantined")
    schema = {"partner": pl.String, "source": pl.String} | dict.fromkeys(counts, pl.Int64)
    sources = pl.DataFrame(
        [by_source[k] for k in sorted(by_source)], schema=schema | {"max_days_late": pl.Int64}
    ).with_columns(
        quarantine_pct=pl.when(pl.col("rows_read") > 0).then(
            100 * pl.col("rows_quarantined") / pl.col("rows_read")
        )
    )
    rules = pl.DataFrame(
        [
            {"source": s, "rule": r, "rows_quarantined": n,
             "share_pct": 100 * n / read_by_source[s] if read_by_source[s] else None}
            for (s, r), n in sorted(by_rule.items())
        ],
        schema={"source": pl.String, "rule": pl.String, "rows_quarantined": pl.Int64,
                "share_pct": pl.Float64},
    )  # fmt: skip
    return {"quality_by_source": sources, "quality_by_rule": rules} | monthly_tables(lines)


def monthly_tables(lines: list[dict]) -> dict[str, pl.DataFrame]:
    """Per partner, source and month (transfer.quality.monthly), as two tables."""
    months = monthly(lines)
    keys = ("partner", "source", "month")
    ints = ("packages", "refused", "files_rejected", "rows_read", "rows_quarantined")
    schema = dict.fromkeys(keys, pl.String) | dict.fromkeys(ints, pl.Int64)
    by_month = pl.DataFrame(
        [
            {k: m[k] for k in schema} | {"max_days_late": m["days_late"]}
            | {"quarantine_pct": None if m["quarantine_rate"] is None
               else 100 * m["quarantine_rate"]}
            for m in months
        ],
        schema=schema | {"max_days_late": pl.Int64, "quarantine_pct": pl.Float64},
    )  # fmt: skip
    by_rule = pl.DataFrame(
        [
            {k: m[k] for k in keys}
            | {"rule": rule, "rows_quarantined": m["reasons"][rule], "share_pct": 100 * rate}
            for m in months
            for rule, rate in m["rate_by_rule"].items()
        ],
        schema=dict.fromkeys((*keys, "rule"), pl.String)
        | {"rows_quarantined": pl.Int64, "share_pct": pl.Float64},
    )
    return {"quality_by_month": by_month, "quality_by_month_rule": by_rule}


def write_quality_results(catalog: Catalog, run_folder: Path) -> bool:
    """Write the `data_quality` step into a run being assembled; False if there is no record."""
    lines = read_record(catalog)
    if not lines:
        return False
    months = sorted(line["month"] for line in lines)
    headline = {"period_from": months[0], "period_to": months[-1]}
    write_results(run_folder / STEP, quality_tables(lines), {}, headline)
    return True
