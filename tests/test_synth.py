"""The synthetic partner extracts: reproducible, in each partner's format, realistic where the
demo relies on it, and with a truth file that names exactly the rows that break a rule.

The rule checks below are written from specs/partner-extracts.md, independently of the
generator: files are read with the csv module, openpyxl and pyarrow, not with the code that
wrote them, and expected values come from the specification, not from the generator's output.
"""

import csv
import datetime as dt
import io
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import openpyxl
import pyarrow.parquet as pq
import pytest

import analysis.synth.defects as defects_module
from analysis.reference.cnp import cnp_problem, make_cnp
from analysis.reference.counties import UnknownCounty, county_code
from analysis.reference.countries import ISO_ALPHA2
from analysis.reference.files import reference_file
from analysis.reference.markets import MARKETS
from analysis.synth import generate
from analysis.synth.persons import cnp_numbers
from analysis.synth.writers import write_csv

HEADERS = {  # copied from specs/partner-extracts.md
    "police_cases.csv": "NR_DOSAR DATA_INREGISTRARE JUDET PIATA ART_INCADRARE GRUP_INFRACTIONAL "
    "ID_GRUP NR_SUSPECTI CNP_SUSPECTI PREJUDICIU_RON STADIU OBSERVATII",
    "customs_seizures.xlsx": "ID_CAPTURA DATA_CAPTURA PUNCT_TRECERE JUDET MARFA CANTITATE UM "
    "VALOARE_RON TARA_ORIGINE TARA_DESTINATIE MIJLOC_TRANSPORT CNP_PERSOANE NR_DOSAR",
    "prosecution_cases.csv": "NR_DOSAR_PARCHET NR_DOSAR_POLITIE STRUCTURA JUDET DATA_SESIZARE "
    "DATA_SOLUTIE SOLUTIE PIETE ID_GRUP NR_INCULPATI CNP_INCULPATI SECHESTRU_RON",
    "court_decisions.csv": "NR_DOSAR_INSTANTA NR_DOSAR_PARCHET INSTANTA DATA_HOTARARE "
    "CNP_INCULPAT SOLUTIE PEDEAPSA_LUNI CONFISCARE_RON DEFINITIVA",
    "ocg_register.parquet": "ID_GRUP DATA_IDENTIFICARE JUDET_BAZA NR_MEMBRI STRUCTURA PIETE TARI "
    "VIOLENTA CORUPTIE STRUCTURI_LEGALE SPALARE_BANI CONTRAMASURI EXPERTIZA STATUS CNP_LIDERI",
}
HEADERS = {k: v.split() for k, v in HEADERS.items()}
PARTNER_FILES = tuple(HEADERS)
ALL_FILES = (*PARTNER_FILES, "population.csv", "eurostat_crime.tsv", "_defects.csv", "_synth.json")
MARKET_CODES = {m.code for m in MARKETS}
SEIZABLE = {m.code for m in MARKETS if m.seizable}
CEDILLA, COMMA_BELOW = set("şţŞŢ"), set("șțȘȚ")


# ---- reading the files without the generator's code -------------------------------------------


def read_csv(path: Path, encoding: str, separator: str) -> list[dict]:
    text = path.read_bytes().decode(encoding)
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=separator))
    return [{k: (v if v != "" else None) for k, v in r.items()} for r in rows]


def read_all(out: Path) -> dict[str, list[dict]]:
    book = openpyxl.load_workbook(out / "customs_seizures.xlsx", read_only=True)
    sheet = book.worksheets[0].iter_rows(values_only=True)
    header = next(sheet)
    customs = [dict(zip(header, r, strict=True)) for r in sheet]
    book.close()
    return {
        "police_cases.csv": read_csv(out / "police_cases.csv", "cp1250", ";"),
        "customs_seizures.xlsx": customs,
        "prosecution_cases.csv": read_csv(out / "prosecution_cases.csv", "utf-8-sig", ";"),
        "court_decisions.csv": read_csv(out / "court_decisions.csv", "utf-8", ","),
        "ocg_register.parquet": pq.read_table(out / "ocg_register.parquet").to_pylist(),
    }


def read_truth(out: Path) -> set[tuple]:
    rows = read_csv(out / "_defects.csv", "utf-8", ",")
    return {(r["file"], int(r["row"]), r["column"], r["rule"]) for r in rows}


# ---- the specification's rules -------------------------------------------------------------------

