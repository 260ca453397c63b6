"""How each rule of each extract is broken: the tables defects.inject works through.

Where a rule involves two cells (a count and its list, an outcome and its date) the other cell
is set so that only the named rule fails; the rule ids are documented in defects.py.
"""

import datetime as dt
from typing import Any

from analysis.synth import faults as bad
from analysis.synth.defects import Rule
from analysis.synth.faults import Faults, date_style, read_date, write_date
from analysis.synth.spelling import DMY, ISO

Row = dict[str, Any]


def _dates(column: str, fmt: str | None = None, also: Row | None = None) -> tuple[Rule, ...]:
    """The three date rules of one date column (fmt None: the style the row already uses)."""
    name = {
        "DATA_INREGISTRARE": "registered_on",
        "DATA_CAPTURA": "seized_on",
        "DATA_SESIZARE": "opened_on",
        "DATA_HOTARARE": "decided_on",
        "DATA_IDENTIFICARE": "identified_on",
    }[column]

    def style(r: Row) -> str:
        return fmt or date_style(r[column])

    extra = also or {}
    return (
        Rule(
            f"{name}:date",
            column,
            lambda r, f: {column: f.impossible_date(style(r), r[column]), **extra},
        ),
        Rule(f"{name}:not_future", column, lambda r, f: {column: f.future_date(style(r)), **extra}),
        Rule(f"{name}:not_before_1990", column, lambda r, f: {column: f.ancient_date(style(r))}),
    )


def _empty(rule: str, column: str) -> Rule:
    """A required field left empty."""
    return Rule(rule, column, lambda r, f: {column: None})


def _one_of(rule: str, column: str, values: tuple) -> Rule:
    return Rule(rule, column, lambda r, f: {column: f.choice(values)})


def _cnp_list(rule: str, column: str, count: str) -> Rule:
    def apply(r: Row, f: Faults) -> Row:
        text, n = f.bad_in_list(r[column])
        return {column: text, count: str(n)}

    return Rule(rule, column, apply)


def _too_many(rule: str, count: str, column: str) -> Rule:
    def apply(r: Row, f: Faults) -> Row:
        n = int(f.rng.integers(501, 541))
        return {count: str(n), column: "|".join(f.cnps(n))}

    return Rule(rule, count, apply)


def _short_list(r: Row, f: Faults) -> Row:
    ids = r["CNP_SUSPECTI"].split("|") if r["CNP_SUSPECTI"] else f.cnps(1)
    return {"CNP_SUSPECTI": "|".join(ids), "NR_SUSPECTI": str(len(ids) + 1)}


def _closed_before(r: Row, f: Faults) -> Row:
    opened = read_date(r["DATA_SESIZARE"])
    closed = opened - dt.timedelta(days=int(f.rng.integers(1, 400)))
    fmt = date_style(r["DATA_SESIZARE"])
    return {
        "DATA_SOLUTIE": write_date(closed.day, closed.month, closed.year, fmt),
        "SOLUTIE": r["SOLUTIE"] or "clasare",
    }


def _closed(impossible: bool) -> Any:
    def apply(r: Row, f: Faults) -> Row:
        fmt = date_style(r["DATA_SESIZARE"])
        like = r["DATA_SOLUTIE"] or r["DATA_SESIZARE"]
        value = f.impossible_date(fmt, like) if impossible else f.future_date(fmt)
        return {"DATA_SOLUTIE": value, "SOLUTIE": r["SOLUTIE"] or "clasare"}

    return apply


def _key(rule: str, column: str) -> tuple[Rule, Rule]:
    pattern = Rule(f"{rule}:pattern", column, lambda r, f: {column: f.broken_key(r[column])})
    return pattern, Rule(f"{rule}:unique", column)


_OPEN = {"DATA_SOLUTIE": None, "SOLUTIE": None}

