"""Each field's typed value, parsed once per batch and shared by the rules and the snapshot.

Validation and normalisation read the same typed columns, so they can never disagree, and a
national extract is parsed once, not once per rule. Types whose raw values repeat a lot
(dates, counties, markets, yes/no, small integers) are parsed once per distinct value and
mapped back: a million police cases hold a few thousand distinct dates and ~100 county
spellings.
"""

from collections.abc import Callable

import polars as pl

from analysis.contracts import types as t
from analysis.contracts.model import Contract, Field

TYPED = "__typed__"  # prefix of the typed columns
_BY_DISTINCT = {"date", "county", "market", "enum", "yesno", "country", "integer", "tempo_year"}


def col(f: Field) -> pl.Expr:
    """The raw (partner) column of a field."""
    return pl.col(f.header)


def parser(f: Field) -> Callable[[pl.Expr], pl.Expr]:
    """The parser of a field's type: raw text -> typed value (lists: of typed items)."""
    simple = {
        "text": t.text,
        "date": t.date,
        "integer": t.integer,
        "decimal": t.decimal,
        "money": t.money,
        "yesno": t.yesno,
        "county": t.county,
        "country": t.country,
        "cnp": lambda e: e.str.strip_chars(),
        "tempo_year": t.tempo_year,
        "enum": lambda e: t.enum(e, f.enum),
        "market": lambda e: t.market(e, f.enum),
    }
    if f.ntype in simple:
        return simple[f.ntype]
    if f.ntype == "cnp_list":
        return t.items
    item = {"markets": lambda e: t.market(e, f.enum), "country_list": t.country}[f.ntype]
    return lambda e: t.items(e).list.eval(item(pl.element()))


def typed(f: Field) -> pl.Expr:
    """The typed column of a field, as added by `with_typed`."""
    return pl.col(TYPED + f.name)


def _by_distinct(frame: pl.DataFrame, f: Field) -> pl.Expr:
    values = frame.get_column(f.header).unique()
    table = pl.select(values.alias("raw")).with_columns(parser(f)(pl.col("raw")).alias("value"))
    mapped = col(f).replace_strict(
        table["raw"], table["value"], default=None, return_dtype=table.schema["value"]
    )
    return mapped.alias(TYPED + f.name)


def _repeats_a_lot(frame: pl.DataFrame, f: Field) -> bool:
    """Whether a field's values repeat enough to parse each once: always for the lookup
    types, and for text (legal bases, group ids, notes) when a sample says so."""
    if f.ntype in _BY_DISTINCT:
        return True
    if f.ntype not in ("text", "money", "decimal") or frame.height < 10_000:
        return False
    sample = frame.get_column(f.header).head(5_000)
    return sample.n_unique() < sample.len() // 4


def with_typed(contract: Contract, frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` (raw strings) plus one typed column per field of the contract."""
    return frame.with_columns(
        _by_distinct(frame, f)
        if _repeats_a_lot(frame, f)
        else parser(f)(col(f)).alias(TYPED + f.name)
        for f in contract.fields
    )