_DATE = {
    r"\d{2}\.\d{2}\.\d{4}": "%d.%m.%Y",
    r"\d{4}-\d{2}-\d{2}": "%Y-%m-%d",
    r"\d{2}/\d{2}/\d{4}": "%d/%m/%Y",
}


def parse_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    for pattern, fmt in _DATE.items():
        if isinstance(value, str) and re.fullmatch(pattern, value):
            try:
                return dt.datetime.strptime(value, fmt).date()
            except ValueError:
                return None
    return None


def money_ok(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, int | float):
        text = repr(float(value))
    elif "," in value:
        text = value.replace(".", "").replace(" ", "").replace(",", ".")
    else:
        text = value
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return False
    return amount >= 0 and amount.as_tuple().exponent >= -2


def as_int(value: object) -> int | None:
    try:
        return int(value) if not isinstance(value, float) or value.is_integer() else None
    except (TypeError, ValueError):
        return None


def split(value: object) -> list[str]:
    return str(value).split("|") if value else []


def yes_no(value: object) -> bool | None:
    return {"DA": True, "1": True, "NU": False, "0": False}.get(str(value).upper())


def county_ok(value: object) -> bool:
    try:
        county_code(str(value))
    except UnknownCounty:
        return False
    return value is not None


class Check:
    """Collects (file, row, column, rule) for one row."""

    def __init__(self, file: str, row: int, found: set) -> None:
        self.file, self.row, self.found = file, row, found

    def fail(self, column: str, rule: str, broken: bool = True) -> None:
        if broken:
            self.found.add((self.file, self.row, column, rule))

    def date(self, value: object, column: str, name: str) -> dt.date | None:
        day = parse_date(value)
        self.fail(column, f"{name}:date", day is None)
        self.fail(column, f"{name}:not_future", day is not None and day > dt.date.today())
        self.fail(column, f"{name}:not_before_1990", day is not None and day < dt.date(1990, 1, 1))
        return day

    def key(self, value: str, column: str, name: str, pattern: str, seen: set) -> None:
        self.fail(column, f"{name}:pattern", not re.fullmatch(pattern, str(value)))
        self.fail(column, f"{name}:unique", value in seen)
        seen.add(value)

    def cnps(self, value: object, column: str, rule: str) -> list[str]:
        ids = split(value)
        self.fail(column, rule, any(cnp_problem(c) for c in ids))
        return ids


def check_police(rows: list[dict], found: set) -> None:
    seen: set = set()
    for i, r in enumerate(rows, 1):
        c = Check("police_cases.csv", i, found)
        c.key(r["NR_DOSAR"], "NR_DOSAR", "case_id", r"\d{1,7}/P/\d{4}", seen)
        c.date(r["DATA_INREGISTRARE"], "DATA_INREGISTRARE", "registered_on")
        c.fail("JUDET", "county:county", not county_ok(r["JUDET"]))
        c.fail("PIATA", "market:enum", r["PIATA"] not in MARKET_CODES)
        c.fail("ART_INCADRARE", "legal_basis:required", not r["ART_INCADRARE"])
        ocg, group = yes_no(r["GRUP_INFRACTIONAL"]), r["ID_GRUP"]
        c.fail("GRUP_INFRACTIONAL", "ocg_involved:yes_no", ocg is None)
        c.fail("ID_GRUP", "ocg_id:pattern", group and not re.fullmatch(r"GR-\d{6}", group))
        c.fail("ID_GRUP", "ocg_id:required_if_ocg", ocg is True and not group)
        c.fail("ID_GRUP", "ocg_id:empty_unless_ocg", ocg is False and bool(group))
        n = as_int(r["NR_SUSPECTI"])
        c.fail("NR_SUSPECTI", "n_suspects:range", n is None or not 0 <= n <= 500)
        ids = c.cnps(r["CNP_SUSPECTI"], "CNP_SUSPECTI", "suspect_ids:cnp")
        c.fail("CNP_SUSPECTI", "suspect_ids:count", n is not None and len(ids) != n)  # strictest
        c.fail("PREJUDICIU_RON", "damage_ron:money", not money_ok(r["PREJUDICIU_RON"]))
        c.fail(
            "STADIU",
            "status:enum",
            r["STADIU"] not in {"in_lucru", "solutionat", "declinat", "clasat"},
        )