POLICE = (
    *_key("case_id", "NR_DOSAR"),
    *_dates("DATA_INREGISTRARE", DMY),
    Rule("county:county", "JUDET", lambda r, f: {"JUDET": f.bad_county()}),
    _one_of("market:enum", "PIATA", bad.BAD_MARKETS),
    _empty("legal_basis:required", "ART_INCADRARE"),
    Rule("ocg_involved:yes_no", "GRUP_INFRACTIONAL",
         lambda r, f: {"GRUP_INFRACTIONAL": f.choice(bad.BAD_YES_NO), "ID_GRUP": None}),
    Rule("ocg_id:pattern", "ID_GRUP", lambda r, f: {
        "GRUP_INFRACTIONAL": "DA", "ID_GRUP": f.broken_key(r["ID_GRUP"] or f.group_id())}),
    Rule("ocg_id:required_if_ocg", "ID_GRUP",
         lambda r, f: {"GRUP_INFRACTIONAL": "DA", "ID_GRUP": None}),
    Rule("ocg_id:empty_unless_ocg", "ID_GRUP",
         lambda r, f: {"GRUP_INFRACTIONAL": "NU", "ID_GRUP": r["ID_GRUP"] or f.group_id()}),
    _too_many("n_suspects:range", "NR_SUSPECTI", "CNP_SUSPECTI"),
    _cnp_list("suspect_ids:cnp", "CNP_SUSPECTI", "NR_SUSPECTI"),
    Rule("suspect_ids:count", "CNP_SUSPECTI", _short_list),
    Rule("damage_ron:money", "PREJUDICIU_RON",
         lambda r, f: {"PREJUDICIU_RON": f.bad_money(r["PREJUDICIU_RON"], ",")}),
    _one_of("status:enum", "STADIU", bad.BAD_POLICE_STATUS),
)  # fmt: skip

CUSTOMS = (
    *_key("seizure_id", "ID_CAPTURA"),
    *_dates("DATA_CAPTURA", DMY),
    _empty("border_point:required", "PUNCT_TRECERE"),
    Rule("county:county", "JUDET", lambda r, f: {"JUDET": f.bad_county()}),
    _one_of("market:enum", "MARFA", bad.BAD_MARKETS + bad.NOT_SEIZABLE),
    Rule("quantity:positive", "CANTITATE", lambda r, f: {
        "CANTITATE": "0" if f.rng.random() < 0.5 else "-" + r["CANTITATE"]}),
    _one_of("unit:enum", "UM", bad.BAD_UNITS),
    Rule("value_ron:money", "VALOARE_RON",
         lambda r, f: {"VALOARE_RON": f.bad_money(r["VALOARE_RON"], ".")}),
    _one_of("origin_country:iso", "TARA_ORIGINE", bad.BAD_COUNTRIES),
    _one_of("destination_country:iso", "TARA_DESTINATIE", bad.BAD_COUNTRIES),
    _one_of("transport_mode:enum", "MIJLOC_TRANSPORT", bad.BAD_MODES),
    Rule("person_ids:cnp", "CNP_PERSOANE",
         lambda r, f: {"CNP_PERSOANE": f.bad_in_list(r["CNP_PERSOANE"])[0]}),
)  # fmt: skip

PROSECUTION = (
    *_key("prosecution_id", "NR_DOSAR_PARCHET"),
    _empty("office:required", "STRUCTURA"),
    Rule("county:county", "JUDET", lambda r, f: {"JUDET": f.bad_county()}),
    *_dates("DATA_SESIZARE", None, _OPEN),
    Rule("closed_on:date", "DATA_SOLUTIE", _closed(impossible=True)),
    Rule("closed_on:not_future", "DATA_SOLUTIE", _closed(impossible=False)),
    Rule("closed_on:not_before_opened", "DATA_SOLUTIE", _closed_before),
    Rule("outcome:enum", "SOLUTIE", lambda r, f: {
        "SOLUTIE": f.choice(bad.BAD_OUTCOMES),
        "DATA_SOLUTIE": r["DATA_SOLUTIE"] or r["DATA_SESIZARE"]}),
    Rule("markets:enum", "PIETE", lambda r, f: {"PIETE": f.bad_item(r["PIETE"], bad.BAD_MARKETS)}),
    _empty("markets:non_empty", "PIETE"),
    Rule("ocg_id:pattern", "ID_GRUP",
         lambda r, f: {"ID_GRUP": f.broken_key(r["ID_GRUP"] or f.group_id())}),
    _too_many("n_defendants:range", "NR_INCULPATI", "CNP_INCULPATI"),
    _cnp_list("defendant_ids:cnp", "CNP_INCULPATI", "NR_INCULPATI"),
    Rule("assets_frozen_ron:money", "SECHESTRU_RON",
         lambda r, f: {"SECHESTRU_RON": f.bad_money(r["SECHESTRU_RON"], ".")}),
)  # fmt: skip

