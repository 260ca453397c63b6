"""Accepted rows -> the canonical snapshot: English names, real types, no direct identifiers.

The parsers are the validators' own (contracts.rules.parser), so a row that passed validation
converts without loss. Direct identifiers become keyed pseudonyms here, after birth year and
sex are derived from single CNPs; the CNP columns themselves never reach the snapshot.
"""

import polars as pl

from analysis.contracts.model import Contract, Field
from analysis.contracts.rules import col, parser
from analysis.contracts.types import items
from analysis.ingest.pseudonymise import PseudonymKey
from analysis.reference.cnp import CENTURY


def _pseudonym_table(values: pl.Series, key: PseudonymKey) -> pl.DataFrame:
    """CNP -> pseudonym, one HMAC per distinct CNP (people recur across thousands of rows)."""
    distinct = values.drop_nulls().unique()
    return pl.DataFrame(
        {"cnp": distinct, "pseudonym": [key.pseudonym(v) for v in distinct.to_list()]},
        schema={"cnp": pl.String, "pseudonym": pl.String},
    )


def _identifier_columns(frame: pl.DataFrame, f: Field, key: PseudonymKey) -> list[pl.Series]:
    if f.ntype == "cnp":
        cnp = frame[f.header].str.strip_chars()
        table = _pseudonym_table(cnp, key)
        pseudonyms = cnp.to_frame("cnp").join(table, on="cnp", how="left", maintain_order="left")
        first = cnp.str.slice(0, 1)
        return [
            pseudonyms["pseudonym"].alias(f.name),
            (
                first.replace_strict(CENTURY, default=None, return_dtype=pl.Int32)
                + cnp.str.slice(1, 2).cast(pl.Int32, strict=False)
            ).alias(f"{f.name}_birth_year"),
            pl.select(
                pl.when(first.cast(pl.Int32, strict=False) % 2 == 1)
                .then(pl.lit("M"))
                .otherwise(pl.lit("F"))
                .alias(f"{f.name}_sex")
            ).to_series(),
        ]
    rows = frame.select(pl.int_range(pl.len()).alias("row"), items(col(f)).alias("cnp"))
    flat = rows.explode("cnp")
    table = _pseudonym_table(flat["cnp"], key)
    lists = (
        flat.join(table, on="cnp", how="left", maintain_order="left")
        .group_by("row")
        .agg(pl.col("pseudonym").drop_nulls())
    )
    # rows with an empty list may vanish in explode: join back on every row, in order
    every = rows.select("row").join(lists, on="row", how="left", maintain_order="left")
    empty = pl.lit([], dtype=pl.List(pl.String))
    return [every.select(pl.col("pseudonym").fill_null(empty).alias(f.name)).to_series()]


def normalise(accepted: pl.DataFrame, contract: Contract, key: PseudonymKey | None) -> pl.DataFrame:
    """Typed, canonical columns in contract order (plus derived birth year and sex)."""
    typed = accepted.select(
        parser(f)(col(f)).alias(f.name) for f in contract.fields if f.pii != "direct_identifier"
    )
    columns: list[pl.Series] = []
    for f in contract.fields:
        if f.pii != "direct_identifier":
            columns.append(typed[f.name])
            continue
        if key is None:
            raise ValueError(f"{contract.source}: {f.header} needs the pseudonymisation key")
        columns.extend(_identifier_columns(accepted, f, key))
    return pl.DataFrame(columns)
