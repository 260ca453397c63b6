"""Accepted rows -> the canonical snapshot: English names, real types, no direct identifiers.

The typed columns are the validators' own (contracts.typed), so a row that passed validation
converts without loss and nothing is parsed twice. Direct identifiers become keyed pseudonyms
here, after birth year and sex are derived from single CNPs; the CNP columns themselves never
reach the snapshot.
"""

import polars as pl

from analysis.contracts.model import Contract, Field
from analysis.contracts.typed import TYPED, typed
from analysis.ingest.freetext import replace_cnps
from analysis.ingest.pseudonymise import PseudonymKey
from analysis.reference.cnp import CENTURY


class Pseudonymiser:
    """CNP -> pseudonym for one ingest: one HMAC per person, whatever the number of rows and
    batches they appear in (a national extract has ~1.4 million CNPs of ~600,000 persons).
    The table lives in memory for the ingest only; CNPs are never written anywhere."""

    def __init__(self, key: PseudonymKey) -> None:
        self.key = key
        self._known = pl.DataFrame(schema={"cnp": pl.String, "pseudonym": pl.String})

    def table(self, cnps: pl.Series) -> tuple[pl.Series, pl.Series]:
        """The distinct non-empty CNPs of `cnps` and their pseudonyms, aligned."""
        distinct = cnps.drop_nulls().unique()
        distinct = distinct.filter(distinct != "").to_frame("cnp")
        found = distinct.join(self._known, on="cnp", how="left")
        new = found.filter(pl.col("pseudonym").is_null())["cnp"]
        if new.len():
            made = pl.Series("pseudonym", self.key.pseudonyms(new.to_list()), dtype=pl.String)
            fresh = pl.DataFrame([new, made])
            self._known.vstack(fresh, in_place=True)
            found = pl.concat([found.filter(pl.col("pseudonym").is_not_null()), fresh])
        return found["cnp"], found["pseudonym"]


def _identifier_columns(frame: pl.DataFrame, f: Field, names: Pseudonymiser) -> list[pl.Expr]:
    if f.ntype == "cnp":
        cnp = typed(f)
        old, new = names.table(frame[TYPED + f.name])
        first = cnp.str.slice(0, 1)
        return [
            cnp.replace_strict(old, new, default=None, return_dtype=pl.String).alias(f.name),
            (
                first.replace_strict(CENTURY, default=None, return_dtype=pl.Int32)
                + cnp.str.slice(1, 2).cast(pl.Int32, strict=False)
            ).alias(f"{f.name}_birth_year"),
            pl.when(first.cast(pl.Int32, strict=False) % 2 == 1)
            .then(pl.lit("M"))
            .otherwise(pl.lit("F"))
            .alias(f"{f.name}_sex"),
        ]
    old, new = names.table(frame[TYPED + f.name].explode())
    pseudonyms = typed(f).list.eval(
        pl.element().replace_strict(old, new, default=None, return_dtype=pl.String)
    )
    return [pseudonyms.list.drop_nulls().alias(f.name)]


def normalise(
    accepted: pl.DataFrame,
    contract: Contract,
    names: Pseudonymiser | None,
    found: dict[str, int] | None = None,
) -> pl.DataFrame:
    """Typed, canonical columns in contract order (plus derived birth year and sex); CNPs
    typed into text fields are replaced in place, counted per partner column in `found`."""
    columns: list[pl.Expr] = []
    for f in contract.fields:
        if f.pii != "direct_identifier":
            columns.append(typed(f).alias(f.name))
            continue
        if names is None:
            raise ValueError(f"{contract.source}: {f.header} needs the pseudonymisation key")
        columns.extend(_identifier_columns(accepted, f, names))
    frame = accepted.select(columns)
    for f in contract.fields:
        if f.ntype == "text" and f.pii != "direct_identifier":
            clean, n = replace_cnps(frame[f.name], names.table if names else None)
            if n:
                frame = frame.with_columns(clean.alias(f.name))
                if found is not None:
                    found[f.header] = found.get(f.header, 0) + n
    return frame
