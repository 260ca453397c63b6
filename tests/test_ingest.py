"""Governed ingest: every row accepted or quarantined with its reasons, never lost, no CNP kept.

The fixture extracts are written here by hand (or from hand-written rows), as partners send
them; expected counts and reasons are worked out from those rows.
"""

import datetime as dt
import hmac
import json
import stat
from functools import partial
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.audit import AuditLog
from analysis.ingest.decode import Unreadable
from analysis.ingest.pseudonymise import KEY_FILE, MissingKey, load_key
from analysis.ingest.run import TooManyRejected, ingest_file
from analysis.ingest.snapshot import verify_snapshot
from analysis.synth import EXTRACTS as SYNTH_EXTRACTS

TODAY = dt.date(2026, 11, 29)
HEADER = (
    "NR_DOSAR;DATA_INREGISTRARE;JUDET;PIATA;ART_INCADRARE;GRUP_INFRACTIONAL;ID_GRUP;"
    "NR_SUSPECTI;CNP_SUSPECTI;PREJUDICIU_RON;STADIU;OBSERVATII"
)
# Hand-worked CNP test vectors (tests/test_reference.py shows the check digits).
CNPS = ("1800101221144", "2990312400013", "1800101221541")


def valid_row(n: int) -> str:
    """A row that satisfies every rule of the police contract."""
    return (
        f"{n}/P/2024;15.03.2024;Cluj;drugs_cannabis;L143/2000 art. 2;DA;GR-000001;2;"
        f"{CNPS[0]}|{CNPS[1]};1.234,50;in_lucru;Percheziţie"
    )


def police_file(
    tmp_path: Path, rows: list[str], name: str = "police.csv", encoding: str = "cp1250"
) -> Path:
    path = tmp_path / name
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode(encoding))
    return path


BAD_ROWS = {  # row text -> the one rule it breaks
    "9001/P/2024;31.02.2024;CJ;drugs_cannabis;x;NU;;0;;;in_lucru;": "registered_on:date",
    "9002/P/2024;01.05.2024;Ilfof;cybercrime;x;NU;;0;;;in_lucru;": "county:county",
    "9003/P/2024;01.05.2024;B;drugs;x;NU;;0;;;in_lucru;": "market:enum",
    "9004/P/2024;01.05.2024;B;cybercrime;x;NU;;1;1800101221145;;in_lucru;": "suspect_ids:cnp",
    "9005/P/2024;01.05.2024;B;cybercrime;x;DA;;0;;;in_lucru;": "ocg_id:required_if_ocg",
    "9006/P/2024;01.05.2024;B;cybercrime;x;NU;GR-000002;0;;;in_lucru;": "ocg_id:empty_unless_ocg",
    "9007/P/2024;01.05.2024;B;cybercrime;x;NU;;3;1800101221144;;in_lucru;": "suspect_ids:count",
    "9008/P/2024;01.05.2024;B;cybercrime;x;NU;;0;;-5,00;in_lucru;": "damage_ron:money",
    "9009/P/2024;01.05.2024;B;cybercrime;x;NU;;0;;;suspendat;": "status:enum",
    "9010/P/2043;01.05.2043;B;cybercrime;x;NU;;0;;;in_lucru;": "registered_on:not_future",
    "1/P/2024;15.03.2024;Cluj;drugs_cannabis;x;NU;;0;;;in_lucru;": "case_id:unique",
    "ABC;01.05.2024;B;cybercrime;x;NU;;0;;;in_lucru;": "case_id:pattern",
    "9011/P/2024;01.05.2024;B;cybercrime;;NU;;0;;;in_lucru;": "legal_basis:required",
    "9012/P/2024;01.05.2024;B;cybercrime;x;POATE;;0;;;in_lucru;": "ocg_involved:yes_no",
    "9013/P/2024;01.05.2024;B;cybercrime;x;NU;;501;;;in_lucru;": "n_suspects:range",
}


def test_every_rule_quarantines_exactly_its_row(catalog, tmp_path):
    good = [valid_row(n) for n in range(1, 401)]
    path = police_file(tmp_path, good + list(BAD_ROWS))
    result = ingest_file(catalog, "police_cases", path, today=TODAY)
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (415, 400, 15)
    reasons = pl.read_csv(catalog.quarantine / "police_cases" / result.snapshot_id / "reasons.csv")
    got = dict(zip(reasons["row"], reasons["rule"], strict=True))
    assert got == {401 + i: rule for i, rule in enumerate(BAD_ROWS.values())}
    assert result.reasons == {rule: 1 for rule in BAD_ROWS.values()}


