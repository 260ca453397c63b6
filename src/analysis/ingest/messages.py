"""Quarantine reasons in words a data steward can act on, without repeating an identifier.

`police_cases.csv row 1834: JUDET "Ilfof" is not a county (did you mean "Ilfov"?)`. Values that
may name a person are never echoed: those of identifier and free-text columns (text without an
agreed form: notes, courts, border points) and any value holding 13 digits in a row (a CNP
typed where it does not belong). The message then says what is wrong without the value, and
the stored value is masked.
"""

import re

import polars as pl

from analysis.contracts.model import Contract, Field
from analysis.reference.cnp import cnp_problem
from analysis.reference.counties import UnknownCounty, county_code

MASK = "***"
_TEXT = {
    "required": "is empty but required",
    "pattern": "does not have the agreed form",
    "unique": "repeats a value of an earlier row",
    "date": "is not a date (dd.mm.yyyy, yyyy-mm-dd or dd/mm/yyyy)",
    "not_future": "is in the future",
    "not_before_1990": "is before 1990-01-01",
    "integer": "is not a whole number",
    "decimal": "is not a number",
    "money": "is not an amount in RON (non-negative, at most 2 decimals)",
    "positive": "must be greater than 0",
    "yes_no": "is not DA/NU or 1/0",
    "non_empty": "must list at least one item",
    "iso": "is not an ISO 3166-1 alpha-2 country code",
    "tempo_year": 'is not a TEMPO year ("Anul 2024")',
}


def _describe(field: Field | None, kind: str, value: str) -> str:
    if field is None:
        return _TEXT.get(kind, kind)
    if kind == "pattern":
        return f"does not match {field.pattern}"
    if kind == "range":
        return f"is outside {field.minimum:g}..{field.maximum:g}"
    if kind == "enum":
        allowed = ", ".join(field.enum) if field.enum else "the crime market codes"
        return f"is not one of: {allowed}"
    if kind == "county":
        try:
            county_code(value)
        except UnknownCounty as exc:
            if exc.suggestion:
                return f'is not a county (did you mean "{exc.suggestion}"?)'
        return "is not a county"
    if kind == "cnp":
        for i, cnp in enumerate(filter(None, (v.strip() for v in value.split("|"))), start=1):
            problem = cnp_problem(cnp)
            if problem:
                return problem if field.ntype == "cnp" else f"person {i}: {problem}"
        return "holds an invalid CNP"
    return _TEXT.get(kind, kind)


def _may_name_a_person(field: Field | None, value: str | None) -> bool:
    if value and re.search(r"[0-9]{13}", value):
        return True
    if field is None:
        return False
    return field.pii != "none" or (field.ntype == "text" and not field.pattern)


def explain(
    failures: pl.DataFrame, contract: Contract, descriptions: dict[str, str]
) -> pl.DataFrame:
    """Add `message` (and mask identifier values) to failures with index, rule, header, value."""
    by_header = contract.by_header()
    keys = failures.select("rule", "header", "value").unique()
    messages = []
    for rule, header, value in keys.iter_rows():
        field = by_header.get(header)
        kind = rule.rsplit(":", 1)[-1]
        identifying = _may_name_a_person(field, value)
        shown = MASK if identifying else value
        if rule.startswith("_row:"):
            text = value
        elif rule in descriptions:  # a cross-field rule, in the contract's words
            said = descriptions[rule]
            text = said if said.startswith(header) else f"{header}: {said}"
        elif identifying:
            text = f"{header}: {_describe(field, kind, value or '')}"
        else:
            text = f'{header} "{value}" {_describe(field, kind, value or "")}'
        messages.append((rule, header, value, text, shown))
    table = pl.DataFrame(
        messages,
        schema={c: pl.String for c in ("rule", "header", "value", "message", "shown")},
        orient="row",
    )
    return (
        failures.join(table, on=["rule", "header", "value"], how="left", nulls_equal=True)
        .drop("value")
        .rename({"shown": "value"})
        .select("index", "rule", "header", "value", "message")
        .sort("index", "rule")
    )
