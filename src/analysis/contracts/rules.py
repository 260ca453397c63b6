"""Every rule of a contract as one named, vectorised check: `<column>:<rule>` -> ok per row.

Rules are derived from the contract alone (types, required, pattern, enum, range, unique,
keys, cross-field rules), so adding a column to a contract adds its validation. The rule ids
are the ones stewards see in quarantine reports and the synthetic defects truth uses. Rules
read the raw text and the typed columns of `contracts.typed` (parsed once, shared).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from analysis.contracts import types as t
from analysis.contracts.model import Contract, CrossRule, Field
from analysis.contracts.typed import col, typed


@dataclass(frozen=True)
class Rule:
    rule_id: str
    header: str  # the partner column a steward must fix (first one for multi-column rules)
    kind: str  # required, pattern, unique, date, not_future, ... (the suffix of rule_id)
    ok: pl.Expr | None  # true where the row passes; on the raw frame with its typed columns
    field: Field | None = None
    description: str = ""
    # for rules on list items: frame -> one boolean column, row-aligned (items are checked
    # flat and distinct, where polars can share work; inside list.eval it cannot)
    frame_check: Callable[[pl.LazyFrame], pl.LazyFrame] | None = None
    # for uniqueness rules: the value that must not repeat (null: exempt). `ok` judges one
    # batch; the validator carries the values across batches of a streamed file.
    key: pl.Expr | None = None


def present(f: Field) -> pl.Expr:
    return col(f).str.strip_chars() != ""


def _type_rules(f: Field, today: dt.date) -> list[tuple[str, pl.Expr | None]]:
    raw, has, parsed = col(f), present(f), typed(f)
    if f.ntype == "date":
        return [
            ("date", ~has | parsed.is_not_null()),
            ("not_future", ~has | parsed.is_null() | (parsed <= today)),
            ("not_before_1990", ~has | parsed.is_null() | (parsed >= t.EARLIEST)),
        ]
    if f.ntype == "money":
        return [("money", ~has | t.money_ok(raw))]
    if f.ntype == "cnp":
        return [("cnp", ~has | t.cnp_valid(parsed, today))]
    if f.ntype == "cnp_list":
        return [("cnp", None)]
    if f.ntype in ("markets", "country_list"):
        kind = "enum" if f.ntype == "markets" else "iso"
        return [(kind, parsed.list.eval(pl.element().is_not_null()).list.all().fill_null(True))]
    kind = {"country": "iso", "market": "enum", "yesno": "yes_no"}.get(f.ntype, f.ntype)
    if f.ntype == "text":
        return []
    return [(kind, ~has | parsed.is_not_null())]


def _cnp_items_check(f: Field, today: dt.date) -> Callable[[pl.LazyFrame], pl.LazyFrame]:
    """Every CNP of a `|` list valid: each distinct CNP checked once, then looked up per row
    among the (few) invalid ones."""

    def check(frame: pl.LazyFrame) -> pl.LazyFrame:
        items = typed(f)
        distinct = frame.select(items.explode().unique().drop_nulls().alias("cnp")).collect()
        cnps = distinct["cnp"].filter(distinct["cnp"] != "")
        invalid = cnps.filter(~t.cnp_valid_series(cnps, today))
        if not invalid.len():
            return frame.select(pl.repeat(True, pl.len()).alias(f.header))
        bad = pl.lit(invalid).implode()
        return frame.select(~items.list.eval(pl.element().is_in(bad)).list.any().alias(f.header))

    return check


def _value_rules(f: Field) -> list[tuple[str, pl.Expr, pl.Expr | None]]:
    raw, has, value = col(f), present(f), typed(f)
    out: list[tuple[str, pl.Expr, pl.Expr | None]] = []
    if f.pattern:
        out.append(("pattern", ~has | raw.str.strip_chars().str.contains(f.pattern), None))
    if f.minimum is not None or f.maximum is not None:
        low = value >= f.minimum if f.minimum is not None else pl.lit(True)
        high = value <= f.maximum if f.maximum is not None else pl.lit(True)
        out.append(("range", ~has | value.is_null() | (low & high), None))
    if f.exclusive_minimum is not None:
        out.append(("positive", ~has | value.is_null() | (value > f.exclusive_minimum), None))
    if f.unique:
        key = raw.str.strip_chars()
        out.append(("unique", ~has | key.is_first_distinct(), pl.when(has).then(key)))
    return out


def _as(f: Field, ntype: str, parse: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
    """The field read as `ntype`: its shared typed column when that is its type."""
    return typed(f) if f.ntype == ntype else parse(col(f))


def _cross_rule(rule: CrossRule, contract: Contract) -> Rule:
    a = rule.args
    get = contract.get
    if rule.kind in ("required_if_true", "empty_unless_true"):
        target, flag = get(a["column"]), get(a["flag"])
        is_yes = _as(flag, "yesno", t.yesno)
        if rule.kind == "required_if_true":
            ok = (~is_yes | present(target)).fill_null(True)
        else:
            ok = (is_yes | ~present(target)).fill_null(True)
        header = target.header
    elif rule.kind == "list_length_equals":
        target, count = get(a["column"]), get(a["count"])
        n = _as(count, "integer", t.integer)
        length = typed(target).list.len() if target.is_list else t.items(col(target)).list.len()
        ok = (n.is_null() | ~present(target) | (length == n)).fill_null(True)
        header = target.header
    elif rule.kind == "not_before":
        later, earlier = get(a["column"]), get(a["other"])
        a_date, b_date = _as(later, "date", t.date), _as(earlier, "date", t.date)
        ok = (a_date.is_null() | b_date.is_null() | (a_date >= b_date)).fill_null(True)
        header = later.header
    elif rule.kind == "zero_unless":
        target, other = get(a["column"]), get(a["other"])
        value = _as(target, "integer", t.integer)
        is_value = col(other).str.strip_chars() == a["value"]
        ok = (value.is_null() | is_value | (value == 0)).fill_null(True)
        header = target.header
    else:
        raise ValueError(f"{contract.source}: unknown cross-field rule kind {rule.kind!r}")
    return Rule(rule.rule_id, header, rule.rule_id.split(":")[-1], ok, description=rule.description)


def _key_rule(contract: Contract, key: tuple[str, ...]) -> Rule:
    """A composite key: the typed values joined (nulls count as a value, as in the data)."""
    fields = [contract.get(name) for name in key]
    value = pl.concat_str(
        [typed(f).cast(pl.String).fill_null("\x00") for f in fields], separator="\x1f"
    )
    return Rule(
        "+".join(key) + ":unique",
        fields[0].header,
        "unique",
        value.is_first_distinct(),
        None,
        "repeats an earlier row's key",
        key=value,
    )


def contract_rules(contract: Contract, today: dt.date) -> list[Rule]:
    """All rules of the contract, in column order, then keys, then cross-field rules."""
    rules: list[Rule] = []
    for f in contract.fields:
        if f.required and f.is_list:  # a required list must have at least one item
            has = t.item_count(col(f)) > 0
            rules.append(Rule(f"{f.name}:non_empty", f.header, "non_empty", has, f))
        elif f.required:
            rules.append(Rule(f"{f.name}:required", f.header, "required", present(f), f))
        for kind, ok in _type_rules(f, today):
            check = _cnp_items_check(f, today) if ok is None else None
            rules.append(Rule(f"{f.name}:{kind}", f.header, kind, ok, f, frame_check=check))
        for kind, ok, key in _value_rules(f):
            rules.append(Rule(f"{f.name}:{kind}", f.header, kind, ok, f, key=key))
    rules.extend(_key_rule(contract, key) for key in contract.keys)
    rules.extend(_cross_rule(r, contract) for r in contract.cross_rules)
    return rules