def check_customs(rows: list[dict], found: set) -> None:
    seen: set = set()
    for i, r in enumerate(rows, 1):
        c = Check("customs_seizures.xlsx", i, found)
        c.key(r["ID_CAPTURA"], "ID_CAPTURA", "seizure_id", r"CAP-\d{4}-\d{6}", seen)
        c.date(r["DATA_CAPTURA"], "DATA_CAPTURA", "seized_on")
        c.fail("PUNCT_TRECERE", "border_point:required", not r["PUNCT_TRECERE"])
        c.fail("JUDET", "county:county", not county_ok(r["JUDET"]))
        c.fail("MARFA", "market:enum", r["MARFA"] not in SEIZABLE)
        qty = r["CANTITATE"]
        c.fail("CANTITATE", "quantity:positive", not isinstance(qty, int | float) or qty <= 0)
        c.fail("UM", "unit:enum", r["UM"] not in {"kg", "l", "buc", "fire", "pers"})
        c.fail("VALOARE_RON", "value_ron:money", not money_ok(r["VALOARE_RON"]))
        for col, name in (("TARA_ORIGINE", "origin"), ("TARA_DESTINATIE", "destination")):
            c.fail(col, f"{name}_country:iso", r[col] not in ISO_ALPHA2)
        modes = {"rutier", "feroviar", "maritim", "aerian", "postal", "pietonal"}
        c.fail("MIJLOC_TRANSPORT", "transport_mode:enum", r["MIJLOC_TRANSPORT"] not in modes)
        c.cnps(r["CNP_PERSOANE"], "CNP_PERSOANE", "person_ids:cnp")


def check_prosecution(rows: list[dict], found: set) -> None:
    seen: set = set()
    outcomes = {"rechizitoriu", "acord_recunoastere", "clasare", "renuntare", "declinare"}
    for i, r in enumerate(rows, 1):
        c = Check("prosecution_cases.csv", i, found)
        c.key(
            r["NR_DOSAR_PARCHET"], "NR_DOSAR_PARCHET", "prosecution_id", r"\d{1,6}/D/P/\d{4}", seen
        )
        c.fail("STRUCTURA", "office:required", not r["STRUCTURA"])
        c.fail("JUDET", "county:county", not county_ok(r["JUDET"]))
        opened = c.date(r["DATA_SESIZARE"], "DATA_SESIZARE", "opened_on")
        closed = r["DATA_SOLUTIE"] and c.date(r["DATA_SOLUTIE"], "DATA_SOLUTIE", "closed_on")
        late = bool(opened and closed and closed < opened)
        c.fail("DATA_SOLUTIE", "closed_on:not_before_opened", late)
        c.fail("SOLUTIE", "outcome:enum", r["SOLUTIE"] and r["SOLUTIE"] not in outcomes)
        c.fail("SOLUTIE", "outcome:empty_while_open", bool(r["SOLUTIE"]) != bool(r["DATA_SOLUTIE"]))
        markets = split(r["PIETE"])
        c.fail("PIETE", "markets:non_empty", not markets)
        c.fail("PIETE", "markets:enum", any(m not in MARKET_CODES for m in markets))
        group = r["ID_GRUP"]
        c.fail("ID_GRUP", "ocg_id:pattern", group and not re.fullmatch(r"GR-\d{6}", group))
        n = as_int(r["NR_INCULPATI"])
        c.fail("NR_INCULPATI", "n_defendants:range", n is None or not 0 <= n <= 500)
        ids = c.cnps(r["CNP_INCULPATI"], "CNP_INCULPATI", "defendant_ids:cnp")
        c.fail("CNP_INCULPATI", "defendant_ids:count", n is not None and len(ids) != n)
        c.fail("SECHESTRU_RON", "assets_frozen_ron:money", not money_ok(r["SECHESTRU_RON"]))