def test_reasons_name_column_value_and_rule_in_words(catalog, tmp_path):
    path = police_file(tmp_path, [valid_row(n) for n in range(1, 100)] + list(BAD_ROWS)[:4])
    result = ingest_file(catalog, "police_cases", path, today=TODAY)
    reasons = pl.read_csv(catalog.quarantine / "police_cases" / result.snapshot_id / "reasons.csv")
    messages = dict(zip(reasons["rule"], reasons["message"], strict=True))
    assert messages["county:county"] == 'JUDET "Ilfof" is not a county (did you mean "Ilfov"?)'
    assert messages["registered_on:date"].startswith('DATA_INREGISTRARE "31.02.2024" is not a date')
    assert messages["suspect_ids:cnp"] == "CNP_SUSPECTI: person 1: CNP check digit is wrong"


def test_no_cnp_reaches_snapshot_reasons_audit_or_manifest(catalog, tmp_path):
    path = police_file(tmp_path, [valid_row(n) for n in range(1, 400)] + list(BAD_ROWS))
    ingest_file(catalog, "police_cases", path, today=TODAY)
    visible = [
        *catalog.curated.rglob("*"),
        catalog.audit_log,
        *catalog.quarantine.rglob("reasons.csv"),
        *catalog.quarantine.rglob("summary.json"),
    ]
    for file in (f for f in visible if f.is_file()):
        data = file.read_bytes()
        for cnp in (*CNPS, "1800101221145"):
            assert cnp.encode() not in data, file
    raw_rows = next(catalog.quarantine.rglob("rows.csv"))
    assert stat.S_IMODE(raw_rows.stat().st_mode) == 0o600  # stewards only: it holds raw rows


def test_snapshot_is_typed_normalised_and_pseudonymised(catalog, tmp_path):
    path = police_file(tmp_path, [valid_row(n) for n in range(1, 50)])
    result = ingest_file(catalog, "police_cases", path, today=TODAY)
    snap = pl.read_parquet(catalog.snapshot_data("police_cases", result.snapshot_id))
    first = snap.row(0, named=True)
    assert first["county"] == "CJ" and first["registered_on"] == dt.date(2024, 3, 15)
    assert first["damage_ron"] == 1234.5 and first["ocg_involved"] is True
    assert first["notes"] == "Percheziție"  # cedilla ţ became comma-below ț
    assert len(first["suspect_ids"]) == 2 and all(p.startswith("k1-") for p in first["suspect_ids"])
    manifest = catalog.snapshot_manifest("police_cases", result.snapshot_id)
    assert manifest["contract_id"] == "nocta.police_cases" and manifest["key_version"] == "k1"
    assert verify_snapshot(catalog, "police_cases", result.snapshot_id) == []


def test_the_same_person_has_the_same_pseudonym_in_every_source(catalog, tmp_path):
    police = police_file(tmp_path, [valid_row(n) for n in range(1, 30)])
    court = tmp_path / "court.csv"
    court.write_text(
        "NR_DOSAR_INSTANTA,NR_DOSAR_PARCHET,INSTANTA,DATA_HOTARARE,CNP_INCULPAT,SOLUTIE,"
        "PEDEAPSA_LUNI,CONFISCARE_RON,DEFINITIVA\n"
        f"12/2/2024,5/D/P/2024,Tribunalul Cluj,2024-09-01,{CNPS[0]},condamnare,36,,1\n",
        encoding="utf-8",
    )
    ingest_file(catalog, "police_cases", police, today=TODAY)
    ingest_file(catalog, "court_decisions", court, today=TODAY)
    suspects = pl.read_parquet(catalog.snapshot_data("police_cases"))["suspect_ids"][0]
    verdict = pl.read_parquet(catalog.snapshot_data("court_decisions")).row(0, named=True)
    assert verdict["defendant_id"] == suspects[0]
    assert (verdict["defendant_id_birth_year"], verdict["defendant_id_sex"]) == (1980, "M")
    key = load_key(catalog.keys)  # and it is HMAC-SHA256 under the key, domain-separated
    mac = hmac.new(key.secret, f"cnp\0{CNPS[0]}".encode(), "sha256").hexdigest()
    assert verdict["defendant_id"] == f"{key.version}-{mac[:16]}"
    assert key.pseudonym(CNPS[0], domain="passport") != verdict["defendant_id"]


