"""Every rule of a contract as one named, vectorised check: `<column>:<rule>` -> ok per row.

Rules are derived from the contract alone (types, required, pattern, enum, range, unique,
keys, cross-field rules), so adding a column to a contract adds its validation. The rule ids
are the ones stewards see in quarantine reports and the synthetic defects truth uses.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from analysis.contracts import types as t
from analysis.contracts.model import Contract, CrossRule, Field


@dataclass(frozen=True)
class Rule:
    rule_id: str
    header: str  # the partner column a steward must fix (first one for multi-column rules)
    kind: str  # required, pattern, unique, date, not_future, ... (the suffix of rule_id)
    ok: pl.Expr | None  # true where the row passes; computed on the raw (string) frame
    field: Field | None = None
    description: str = ""
    # for rules on list items: raw frame -> one boolean column, row-aligned (items are checked
    # flat, where polars can share work between sub-expressions; inside list.eval it cannot)
    frame_check: Callable[[pl.LazyFrame], pl.LazyFrame] | None = None


def col(f: Field) -> pl.Expr:
    return pl.col(f.header)


def present(f: Field) -> pl.Expr:
    return col(f).str.strip_chars() != ""


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
    item = {
        "markets": lambda e: t.market(e, f.enum),
        "country_list": t.country,
        "cnp_list": lambda e: e,
    }[f.ntype]
    return lambda e: t.items(e).list.eval(item(pl.element()))


def _type_rules(f: Field, today: dt.date) -> list[tuple[str, pl.Expr]]:
    raw, has = col(f), present(f)
    parsed = parser(f)(raw)
    if f.ntype == "date":
        return [
            ("date", ~has | parsed.is_not_null()),
            ("not_future", ~has | parsed.is_null() | (parsed <= today)),
            ("not_before_1990", ~has | parsed.is_null() | (parsed >= t.EARLIEST)),
        ]
    if f.ntype == "money":
        return [("money", ~has | t.money_ok(raw))]
    if f.ntype == "cnp":
        return [("cnp", ~has | t.cnp_valid(raw.str.strip_chars(), today))]
    if f.ntype == "cnp_list":
        return [("cnp", None)]
    if f.ntype in ("markets", "country_list"):
        kind = "enum" if f.ntype == "markets" else "iso"
        return [(kind, parsed.list.eval(pl.element().is_not_null()).list.all().fill_null(True))]
    kind = {"country": "iso", "market": "enum", "yesno": "yes_no"}.get(f.ntype, f.ntype)
    if f.ntype == "text":
        return []
    return [(kind, ~has | parsed.is_not_null())]


def _cnp_items_check(header: str, today: dt.date) -> Callable[[pl.LazyFrame], pl.LazyFrame]:
    """Every CNP of a `|` list valid: checked on the flat items, then folded back per row."""

    def check(frame: pl.LazyFrame) -> pl.LazyFrame:
        rows = frame.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"),
            pl.col(header).str.split(t.LIST_SEPARATOR).alias("_cnp"),
        )
        items = rows.explode("_cnp").with_columns(pl.col("_cnp").str.strip_chars())
        distinct = items.select("_cnp").unique().filter(pl.col("_cnp") != "")
        invalid = distinct.with_columns(_ok=t.cnp_valid(pl.col("_cnp"), today)).filter(
            ~pl.col("_ok")
        )
        bad = (
            items.join(invalid, on="_cnp", how="semi")
            .select("_row")
            .unique()
            .with_columns(_bad=pl.lit(True))
        )
        joined = rows.select("_row").join(bad, on="_row", how="left", maintain_order="left")
        return joined.select(pl.col("_bad").is_null().alias(header))

    return check


def _value_rules(f: Field) -> list[tuple[str, pl.Expr]]:
    raw, has = col(f), present(f)
    out: list[tuple[str, pl.Expr]] = []
    if f.pattern:
        out.append(("pattern", ~has | raw.str.strip_chars().str.contains(f.pattern)))
    if f.minimum is not None or f.maximum is not None:
        value = parser(f)(raw)
        low = value >= f.minimum if f.minimum is not None else pl.lit(True)
        high = value <= f.maximum if f.maximum is not None else pl.lit(True)
        out.append(("range", ~has | value.is_null() | (low & high)))
    if f.exclusive_minimum is not None:
        value = parser(f)(raw)
        out.append(("positive", ~has | value.is_null() | (value > f.exclusive_minimum)))
    if f.unique:
        out.append(("unique", ~has | raw.str.strip_chars().is_first_distinct()))
    return out


def _cross_rule(rule: CrossRule, contract: Contract) -> Rule:
    a = rule.args
    get = contract.get
    if rule.kind in ("required_if_true", "empty_unless_true"):
        target, flag = get(a["column"]), get(a["flag"])
        is_yes = t.yesno(col(flag))
        if rule.kind == "required_if_true":
            ok = (~is_yes | present(target)).fill_null(True)
        else:
            ok = (is_yes | ~present(target)).fill_null(True)
        header = target.header
    elif rule.kind == "list_length_equals":
        target, count = get(a["column"]), get(a["count"])
        n = t.integer(col(count))
        ok = (n.is_null() | ~present(target) | (t.items(col(target)).list.len() == n)).fill_null(
            True
        )
        header = target.header
    elif rule.kind == "not_before":
        later, earlier = get(a["column"]), get(a["other"])
        a_date, b_date = t.date(col(later)), t.date(col(earlier))
        ok = (a_date.is_null() | b_date.is_null() | (a_date >= b_date)).fill_null(True)
        header = later.header
    elif rule.kind == "zero_unless":
        target, other = get(a["column"]), get(a["other"])
        value = t.integer(col(target))
        is_value = col(other).str.strip_chars() == a["value"]
        ok = (value.is_null() | is_value | (value == 0)).fill_null(True)
        header = target.header
    else:
        raise ValueError(f"{contract.source}: unknown cross-field rule kind {rule.kind!r}")
    return Rule(rule.rule_id, header, rule.rule_id.split(":")[-1], ok, description=rule.description)


def contract_rules(contract: Contract, today: dt.date) -> list[Rule]:
    """All rules of the contract, in column order, then keys, then cross-field rules."""
    rules: list[Rule] = []
    for f in contract.fields:
        if f.required and f.is_list:  # a required list must have at least one item
            has = t.item_count(col(f)) > 0
            rules.append(Rule(f"{f.name}:non_empty", f.header, "non_empty", has, f))
        elif f.required:
            rules.append(Rule(f"{f.name}:required", f.header, "required", present(f), f))
        for kind, ok in _type_rules(f, today) + _value_rules(f):
            check = _cnp_items_check(f.header, today) if ok is None else None
            rules.append(Rule(f"{f.name}:{kind}", f.header, kind, ok, f, frame_check=check))
    for key in contract.keys:
        fields = [contract.get(name) for name in key]
        struct = pl.struct([parser(f)(col(f)).alias(f.name) for f in fields])
        rules.append(
            Rule(
                "+".join(key) + ":unique",
                fields[0].header,
                "unique",
                struct.is_first_distinct(),
                None,
                "repeats an earlier row's key",
            )
        )
    rules.extend(_cross_rule(r, contract) for r in contract.cross_rules)
    return rules
