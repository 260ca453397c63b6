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

OK = "__ok__"  # prefix of the per-rule outcome columns


def _check(rule: Rule) -> pa.Check:
    """The rule's outcome, computed with every other rule in one pass (see `evaluate`)."""
    return pa.Check(
        lambda data, column=OK + rule.rule_id: data.lazyframe.select(
            pl.col(column).alias(data.key)
        ),
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


def evaluate(contract: Contract, raw: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """`raw` plus one boolean column per rule, all rules in one parallel pass over the data
    (polars shares the parsing between rules there; one pass per rule would parse again)."""
    rules = contract_rules(contract, today)
    frame = raw.lazy()
    outcomes = frame.with_columns(r.ok.alias(OK + r.rule_id) for r in rules if r.ok is not None)
    checked = outcomes.collect()
    listed = [
        r.frame_check(frame).collect().to_series().alias(OK + r.rule_id)
        for r in rules
        if r.frame_check is not None
    ]
    return checked.with_columns(listed) if listed else checked


def failures(contract: Contract, raw: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """One row per (row index, rule) that failed: `index` (0-based), `rule`, `header`, `value`."""
    schema = contract_schema(contract, today)
    empty = pl.DataFrame(
        schema={"index": pl.Int64, "rule": pl.String, "header": pl.String, "value": pl.String}
    )
    try:
        schema.validate(evaluate(contract, raw, today), lazy=True)
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