def test_too_many_rejected_publishes_nothing_and_keeps_the_quarantine(catalog, tmp_path):
    path = police_file(tmp_path, [valid_row(1), *list(BAD_ROWS)[:3]])
    with pytest.raises(TooManyRejected, match=r"3 of 4 rows \(75.0%\)"):
        ingest_file(catalog, "police_cases", path, today=TODAY)
    assert not (catalog.curated / "police_cases").exists()
    assert len(list((catalog.quarantine / "police_cases").iterdir())) == 1
    assert "rejected" in AuditLog(catalog.audit_log).path.read_text()


def test_reingesting_an_identical_file_is_a_no_op(catalog, tmp_path):
    path = police_file(tmp_path, [valid_row(n) for n in range(1, 30)])
    first = ingest_file(catalog, "police_cases", path, today=TODAY)
    again = ingest_file(catalog, "police_cases", path, today=TODAY)
    assert again.reused and again.snapshot_id == first.snapshot_id
    assert len(list((catalog.curated / "police_cases").iterdir())) == 1


def test_sending_the_good_file_again_after_a_bad_one_makes_it_current(catalog, tmp_path):
    good = police_file(tmp_path, [valid_row(n) for n in range(1, 30)], "good.csv")
    bad = police_file(tmp_path, [valid_row(n) for n in range(1, 5)], "bad.csv")  # cut short
    first = ingest_file(catalog, "police_cases", good, today=TODAY)
    ingest_file(catalog, "police_cases", bad, today=TODAY)
    assert pl.read_parquet(catalog.snapshot_data("police_cases")).height == 4
    again = ingest_file(catalog, "police_cases", good, today=TODAY)
    assert not again.reused and again.snapshot_id != first.snapshot_id
    assert catalog.latest_snapshot("police_cases") == again.snapshot_id
    assert pl.read_parquet(catalog.snapshot_data("police_cases")).height == 29
    assert len(list((catalog.curated / "police_cases").iterdir())) == 3  # none changed


def test_ingest_without_a_key_says_how_to_create_one(catalog, tmp_path):
    (catalog.keys / KEY_FILE).unlink()
    with pytest.raises(MissingKey, match="nocta keys init --pseudonym"):
        ingest_file(catalog, "police_cases", police_file(tmp_path, [valid_row(1)]), today=TODAY)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        ((HEADER + "\r\n").encode(), "no data rows"),
        (
            b"ID_CAPTURA;DATA_CAPTURA\r\nCAP-2020-000001;01.01.2020\r\n",
            r"missing column\(s\) NR_DOSAR",
        ),
        ("\ufeffNR_DOSAR".encode("utf-16"), "UTF-16"),
    ],
)
def test_files_that_cannot_be_read_as_the_source(catalog, tmp_path, content, message):
    path = tmp_path / "police.csv"
    path.write_bytes(content)
    with pytest.raises(Unreadable, match=message):
        ingest_file(catalog, "police_cases", path, today=TODAY)
    assert not catalog.curated.exists()


def test_awkward_but_legal_csv_loses_nothing(catalog, tmp_path):
    rows = [valid_row(n) for n in range(1, 60)]
    rows.append('8001/P/2024;15.03.2024;Cluj;cybercrime;x;NU;;0;;;in_lucru;"two\r\nlines"')
    rows.append("8002/P/2024;15.03.2024;Cluj;cybercrime;x;NU;;0;;;in_lucru;=cmd|' /C calc'!A0")
    rows.append("8003/P/2024;15.03.2024;Cluj;cybercrime;x;NU")  # truncated last line
    path = police_file(tmp_path, rows)
    result = ingest_file(catalog, "police_cases", path, today=TODAY)
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (62, 61, 1)
    assert result.reasons == {"_row:fields": 1}
    snap = pl.read_parquet(catalog.snapshot_data("police_cases"))
    notes = snap.filter(pl.col("case_id").is_in(["8001/P/2024", "8002/P/2024"]))["notes"]
    assert notes.to_list() == ["two\r\nlines", "=cmd|' /C calc'!A0"]  # kept as text
    reasons = (catalog.quarantine / "police_cases" / result.snapshot_id / "rows.csv").read_text()
    assert "8003/P/2024" in reasons


