"""Accepted rows -> the canonical snapshot: English names, real types, no direct identifiers.

The parsers are the validators' own (contracts.rules.parser), so a row that passed validation
converts without loss. Direct identifiers become keyed pseudonyms here, after birth year and
sex are derived from single CNPs; the CNP columns themselves never reach the snapshot.
"""

import polars as pl

from analysis.contracts.model import Contract, Field
from analysis.contracts.rules import col, parser
from analysis.contracts.types import items
from analysis.ingest.decode import INDEX
from analysis.ingest.pseudonymise import PseudonymKey

_CENTURY = {
    "1": 1900,
    "2": 1900,
    "3": 1800,
    "4": 1800,
    "5": 2000,
    "6": 2000,
    "7": 1900,
    "8": 1900,
    "9": 1900,
}


def _pseudonyms(values: pl.Series, key: PseudonymKey) -> dict[str, str]:
    """One HMAC per distinct CNP (people recur across thousands of rows)."""
    return {v: key.pseudonym(v) for v in values.unique().drop_nulls().to_list() if v}


def _identifier_columns(frame: pl.DataFrame, f: Field, key: PseudonymKey) -> list[pl.Expr]:
    if f.ntype == "cnp":
        cnp = frame[f.header].str.strip_chars()
        mapping = _pseudonyms(cnp, key)
        first = cnp.str.slice(0, 1)
        return [
            cnp.replace_strict(mapping, default=None, return_dtype=pl.String).alias(f.name),
            (
                first.replace_strict(_CENTURY, default=None, return_dtype=pl.Int32)
                + cnp.str.slice(1, 2).cast(pl.Int32, strict=False)
            ).alias(f"{f.name}_birth_year"),
            pl.when(first.cast(pl.Int32, strict=False) % 2 == 1)
            .then(pl.lit("M"))
            .otherwise(pl.lit("F"))
            .alias(f"{f.name}_sex"),
        ]
    lists = frame.select(items(col(f)).alias("v"))["v"]
    mapping = _pseudonyms(lists.explode(), key)
    return [
        lists.list.eval(
            pl.element().replace_strict(mapping, default=None, return_dtype=pl.String)
        ).alias(f.name)
    ]


def normalise(accepted: pl.DataFrame, contract: Contract, key: PseudonymKey | None) -> pl.DataFrame:
    """Typed, canonical columns in contract order (plus derived birth year and sex)."""
    columns: list[pl.Expr] = []
    for f in contract.fields:
        if f.pii == "direct_identifier":
            if key is None:
                raise ValueError(f"{contract.source}: {f.header} needs the pseudonymisation key")
            columns.extend(_identifier_columns(accepted, f, key))
        else:
            columns.append(parser(f)(col(f)).alias(f.name))
    return accepted.select(columns)


def drop_index(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.drop(INDEX) if INDEX in frame.columns else frame
