"""The pandera (polars) schema generated from a contract: the executable form of its rules.

Each rule becomes a check on the partner column a steward must fix, named by its rule id, so
pandera's failure cases are already the quarantine reasons. Checks run on the raw text, before
any conversion, so a value that cannot be converted is a reason, never a crash.
"""

import datetime as dt

import pandera.polars as pa
import polars as pl

from analysis.contracts.model import Contract
from analysis.contracts.rules import Rule, contract_rules


def _check(rule: Rule) -> pa.Check:
    if rule.frame_check is not None:
        return pa.Check(
            lambda data, f=rule.frame_check: f(data.lazyframe),
            name=rule.rule_id,
            error=rule.rule_id,
        )
    return pa.Check(
        lambda data, ok=rule.ok: data.lazyframe.select(ok.alias(data.key)),
        name=rule.rule_id,
        error=rule.rule_id,
    )


def contract_schema(contract: Contract, today: dt.date) -> pa.DataFrameSchema:
    """Every column of the contract as text, with the contract's rules as named checks."""
    rules = contract_rules(contract, today)
    columns = {
        f.header: pa.Column(
            pl.String,
            nullable=True,
            required=True,
            checks=[_check(r) for r in rules if r.header == f.header],
        )
        for f in contract.fields
    }
    return pa.DataFrameSchema(columns, name=contract.source, strict=False)


def failures(schema: pa.DataFrameSchema, raw: pl.DataFrame) -> pl.DataFrame:
    """One row per (row index, rule) that failed: `index` (0-based), `rule`, `header`, `value`."""
    empty = pl.DataFrame(
        schema={"index": pl.Int64, "rule": pl.String, "header": pl.String, "value": pl.String}
    )
    try:
        schema.validate(raw, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        broken = cases.filter(pl.col("index").is_null())
        if broken.height:  # a check that crashed, or a schema-level failure: never ignore it
            first = broken.row(0, named=True)
            raise RuntimeError(
                f"{schema.name}: check {first['check']} on {first['column']} could not run: "
                f"{first['failure_case']}"
            ) from exc
        return cases.filter(pl.col("index").is_not_null()).select(
            pl.col("index").cast(pl.Int64),
            pl.col("check").alias("rule"),
            pl.col("column").alias("header"),
            pl.col("failure_case").cast(pl.String).alias("value"),
        )
    return empty