@pytest.mark.parametrize("ending", ["\r\n", "\n", "mixed"])
def test_unix_windows_and_mixed_line_ends_read_the_same(catalog, tmp_path, ending):
    rows = [valid_row(n) for n in range(1, 60)]
    rows[10] = rows[10].rsplit(";", 2)[0]  # two fields short
    rows[20] += ";extra"  # one field too many
    mixed = ending == "mixed"
    ends = [("\r\n" if n % 3 else "\n") if mixed else ending for n in range(len(rows) + 1)]
    text = "".join(line + end for line, end in zip([HEADER, *rows], ends, strict=True))
    path = tmp_path / "police.csv"
    path.write_bytes(text.encode("cp1250"))
    result = ingest_file(catalog, "police_cases", path, today=TODAY)
    assert (result.rows_read, result.rows_quarantined) == (59, 2)
    assert quarantined(catalog, result) == {(11, "_row:fields"), (21, "_row:fields")}
    snap = pl.read_parquet(catalog.snapshot_data("police_cases"))
    assert not snap["notes"].str.contains("\r").any()  # no line end left inside a value


def test_a_streamed_file_reads_the_same_in_small_blocks(catalog, tmp_path):
    """Records split across blocks, a quoted newline at a block's edge, a key repeated blocks
    later and a Windows-1250 letter first seen late: the same outcome as one block."""
    rows = [valid_row(n) for n in range(1, 400)]
    rows[:300] = [r.replace("Percheziţie", "Control") for r in rows[:300]]  # ASCII, then ţ
    rows[200] = '201/P/2024;15.03.2024;Cluj;cybercrime;x;NU;;0;;;in_lucru;"a;\r\nb ""c"""'
    rows.append(valid_row(7))  # a repeat of row 7's case number, many blocks later
    rows.append("9999/P/2024;15.03.2024;Cluj;cybercrime;x;NU")  # a truncated last line
    path = police_file(tmp_path, rows)
    outcomes = []
    for block_bytes in (1 << 24, 997):
        home = tmp_path / f"home-{block_bytes}"
        other = type(catalog)(home)
        other.keys.mkdir(parents=True)
        (other.keys / KEY_FILE).write_bytes((catalog.keys / KEY_FILE).read_bytes())
        (other.keys / KEY_FILE).chmod(0o600)
        result = ingest_file(other, "police_cases", path, today=TODAY, block_bytes=block_bytes)
        snap = pl.read_parquet(other.snapshot_data("police_cases"))
        outcomes.append((result.rows_read, result.reasons, quarantined(other, result), snap))
    (read, reasons, rows_rules, snap), small = outcomes
    assert read == 401 and reasons == {"case_id:unique": 1, "_row:fields": 1}
    assert rows_rules == {(400, "case_id:unique"), (401, "_row:fields")}
    assert small[:3] == (read, reasons, rows_rules) and small[3].equals(snap)
    assert snap.filter(pl.col("case_id") == "201/P/2024")["notes"].item() == 'a;\r\nb "c"'
    assert result.read_as["encoding"] == "cp1250"
    assert snap["notes"].str.contains("Percheziție").sum() == 99  # ţ read, made comma-below


def test_a_byte_the_encoding_cannot_hold_quarantines_only_its_row(catalog, tmp_path):
    rows = [valid_row(n) for n in range(1, 60)]
    path = police_file(tmp_path, rows, encoding="utf-8")
    data = path.read_bytes().replace(b"59/P/2024;15.03.2024;Cluj", b"59/P/2024;15.03.2024;Cl\xffj")
    path.write_bytes(data.replace(b"Perchezi", "Percheziție ș".encode() + b"Perchezi"))
    result = ingest_file(catalog, "police_cases", path, today=TODAY)
    assert result.read_as["encoding"] == "utf-8"
    assert result.rows_quarantined == 1 and "_row:encoding" in result.reasons


def test_audit_log_records_collection_and_detects_an_edit(catalog, tmp_path):
    for n in range(3):
        path = police_file(tmp_path, [valid_row(i) for i in range(1, 20 + n)], f"p{n}.csv")
        ingest_file(catalog, "police_cases", path, today=TODAY)
    log = AuditLog(catalog.audit_log)
    assert log.verify().ok and log.verify().records == 3
    lines = catalog.audit_log.read_text().splitlines()
    record = json.loads(lines[1])
    assert record["operation"] == "collection" and record["outcome"] == "published"
    lines[1] = lines[1].replace('"rows_read": 20', '"rows_read": 2')
    catalog.audit_log.write_text("\n".join(lines) + "\n")
    broken = log.verify()
    assert not broken.ok and broken.first_bad_line == 3  # the record after the edited one
    lines.pop(1)
    catalog.audit_log.write_text("\n".join(lines) + "\n")
    assert log.verify().first_bad_line == 2


