"""The pandera (polars) schema generated from a contract: the executable form of its rules.

Each rule becomes a check on the partner column a steward must fix, named by its rule id, so
pandera's failure cases are already the quarantine reasons. Checks run on the raw text and the
typed columns parsed from it, before any conversion is kept, so a value that cannot be
converted is a reason, never a crash. A streamed file is validated batch by batch: the
`Validator` remembers the values of the uniqueness rules, so a key repeated a million rows
later is still caught.
"""

import datetime as dt
from functools import cached_property
from typing import TYPE_CHECKING

import polars as pl

from analysis.contracts.model import Contract
from analysis.contracts.rules import Rule, contract_rules
from analysis.contracts.typed import with_typed

if TYPE_CHECKING:
    import pandera.polars as pa

OK = "__ok__"  # prefix of the per-rule outcome columns
_KEY = "__key__"  # prefix of the uniqueness rules' values
FAILURES = {"index": pl.Int64, "rule": pl.String, "header": pl.String, "value": pl.String}


def _check(rule: Rule) -> "pa.Check":
    """The rule's outcome, computed with every other rule in one pass (see `Validator`)."""
    import pandera.polars as pa

    return pa.Check(
        lambda data, column=OK + rule.rule_id: data.lazyframe.select(
            pl.col(column).alias(data.key)
        ),
        name=rule.rule_id,
        error=rule.rule_id,
    )


def contract_schema(contract: Contract, rules: list[Rule]) -> "pa.DataFrameSchema":
    """Every column of the contract as text, with the contract's rules as named checks."""
    import pandera.polars as pa

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


class Validator:
    """The contract's rules over one file, fed batch by batch in file order."""

    def __init__(self, contract: Contract, today: dt.date) -> None:
        self.contract = contract
        self.rules = contract_rules(contract, today)
        self._seen: dict[str, pl.DataFrame] = {}

    @cached_property
    def schema(self) -> "pa.DataFrameSchema":
        """Built (and pandera imported, ~0.5 s) only when some row fails a rule."""
        return contract_schema(self.contract, self.rules)

    def evaluate(self, raw: pl.DataFrame) -> pl.DataFrame:
        """`raw` plus its typed columns and one boolean column per rule, all rules in one
        parallel pass (polars shares the parsing between rules there); call it on the batches
        in file order (uniqueness counts the earlier ones)."""
        frame = with_typed(self.contract, raw).lazy()
        outcomes = [r.ok.alias(OK + r.rule_id) for r in self.rules if r.ok is not None]
        keys = [r.key.alias(_KEY + r.rule_id) for r in self.rules if r.key is not None]
        checked = frame.with_columns(outcomes + keys).collect()
        listed = [
            r.frame_check(frame).collect().to_series().alias(OK + r.rule_id)
            for r in self.rules
            if r.frame_check is not None
        ]
        return checked.with_columns(listed + self._repeats(checked)).drop(
            [c for c in checked.columns if c.startswith(_KEY)]
        )

    def _repeats(self, checked: pl.DataFrame) -> list[pl.Series]:
        """Uniqueness outcomes that also count the values of the earlier batches (a semi-join
        against them: half the time of a Python set, and no million Python strings)."""
        outcomes = []
        for rule in (r for r in self.rules if r.key is not None):
            values = checked[_KEY + rule.rule_id].alias("key").to_frame()
            seen = self._seen.get(rule.rule_id)
            if seen is not None:
                rows = values.with_row_index("row").join(seen, on="key", how="semi")["row"]
                earlier = pl.repeat(False, values.height, eager=True).scatter(rows, True)
                outcomes.append(checked[OK + rule.rule_id] & ~earlier)
            new = values.drop_nulls().unique()
            self._seen[rule.rule_id] = new if seen is None else pl.concat([seen, new])
        return outcomes

    def failures(self, evaluated: pl.DataFrame) -> pl.DataFrame:
        """One row per (row index, rule) that failed: `index` (0-based in the batch), `rule`,
        `header`, `value`; pandera's failure cases on an `evaluate`d batch.

        pandera sees only the rows some rule failed (often none): its report is the same, and
        its cost follows the defects, not the size of the file.
        """
        ok = [c for c in evaluated.columns if c.startswith(OK)]
        position = "__position__"
        failing = evaluated.with_row_index(position).filter(~pl.all_horizontal(ok))
        if not failing.height:
            return pl.DataFrame(schema=FAILURES)
        import pandera.polars as pa

        try:
            self.schema.validate(failing.drop(position), lazy=True)
        except pa.errors.SchemaErrors as exc:
            cases = exc.failure_cases
            broken = cases.filter(pl.col("index").is_null())
            if broken.height:  # a check that crashed, or a schema-level failure: never ignore
                first = broken.row(0, named=True)
                raise RuntimeError(  # the failure case may be a cell's text: not quoted
                    f"{self.schema.name}: check {first['check']} on {first['column']} could not run"
                ) from exc
            positions = failing[position].cast(pl.Int64)
            return cases.filter(pl.col("index").is_not_null()).select(
                pl.col("index").cast(pl.Int64).map_batches(positions.gather, return_dtype=pl.Int64),
                pl.col("check").alias("rule"),
                pl.col("column").alias("header"),
                pl.col("failure_case").cast(pl.String).alias("value"),
            )
        raise RuntimeError(f"{self.schema.name}: a rule failed but pandera reported nothing")
