r"""Injected defects and their truth (`_defects.csv`): what ingest must quarantine, and why.

With `defects=R`, round(R x rows) data rows of each partner extract are broken (fewer only when
R is so high that the file runs out of rows that may be broken), each against exactly ONE rule
below, spread evenly over the file's rules; every other row is valid against every rule of
specs/partner-extracts.md, cross-field and cross-file rules included. The truth
lists `file,row,column,rule`: row is the 1-based data record (header not counted), column the
partner header, rule `<canonical column>:<rule>`. The data contracts and ingest validation use
exactly these ids.

References between extracts (NR_DOSAR and NR_DOSAR_POLITIE -> police_cases, NR_DOSAR_PARCHET
-> prosecution_cases, ID_GRUP -> ocg_register) are not broken on purpose: partners deliver on
different schedules, so a miss is a cross-source warning, not a row rule. Instead a row that
another extract refers to is never broken, so every reference from a valid row resolves to a
valid row (a fifth of the groups are named by no case, so the register has rows to break).
For `...:unique` the later row copies an earlier valid row whole; only the later one is
listed. Rules about "today" hold against any run date for decades: valid dates end
2025-12-31, future ones start in 2040. Clean rows also keep NR_SUSPECTI / NR_INCULPATI equal
to the number of CNPs listed, and SOLUTIE empty exactly when DATA_SOLUTIE is (an open case),
so the strictest reading of those rules holds too.

Rule ids (per file):

police_cases
- case_id:pattern - NR_DOSAR does not match ^\d{1,7}/P/\d{4}$.
- case_id:unique - NR_DOSAR repeats an earlier row's.
- registered_on:date - DATA_INREGISTRARE is not a calendar date (31.02.2020, 15.13.2019).
- registered_on:not_future - DATA_INREGISTRARE after today (years 2040-2099).
- registered_on:not_before_1990 - DATA_INREGISTRARE before 1990-01-01 (years 1900-1989).
- county:county - JUDET is none of the allowed spellings (Ilfof, Județul Atlantis, ...).
- market:enum - PIATA is not a market code.
- legal_basis:required - ART_INCADRARE is empty.
- ocg_involved:yes_no - GRUP_INFRACTIONAL is not DA/NU/1/0 (ID_GRUP is then empty).
- ocg_id:pattern - ID_GRUP does not match ^GR-\d{6}$ (GRUP_INFRACTIONAL is DA).
- ocg_id:required_if_ocg - GRUP_INFRACTIONAL is DA and ID_GRUP is empty.
- ocg_id:empty_unless_ocg - GRUP_INFRACTIONAL is NU and ID_GRUP holds a (well-formed) id.
- n_suspects:range - NR_SUSPECTI outside 0..500 (501-540, with as many valid CNPs listed).
- suspect_ids:cnp - one CNP in CNP_SUSPECTI is invalid (NR_SUSPECTI still equals the count).
- suspect_ids:count - CNP_SUSPECTI is not empty and lists fewer CNPs than NR_SUSPECTI says.
  (An empty CNP_SUSPECTI means the suspects' CNPs are unknown; clean rows always agree.)
- damage_ron:money - PREJUDICIU_RON negative, or with three decimals (`12345,678`).
- status:enum - STADIU is not in_lucru/solutionat/declinat/clasat.

customs_seizures
- seizure_id:pattern, seizure_id:unique - ID_CAPTURA vs ^CAP-\d{4}-\d{6}$ / repeated.
- seized_on:date, seized_on:not_future, seized_on:not_before_1990 - DATA_CAPTURA, as above
  (an impossible date is a text cell; the others are real date cells).
- border_point:required - PUNCT_TRECERE is empty.
- county:county - JUDET, as above.
- market:enum - MARFA is not a market customs can seize (unknown code, or e.g. cybercrime).
- quantity:positive - CANTITATE is 0 or negative.
- unit:enum - UM is not kg/l/buc/fire/pers.
- value_ron:money - VALOARE_RON negative or with three decimals.
- origin_country:iso, destination_country:iso - TARA_ORIGINE / TARA_DESTINATIE is not an
  ISO 3166-1 alpha-2 code (ROM, Olanda, U.K., ...).
- transport_mode:enum - MIJLOC_TRANSPORT is not one of the six modes.
- person_ids:cnp - one CNP in CNP_PERSOANE is invalid.

prosecution_cases
- prosecution_id:pattern, prosecution_id:unique - NR_DOSAR_PARCHET vs ^\d{1,6}/D/P/\d{4}$.
- office:required - STRUCTURA is empty.
- county:county - JUDET, as above.
- opened_on:date, opened_on:not_future, opened_on:not_before_1990 - DATA_SESIZARE (for the
  first two the case is made open: DATA_SOLUTIE and SOLUTIE empty).
- closed_on:date, closed_on:not_future - DATA_SOLUTIE (SOLUTIE is set).
- closed_on:not_before_opened - DATA_SOLUTIE is before DATA_SESIZARE.
- outcome:enum - SOLUTIE is not one of the five outcomes (DATA_SOLUTIE is set).
- markets:enum - one item of PIETE is not a market code.
- markets:non_empty - PIETE is empty.
- ocg_id:pattern - ID_GRUP does not match ^GR-\d{6}$.
- n_defendants:range - NR_INCULPATI outside 0..500 (501-540, as many valid CNPs listed).
- defendant_ids:cnp - one CNP in CNP_INCULPATI is invalid (NR_INCULPATI equals the count).
- assets_frozen_ron:money - SECHESTRU_RON negative or with three decimals.

court_decisions
- court_case_id:pattern - NR_DOSAR_INSTANTA does not match ^\d{1,6}/\d{1,3}/\d{4}$.
- court_case_id+defendant_id:unique - (NR_DOSAR_INSTANTA, CNP_INCULPAT) repeats an earlier
  row's; the truth's column is the key's first header, NR_DOSAR_INSTANTA.
- prosecution_id:required - NR_DOSAR_PARCHET is empty.
- court:required - INSTANTA is empty.
- decided_on:date, decided_on:not_future, decided_on:not_before_1990 - DATA_HOTARARE.
- defendant_id:cnp - CNP_INCULPAT is invalid.
- verdict:enum - SOLUTIE is not one of the five verdicts (PEDEAPSA_LUNI is then 0).
- sentence_months:range - PEDEAPSA_LUNI above 600 (SOLUTIE is condamnare).
- sentence_months:zero_unless_conviction - PEDEAPSA_LUNI > 0 with a verdict other than
  condamnare.
- confiscated_ron:money - CONFISCARE_RON negative or with three decimals.
- final:yes_no - DEFINITIVA is not DA/NU/1/0.

ocg_register
- ocg_id:pattern, ocg_id:unique - ID_GRUP vs ^GR-\d{6}$ / repeated.
- identified_on:date, identified_on:not_future, identified_on:not_before_1990 - the ISO text
  of DATA_IDENTIFICARE.
- home_county:county - JUDET_BAZA, as above.
- n_members:range - NR_MEMBRI outside 2..1000 (0, 1 or 1001-5000).
- structure:enum - STRUCTURA is not ierarhica/retea/celula/clan.
- markets:enum, markets:non_empty - PIETE, as above.
- countries:iso - one item of TARI is not an ISO alpha-2 code.
- violence:range, corruption:range, legal_structures:range, money_laundering:range,
  countermeasures:range, expertise:range - VIOLENTA, CORUPTIE, STRUCTURI_LEGALE,
  SPALARE_BANI, CONTRAMASURI, EXPERTIZA outside 0..3 (4, 5, 9 or -1).
- status:enum - STATUS is not activ/destructurat/inactiv.
- leader_ids:cnp - one CNP in CNP_LIDERI is invalid.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from analysis.synth.faults import Faults

TRUTH_SCHEMA = {"file": pl.String, "row": pl.Int64, "column": pl.String, "rule": pl.String}


@dataclass(frozen=True)
class Rule:
    """One way to break a row: `apply` returns the changed cells; None means copy an earlier
    valid row whole (a uniqueness defect)."""

    id: str
    column: str
    apply: Callable[[dict[str, Any], Faults], dict[str, Any]] | None = None


def _targets(
    rules: tuple[Rule, ...], n: int, can_break: np.ndarray, rng: np.random.Generator
) -> list[np.ndarray]:
    """Rows for each rule: n in all, spread evenly over the rules, each row used once.

    Duplicates draw first, after setting aside the first free row to stay valid, so every
    duplicate has an earlier valid row to copy.
    """
    counts = np.full(len(rules), n // len(rules))
    counts[rng.permutation(len(rules))[: n % len(rules)]] += 1
    taken = ~can_break.copy()
    chosen: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * len(rules)
    for i in sorted(range(len(rules)), key=lambda i: rules[i].apply is not None):
        pool = ~taken
        if rules[i].apply is None:
            free = np.flatnonzero(~taken)
            if free.size == 0:
                continue
            taken[free[0]] = True  # kept valid: the row duplicates may copy
            pool[: free[0] + 1] = False
        rows = np.flatnonzero(pool)
        pick = rng.choice(rows, min(int(counts[i]), rows.size), replace=False)
        taken[pick] = True
        chosen[i] = np.sort(pick)
    return chosen


def inject(
    file: str,
    extract: pl.DataFrame,
    rules: tuple[Rule, ...],
    ratio: float,
    faults: Faults,
    referenced: np.ndarray | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Break round(ratio x rows) rows of `extract`; return it and the truth rows for it.
    Rows marked `referenced` (other extracts refer to them) are never broken."""
    rng = faults.rng
    height = extract.height
    can_break = np.ones(height, bool) if referenced is None else ~referenced
    chosen = _targets(rules, round(ratio * height), can_break, rng)
    broken = np.zeros(height, bool)
    for rows in chosen:
        broken[rows] = True
    changes: dict[str, tuple[list[int], list[Any]]] = {c: ([], []) for c in extract.columns}
    truth = []
    for rule, rows in zip(rules, chosen, strict=True):
        if rule.apply is None:
            sources = _duplicate_sources(rows, broken, rng)
            for column in extract.columns:
                changes[column][0].extend(rows.tolist())
                changes[column][1].extend(extract[column].gather(sources).to_list())
        else:
            for j, row in zip(rows.tolist(), extract[rows].iter_rows(named=True), strict=True):
                for column, value in rule.apply(row, faults).items():
                    changes[column][0].append(j)
                    changes[column][1].append(value)
        truth += [(file, int(j) + 1, rule.column, rule.id) for j in rows]
    columns = []
    for column in extract.columns:
        series = extract[column].clone()
        at, values = changes[column]
        if at:
            series = series.scatter(at, pl.Series(values, dtype=series.dtype))
        columns.append(series)
    frame = pl.DataFrame(columns)
    truth_frame = pl.DataFrame(truth, schema=TRUTH_SCHEMA, orient="row")
    return frame, truth_frame.sort("row")


def _duplicate_sources(
    rows: np.ndarray, broken: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """For each target, a random earlier row that stays valid (one always exists: _targets)."""
    clean = np.flatnonzero(~broken)
    sources = []
    for j in rows:
        earlier = clean[: np.searchsorted(clean, j)]
        sources.append(earlier[int(rng.integers(earlier.size))])
    return np.array(sources, dtype=np.int64)