def test_a_long_audit_log_still_chains_each_append_to_the_last_record(tmp_path, monkeypatch):
    # appends read the log backwards from its end: records longer than the read-back step and a
    # log of many steps must chain exactly as a whole-file read would
    import analysis.audit as audit

    monkeypatch.setattr(audit, "_last_line", partial(audit._last_line, step=64))
    log = AuditLog(tmp_path / "audit" / "log.jsonl")
    for n in range(40):
        log.append("consultation", f"page-{n}", "served", "test", note="ș" * (n % 7) * 30)
    checked = log.verify()
    assert checked.ok and checked.records == 40


def test_an_append_chains_to_a_log_whose_lines_end_in_crlf(tmp_path):
    # verify reads \r\n as a line end; the append must hash the last record the same way
    log = AuditLog(tmp_path / "log.jsonl")
    for n in range(3):
        log.append("consultation", f"page-{n}", "served", "test")
    log.path.write_bytes(log.path.read_bytes().replace(b"\n", b"\r\n"))
    assert log.verify().ok
    log.append("consultation", "page-3", "served", "test")
    checked = log.verify()
    assert checked.ok and checked.records == 4


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.sampled_from([*BAD_ROWS, "x;y", ";;;;;;;;;;;", "ąćęł;€;™"]), max_size=12),
    st.integers(min_value=30, max_value=60),
)
def test_rows_read_is_always_accepted_plus_quarantined(catalog, tmp_path_factory, bad, n_good):
    path = police_file(
        tmp_path_factory.mktemp("p"),
        [valid_row(i) for i in range(1, n_good)] + bad,
        encoding="utf-8",
    )
    try:
        result = ingest_file(catalog, "police_cases", path, today=TODAY)
    except TooManyRejected as exc:
        result = exc.result
    assert result.rows_read == n_good - 1 + len(bad)
    assert result.rows_read == result.rows_accepted + result.rows_quarantined


EXTRACTS = dict(SYNTH_EXTRACTS)


def quarantined(catalog, result) -> set[tuple[int, str]]:
    """(row, rule) pairs of the quarantine an ingest left for its stewards."""
    folder = catalog.quarantine / result.source / result.snapshot_id
    if not (folder / "reasons.csv").exists():
        return set()
    return set(pl.read_csv(folder / "reasons.csv").select("row", "rule").iter_rows())


@pytest.mark.parametrize(("seed", "defects"), [(11, 0.0), (12, 0.03), (13, 0.3)])
def test_ingest_quarantines_exactly_the_rows_of_the_defects_truth(catalog, tmp_path, seed, defects):
    from analysis.synth import generate

    out = tmp_path / "extracts"
    generate(out, seed=seed, scale=0.002, defects=defects, progress=False)
    truth = pl.read_csv(out / "_defects.csv")
    for source, name in EXTRACTS.items():
        try:  # small blocks: rules must hold across the batches of a streamed file
            result = ingest_file(catalog, source, out / name, today=TODAY, block_bytes=50_000)
        except TooManyRejected as exc:
            result = exc.result
        got = quarantined(catalog, result)
        want = set(truth.filter(pl.col("file") == name).select("row", "rule").iter_rows())
        assert got == want, (source, sorted(want - got)[:5], sorted(got - want)[:5])
        assert result.rows_accepted + result.rows_quarantined == contract_rows(out, name)


def contract_rows(folder: Path, name: str) -> int:
    """Rows in a synthetic file, counted from the generator's own record of it."""
    record = json.loads((folder / "_synth.json").read_text())["files"][name]["rows"]
    return record if not name.endswith(".tsv") else record * 15  # Eurostat: 15 years a line


def test_every_source_ingests_into_a_snapshot_that_verifies(catalog, tmp_path):
    from analysis.synth import generate

    out = tmp_path / "extracts"
    generate(out, seed=5, scale=0.002, defects=0.02, progress=False)
    for source, name in EXTRACTS.items():
        result = ingest_file(catalog, source, out / name, today=TODAY)
        assert verify_snapshot(catalog, source, result.snapshot_id) == []
        if source in ("population", "eurostat_crime"):  # the real INS and Eurostat files
            assert result.rows_quarantined == 0
