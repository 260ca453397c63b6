"""Thin ingest of the police extract: enough to publish rates of registered cases.

Rows that break a rule go to quarantine with every reason; the rest are normalised (county
code, ISO date, comma-below text) and their CNPs replaced by pseudonyms before the snapshot.
"""

import datetime as dt

import polars as pl

from analysis.ingest.pseudonymise import PseudonymKey
from analysis.ingest.rules import Rule, parse_date, police_rules
from analysis.reference.counties import county_code
from analysis.reference.text import to_comma_below

CANONICAL = {
    "NR_DOSAR": "case_id",
    "DATA_INREGISTRARE": "registered_on",
    "JUDET": "county",
    "PIATA": "market",
    "ART_INCADRARE": "legal_basis",
    "GRUP_INFRACTIONAL": "ocg_involved",
    "ID_GRUP": "ocg_id",
    "NR_SUSPECTI": "n_suspects",
    "CNP_SUSPECTI": "suspect_ids",
    "PREJUDICIU_RON": "damage_ron",
    "STADIU": "status",
    "OBSERVATII": "notes",
}


def find_problems(raw: pl.DataFrame, rules: list[Rule]) -> pl.DataFrame:
    """One row per (row, rule broken): row (1-based), rule, column, value, message."""
    missing = [r.header for r in rules if r.header not in raw.columns]
    if missing:
        raise ValueError(f"missing required column(s): {', '.join(missing)}")
    parts = []
    for rule in rules:
        messages = rule.check(raw[rule.header])
        parts.append(
            pl.DataFrame({"row": pl.int_range(1, raw.height + 1, eager=True), "message": messages})
            .with_columns(
                rule=pl.lit(rule.rule_id), column=pl.lit(rule.header), value=raw[rule.header]
            )
            .filter(pl.col("message").is_not_null())
        )
    return pl.concat(parts).select("row", "rule", "column", "value", "message").sort("row", "rule")


def normalise_police(accepted: pl.DataFrame, key: PseudonymKey) -> pl.DataFrame:
    """Canonical names and types; CNP lists become pseudonym lists (the CNPs go no further)."""
    frame = accepted.rename({h: c for h, c in CANONICAL.items() if h in accepted.columns})
    return frame.with_columns(
        county=pl.col("county").map_elements(county_code, return_dtype=pl.String),
        registered_on=parse_date(frame["registered_on"]),
        suspect_ids=pl.col("suspect_ids").map_elements(
            lambda s: [key.pseudonym(c.strip()) for c in s.split("|") if c.strip()],
            return_dtype=pl.List(pl.String),
        ),
        ocg_involved=pl.col("ocg_involved").str.to_uppercase().is_in(["DA", "1"]),
        n_suspects=pl.col("n_suspects").cast(pl.Int32, strict=False),
        legal_basis=pl.col("legal_basis").map_elements(to_comma_below, return_dtype=pl.String),
        notes=pl.col("notes").map_elements(to_comma_below, return_dtype=pl.String),
    )


def split_police(
    raw: pl.DataFrame, key: PseudonymKey, today: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(accepted and normalised rows, problems); every row read is in exactly one of them."""
    problems = find_problems(raw, police_rules(today))
    bad = problems["row"].unique()
    numbered = raw.with_row_index("row", offset=1)
    accepted = numbered.filter(~pl.col("row").is_in(bad.implode())).drop("row")
    return normalise_police(accepted, key), problems