def check_courts(rows: list[dict], found: set) -> None:
    seen: set = set()
    verdicts = {"condamnare", "achitare", "incetare", "amanare_aplicare", "renuntare_aplicare"}
    for i, r in enumerate(rows, 1):
        c = Check("court_decisions.csv", i, found)
        case_id, cnp = r["NR_DOSAR_INSTANTA"], r["CNP_INCULPAT"]
        c.fail(
            "NR_DOSAR_INSTANTA",
            "court_case_id:pattern",
            not re.fullmatch(r"\d{1,6}/\d{1,3}/\d{4}", case_id),
        )
        c.fail(
            "NR_DOSAR_INSTANTA",
            "court_case_id+defendant_id:unique",
            (case_id, cnp) in seen,
        )
        seen.add((case_id, cnp))
        c.fail("NR_DOSAR_PARCHET", "prosecution_id:required", not r["NR_DOSAR_PARCHET"])
        c.fail(
            "NR_DOSAR_PARCHET",
            "prosecution_id:pattern",
            r["NR_DOSAR_PARCHET"] and not re.fullmatch(r"\d{1,6}/D/P/\d{4}", r["NR_DOSAR_PARCHET"]),
        )
        c.fail("INSTANTA", "court:required", not r["INSTANTA"])
        c.date(r["DATA_HOTARARE"], "DATA_HOTARARE", "decided_on")
        c.fail("CNP_INCULPAT", "defendant_id:cnp", not cnp or cnp_problem(cnp) is not None)
        c.fail("SOLUTIE", "verdict:enum", r["SOLUTIE"] not in verdicts)
        months = as_int(r["PEDEAPSA_LUNI"])
        c.fail("PEDEAPSA_LUNI", "sentence_months:range", months is None or not 0 <= months <= 600)
        c.fail(
            "PEDEAPSA_LUNI",
            "sentence_months:zero_unless_conviction",
            bool(months) and r["SOLUTIE"] != "condamnare",
        )
        c.fail("CONFISCARE_RON", "confiscated_ron:money", not money_ok(r["CONFISCARE_RON"]))
        c.fail("DEFINITIVA", "final:yes_no", yes_no(r["DEFINITIVA"]) is None)


SCORES = {
    "VIOLENTA": "violence",
    "CORUPTIE": "corruption",
    "STRUCTURI_LEGALE": "legal_structures",
    "SPALARE_BANI": "money_laundering",
    "CONTRAMASURI": "countermeasures",
    "EXPERTIZA": "expertise",
}


def check_register(rows: list[dict], found: set) -> None:
    seen: set = set()
    for i, r in enumerate(rows, 1):
        c = Check("ocg_register.parquet", i, found)
        c.key(r["ID_GRUP"], "ID_GRUP", "ocg_id", r"GR-\d{6}", seen)
        c.date(r["DATA_IDENTIFICARE"], "DATA_IDENTIFICARE", "identified_on")
        c.fail("JUDET_BAZA", "home_county:county", not county_ok(r["JUDET_BAZA"]))
        c.fail("NR_MEMBRI", "n_members:range", not 2 <= r["NR_MEMBRI"] <= 1000)
        structures = {"ierarhica", "retea", "celula", "clan"}
        c.fail("STRUCTURA", "structure:enum", r["STRUCTURA"] not in structures)
        markets = split(r["PIETE"])
        c.fail("PIETE", "markets:non_empty", not markets)
        c.fail("PIETE", "markets:enum", any(m not in MARKET_CODES for m in markets))
        c.fail("TARI", "countries:iso", any(t not in ISO_ALPHA2 for t in split(r["TARI"])))
        for column, name in SCORES.items():
            c.fail(column, f"{name}:range", not 0 <= r[column] <= 3)
        c.fail("STATUS", "status:enum", r["STATUS"] not in {"activ", "destructurat", "inactiv"})
        c.cnps(r["CNP_LIDERI"], "CNP_LIDERI", "leader_ids:cnp")


def violations(data: dict[str, list[dict]]) -> set[tuple]:
    """Every rule broken anywhere, as (file, row, column, rule)."""
    found: set = set()
    check_police(data["police_cases.csv"], found)
    check_customs(data["customs_seizures.xlsx"], found)
    check_prosecution(data["prosecution_cases.csv"], found)
    check_courts(data["court_decisions.csv"], found)
    check_register(data["ocg_register.parquet"], found)
    return found


def dangling_references(data: dict[str, list[dict]], broken: set[tuple]) -> list[tuple]:
    """References from valid rows that do not resolve to a valid row of the other extract."""
    bad = {(f, r) for f, r, *_ in broken}

    def valid(file: str, column: str) -> set:
        return {r[column] for i, r in enumerate(data[file], 1) if (file, i) not in bad}

    targets = {
        "police": valid("police_cases.csv", "NR_DOSAR"),
        "pros": valid("prosecution_cases.csv", "NR_DOSAR_PARCHET"),
        "group": valid("ocg_register.parquet", "ID_GRUP"),
    }
    links = (
        ("customs_seizures.xlsx", "NR_DOSAR", "police"),
        ("prosecution_cases.csv", "NR_DOSAR_POLITIE", "police"),
        ("court_decisions.csv", "NR_DOSAR_PARCHET", "pros"),
        ("police_cases.csv", "ID_GRUP", "group"),
        ("prosecution_cases.csv", "ID_GRUP", "group"),
    )
    return [
        (file, i, column)
        for file, column, target in links
        for i, r in enumerate(data[file], 1)
        if (file, i) not in bad and r[column] and r[column] not in targets[target]
    ]