COURTS = (
    Rule("court_case_id:pattern", "NR_DOSAR_INSTANTA",
         lambda r, f: {"NR_DOSAR_INSTANTA": f.broken_key(r["NR_DOSAR_INSTANTA"])}),
    Rule("court_case_id+defendant_id:unique", "NR_DOSAR_INSTANTA"),
    _empty("prosecution_id:required", "NR_DOSAR_PARCHET"),
    _empty("court:required", "INSTANTA"),
    *_dates("DATA_HOTARARE", ISO),
    Rule("defendant_id:cnp", "CNP_INCULPAT",
         lambda r, f: {"CNP_INCULPAT": f.bad_cnp(r["CNP_INCULPAT"], injective=True)}),
    Rule("verdict:enum", "SOLUTIE",
         lambda r, f: {"SOLUTIE": f.choice(bad.BAD_VERDICTS), "PEDEAPSA_LUNI": "0"}),
    Rule("sentence_months:range", "PEDEAPSA_LUNI", lambda r, f: {
        "SOLUTIE": "condamnare", "PEDEAPSA_LUNI": str(int(f.rng.integers(601, 900)))}),
    Rule("sentence_months:zero_unless_conviction", "PEDEAPSA_LUNI", lambda r, f: {
        "SOLUTIE": f.choice(("achitare", "incetare", "amanare_aplicare", "renuntare_aplicare")),
        "PEDEAPSA_LUNI": str(int(f.rng.integers(6, 120)))}),
    Rule("confiscated_ron:money", "CONFISCARE_RON",
         lambda r, f: {"CONFISCARE_RON": f.bad_money(r["CONFISCARE_RON"], ".")}),
    _one_of("final:yes_no", "DEFINITIVA", bad.BAD_YES_NO),
)  # fmt: skip


def _score(column: str, name: str) -> Rule:
    return _one_of(f"{name}:range", column, bad.BAD_SCORES)


REGISTER = (
    *_key("ocg_id", "ID_GRUP"),
    *_dates("DATA_IDENTIFICARE", ISO),
    Rule("home_county:county", "JUDET_BAZA", lambda r, f: {"JUDET_BAZA": f.bad_county()}),
    Rule("n_members:range", "NR_MEMBRI", lambda r, f: {
        "NR_MEMBRI": f.choice((0, 1, int(f.rng.integers(1001, 5000))))}),
    _one_of("structure:enum", "STRUCTURA", bad.BAD_STRUCTURES),
    Rule("markets:enum", "PIETE", lambda r, f: {"PIETE": f.bad_item(r["PIETE"], bad.BAD_MARKETS)}),
    _empty("markets:non_empty", "PIETE"),
    Rule("countries:iso", "TARI", lambda r, f: {"TARI": f.bad_item(r["TARI"], bad.BAD_COUNTRIES)}),
    _score("VIOLENTA", "violence"), _score("CORUPTIE", "corruption"),
    _score("STRUCTURI_LEGALE", "legal_structures"), _score("SPALARE_BANI", "money_laundering"),
    _score("CONTRAMASURI", "countermeasures"), _score("EXPERTIZA", "expertise"),
    _one_of("status:enum", "STATUS", bad.BAD_GROUP_STATUS),
    Rule("leader_ids:cnp", "CNP_LIDERI",
         lambda r, f: {"CNP_LIDERI": f.bad_in_list(r["CNP_LIDERI"])[0]}),
)  # fmt: skip