# ---- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clean")
    generate(out, seed=7, scale=0.005, defects=0.0, progress=False)
    return out


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("broken")
    generate(out, seed=11, scale=0.005, defects=0.25, progress=False)
    return out


def _bytes(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in ALL_FILES}


# ---- reproducibility -----------------------------------------------------------------------------


def test_same_seed_gives_the_same_bytes_and_another_seed_other_data(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        seed = 3 if name != "c" else 4
        generate(tmp_path / name, seed=seed, scale=0.002, defects=0.1, progress=False)
    a, b, c = (_bytes(tmp_path / n) for n in "abc")
    assert a == b
    for name in (*PARTNER_FILES, "_defects.csv"):
        assert a[name] != c[name], name
    assert a["population.csv"] == c["population.csv"]
    assert not list(tmp_path.glob("*/.*partial"))


def test_summary_and_manifest_describe_the_files(tmp_path: Path) -> None:
    import hashlib
    import json

    summary = generate(tmp_path, seed=1, scale=0.002, defects=0.05, progress=False)
    manifest = json.loads((tmp_path / "_synth.json").read_text(encoding="utf-8"))
    assert (manifest["seed"], manifest["scale"], manifest["defects"]) == (1, 0.002, 0.05)
    assert manifest["version"]
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
    assert manifest["files"]["police_cases.csv"]["rows"] == 2_000  # 1 000 000 x 0.002
    assert summary.rows["police_cases"] == 2_000
    assert summary.paths["police_cases"] == tmp_path / "police_cases.csv"


# ---- formats -------------------------------------------------------------------------------------


def test_police_extract_is_windows_1250_with_semicolons_crlf_and_decimal_commas(
    clean: Path,
) -> None:
    raw = (clean / "police_cases.csv").read_bytes()
    text = raw.decode("cp1250")
    assert set(text) & CEDILLA and not set(text) & COMMA_BELOW
    assert raw.count(b"\r\n") == raw.count(b"\n") and raw.endswith(b"\r\n")
    assert text.splitlines()[0].split(";") == HEADERS["police_cases.csv"]
    rows = read_csv(clean / "police_cases.csv", "cp1250", ";")
    assert all(re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", r["DATA_INREGISTRARE"]) for r in rows)
    money = [r["PREJUDICIU_RON"] for r in rows if r["PREJUDICIU_RON"]]
    assert all(re.fullmatch(r"\d{1,3}(\.\d{3})*,\d{2}|\d+,\d{2}", m) for m in money)
    assert any("." in m for m in money)
    assert {r["GRUP_INFRACTIONAL"] for r in rows} == {"DA", "NU"}
    spellings = {r["JUDET"] for r in rows}
    assert {"B", "Bucureşti", "Bucuresti"} & spellings and any("Judeţul" in s for s in spellings)
    notes = [r["OBSERVATII"] for r in rows if r["OBSERVATII"]]
    assert {n[0] for n in notes} >= {"=", "+", "-", "@"}


def test_prosecution_extract_is_utf8_with_bom_and_two_date_styles(clean: Path) -> None:
    raw = (clean / "prosecution_cases.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].split(";") == HEADERS["prosecution_cases.csv"]
    assert set(text) & COMMA_BELOW and not set(text) & CEDILLA
    dates = [
        r["DATA_SESIZARE"] for r in read_csv(clean / "prosecution_cases.csv", "utf-8-sig", ";")
    ]
    assert any("/" in d for d in dates) and any("." in d for d in dates)


def test_court_extract_has_iso_dates_and_one_zero(clean: Path) -> None:
    raw = (clean / "court_decisions.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = read_csv(clean / "court_decisions.csv", "utf-8", ",")
    assert list(rows[0]) == HEADERS["court_decisions.csv"]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["DATA_HOTARARE"]) for r in rows)
    assert {r["DEFINITIVA"] for r in rows} == {"0", "1"}


def test_xlsx_and_parquet_carry_the_spec_headers(clean: Path) -> None:
    book = openpyxl.load_workbook(clean / "customs_seizures.xlsx", read_only=True)
    rows = book.worksheets[0].iter_rows(values_only=True)
    assert list(next(rows)) == HEADERS["customs_seizures.xlsx"]
    first = next(rows)
    assert isinstance(first[1], dt.datetime) and isinstance(first[5], int | float)
    book.close()
    assert pq.read_schema(clean / "ocg_register.parquet").names == HEADERS["ocg_register.parquet"]


def test_reference_copies_are_byte_identical(clean: Path) -> None:
    for name, source in (
        ("population.csv", "POP105A_county_totals_2012_2025.csv"),
        ("eurostat_crime.tsv", "crim_off_cat.tsv"),
    ):
        assert (clean / name).read_bytes() == reference_file(source).read_bytes()


def test_a_failed_write_leaves_no_file(tmp_path: Path) -> None:
    import polars as pl

    with pytest.raises(UnicodeEncodeError):
        write_csv(pl.DataFrame({"A": ["中"]}), tmp_path / "x.csv", separator=";", encoding="cp1250")
    assert list(tmp_path.iterdir()) == []


# ---- clean data ----------------------------------------------------------------------------------


def test_without_defects_every_row_is_valid(clean: Path) -> None:
    data = read_all(clean)
    assert violations(data) == set()
    assert read_truth(clean) == set()
    assert dangling_references(data, set()) == []
    cnps = [
        c
        for rows in data.values()
        for r in rows
        for k, v in r.items()
        if k.startswith("CNP")
        for c in split(v)
    ]
    assert len(cnps) > 1000 and all(cnp_problem(c) is None for c in cnps)
    counties = [
        r[k] for rows in data.values() for r in rows for k in ("JUDET", "JUDET_BAZA") if k in r
    ]
    assert len({county_code(c) for c in counties}) == 42


def test_vectorised_cnps_equal_make_cnp() -> None:
    rng = np.random.default_rng(0)
    born = np.datetime64("1950-01-01") + rng.integers(0, 20_000, 200)
    male, county, serial = (
        rng.random(200) < 0.5,
        rng.integers(1, 47, 200),
        rng.integers(1, 1000, 200),
    )
    got = cnp_numbers(male, born, county, serial)
    for g, m, b, c, s in zip(got, male, born, county, serial, strict=True):
        assert str(g) == make_cnp("M" if m else "F", b.astype(dt.date), f"{c:02d}", int(s))


# ---- defects -------------------------------------------------------------------------------------


def _documented_rules() -> dict[str, set[str]]:
    rules: dict[str, set[str]] = {}
    section = ""
    for line in defects_module.__doc__.splitlines():
        if line.strip() in {
            "police_cases",
            "customs_seizures",
            "prosecution_cases",
            "court_decisions",
            "ocg_register",
        }:
            section = line.strip()
        elif section and line.startswith(("- ", "  ")):
            head = line.split(" - ")[0]
            rules.setdefault(section, set()).update(re.findall(r"[a-z_+]+:[a-z_0-9]+", head))
    return rules


def test_truth_names_exactly_the_rows_that_break_a_rule(broken: Path) -> None:
    truth = read_truth(broken)
    data = read_all(broken)
    assert violations(data) == truth
    assert dangling_references(data, truth) == []
    rows = [(f, r) for f, r, *_ in truth]
    assert len(rows) == len(set(rows)), "a broken row breaks one rule only"


def test_defects_cover_every_documented_rule_and_a_quarter_of_each_file(broken: Path) -> None:
    truth = read_truth(broken)
    data = read_all(broken)
    documented = _documented_rules()
    for file in PARTNER_FILES:
        stem = file.split(".")[0]
        used = {rule for f, _, _, rule in truth if f == file}
        assert used <= documented[stem], used - documented[stem]
        n = sum(1 for f, *_ in truth if f == file)
        if stem == "ocg_register":  # 15 groups, and only those no case names may be broken
            assert 0 < n <= round(0.25 * len(data[file]))
        else:
            assert used == documented[stem]
            assert n == round(0.25 * len(data[file])), file


def test_broken_cnps_and_counties_really_are(broken: Path) -> None:
    data = read_all(broken)
    for file, row, column, rule in read_truth(broken):
        value = data[file][row - 1][column]
        if rule.endswith(":cnp"):
            assert any(cnp_problem(c) for c in split(value))
        elif rule.endswith("county:county"):
            with pytest.raises(UnknownCounty):
                county_code(str(value))


# ---- volumes and realism ---------------------------------------------------------------------


def test_volumes_scale_linearly(clean: Path, tmp_path: Path) -> None:
    generate(tmp_path, seed=7, scale=0.01, defects=0.0, progress=False)
    small, large = read_all(clean), read_all(tmp_path)
    assert len(large["police_cases.csv"]) == 10_000 and len(small["police_cases.csv"]) == 5_000
    assert len(large["customs_seizures.xlsx"]) == 1_000
    assert len(large["prosecution_cases.csv"]) == 1_500
    assert len(large["ocg_register.parquet"]) == 30
    ratio = len(large["court_decisions.csv"]) / len(small["court_decisions.csv"])
    assert 1.75 < ratio < 2.25
    assert 1_500 < len(large["court_decisions.csv"]) < 2_500  # ~200 000 x 0.01


def test_covid_lockdown_dip_and_county_pattern(tmp_path: Path) -> None:
    generate(tmp_path, seed=5, scale=0.02, defects=0.0, progress=False)
    rows = read_csv(tmp_path / "police_cases.csv", "cp1250", ";")
    months = [r["DATA_INREGISTRARE"][3:] for r in rows]
    lockdown = sum(m in {"04.2020", "05.2020"} for m in months)
    around = sum(m in {"04.2019", "05.2019", "04.2021", "05.2021"} for m in months) / 2
    assert lockdown < 0.75 * around
    by_county: dict[str, int] = {}
    for r in rows:
        code = county_code(r["JUDET"])
        by_county[code] = by_county.get(code, 0) + 1
    assert max(by_county, key=by_county.get) == "B"  # biggest population and a boost
    assert by_county["CT"] > by_county["BR"] and by_county["CJ"] > by_county["SJ"]


def test_seizures_follow_the_routes(clean: Path) -> None:
    rows = read_all(clean)["customs_seizures.xlsx"]
    origin = {
        "drugs_cocaine": {"CO", "EC", "BR", "PE", "NL", "ES", "BE"},
        "drugs_heroin": {"AF", "IR", "TR"},
        "excise_goods": {"UA", "MD", "RS", "BY"},
        "migrant_smuggling": {"AF", "SY", "PK", "BD", "TR", "RS"},
    }
    units = {
        "migrant_smuggling": {"pers"},
        "firearms": {"buc"},
        "drugs_cocaine": {"kg"},
        "excise_goods": {"fire", "l"},
    }
    for r in rows:
        assert r["TARA_ORIGINE"] in origin.get(r["MARFA"], {r["TARA_ORIGINE"]})
        assert r["UM"] in units.get(r["MARFA"], {r["UM"]})
    assert {r["PUNCT_TRECERE"] for r in rows if r["MARFA"] == "drugs_cocaine"} & {"Port Constanța"}


def test_group_members_recur_from_police_to_court(clean: Path) -> None:
    data = read_all(clean)
    police: dict[str, set] = {}
    for r in data["police_cases.csv"]:
        if r["ID_GRUP"]:
            police.setdefault(r["ID_GRUP"], set()).update(split(r["CNP_SUSPECTI"]))
    pros: dict[str, set] = {}
    defendants = {}
    for r in data["prosecution_cases.csv"]:
        defendants[r["NR_DOSAR_PARCHET"]] = (r["ID_GRUP"], set(split(r["CNP_INCULPATI"])))
        if r["ID_GRUP"]:
            pros.setdefault(r["ID_GRUP"], set()).update(split(r["CNP_INCULPATI"]))
    shared = [g for g in pros if police.get(g, set()) & pros[g]]
    assert len(shared) >= 0.8 * len(pros) > 0
    convicted_members = 0
    for r in data["court_decisions.csv"]:
        group, accused = defendants[r["NR_DOSAR_PARCHET"]]
        assert r["CNP_INCULPAT"] in accused
        convicted_members += bool(group) and r["CNP_INCULPAT"] in police.get(group, set())
    assert convicted_members > 10
    linked = [r for r in data["prosecution_cases.csv"] if r["NR_DOSAR_POLITIE"]]
    assert len(linked) > 0.4 * len(data["prosecution_cases.csv"])
