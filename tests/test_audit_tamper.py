"""The audit log against someone who can write to its folder but does not hold the audit key.

Each test tampers with a real log the way an intruder (or a crash) would and expects `verify`
to say what happened, where, in one reason, never a traceback.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.audit import GENESIS, AuditKeyError, AuditLog, _digest

NOCTA = str(Path(sys.executable).with_name("nocta"))


@pytest.fixture
def log(tmp_path) -> AuditLog:
    log = AuditLog(tmp_path / "var" / "audit" / "audit.jsonl")
    for n in range(5):
        log.append("consultation", f"page-{n}", "served", "test")
    return log


def lines(log: AuditLog) -> list[bytes]:
    return log.path.read_bytes().splitlines(keepends=True)


def test_an_intact_log_verifies_keyed_with_its_head(log):
    checked = log.verify()
    assert checked.ok and checked.records == 5 and checked.unkeyed == 0
    assert (log.keys / "audit.key").stat().st_mode & 0o777 == 0o600
    assert log.head()["records"] == 5


def test_records_removed_from_the_end_are_detected(log):
    log.path.write_bytes(b"".join(lines(log)[:3]))
    checked = log.verify()
    assert not checked.ok and "ends at record 3" in checked.reason
    assert "cites record 5" in checked.reason and "removed from its end" in checked.reason


def test_a_deleted_log_is_detected(log):
    log.path.unlink()
    checked = log.verify()
    assert not checked.ok and "the log is missing" in checked.reason


def test_a_forged_record_with_a_correct_link_is_detected(log):
    last = lines(log)[-1].rstrip(b"\n")
    forged = json.loads(last) | {"dataset": "page-x", "prev": _digest(last), "seq": 6}
    forged["mac"] = "0" * 64
    with log.path.open("ab") as f:
        f.write(json.dumps(forged, sort_keys=True).encode() + b"\n")
    checked = log.verify()
    assert not checked.ok and checked.first_bad_line == 6
    assert "does not verify with the audit key" in checked.reason


def test_a_rewritten_head_file_is_not_believed(log):
    head = json.loads(log.head_path.read_text())
    log.path.write_bytes(b"".join(lines(log)[:3]))
    log.head_path.write_text(json.dumps(head | {"records": 3}))
    checked = log.verify()
    assert not checked.ok and "does not verify with the audit key" in checked.reason


@pytest.mark.parametrize("content", [b"[]\n", b"\xff\xfe not utf-8\n", b'{"prev": "x"'])
def test_a_broken_log_is_reported_and_never_a_traceback(tmp_path, content):
    log = AuditLog(tmp_path / "audit" / "audit.jsonl")
    log.path.parent.mkdir(parents=True)
    log.path.write_bytes(content)
    checked = log.verify()
    assert not checked.ok and checked.first_bad_line == 1
    log.append("consultation", "page", "served", "test")  # the next append never fails


def test_a_torn_last_line_is_set_aside_by_the_next_append(log):
    with log.path.open("ab") as f:
        f.write(b'{"actor": "nocta", "operation": "consult')  # the disk filled mid-write
    checked = log.verify()
    assert not checked.ok and checked.first_bad_line == 6 and "torn" in checked.reason
    log.append("consultation", "page-5", "served", "test")
    checked = log.verify()
    assert checked.ok and checked.records == 6
    torn = list(log.path.parent.glob("audit.jsonl.torn-*"))
    assert len(torn) == 1 and torn[0].read_bytes().startswith(b'{"actor"')


def test_a_log_written_before_it_was_keyed_still_verifies_and_continues(tmp_path):
    log = AuditLog(tmp_path / "audit" / "audit.jsonl")
    log.path.parent.mkdir(parents=True)
    prev, old = GENESIS, []
    for n in range(3):
        line = json.dumps({"dataset": f"old-{n}", "prev": prev}, sort_keys=True).encode()
        old.append(line + b"\n")
        prev = _digest(line)
    log.path.write_bytes(b"".join(old))
    log.append("consultation", "new", "served", "test")
    checked = log.verify()
    assert checked.ok and checked.records == 4 and checked.unkeyed == 3
    assert json.loads(lines(log)[-1])["seq"] == 4


def test_a_lost_key_stops_appends_instead_of_voiding_the_log(log):
    os.replace(log.key_path, log.key_path.with_name("elsewhere"))
    with pytest.raises(AuditKeyError, match="restore the key"):
        log.append("consultation", "page", "served", "test")
    checked = log.verify()
    assert not checked.ok and "audit key" in checked.reason and "is missing" in checked.reason


def test_the_cli_names_a_snapshot_that_cites_a_deleted_log(tmp_path):
    env = os.environ | {"NOCTA_HOME": str(tmp_path / "var")}
    env.pop("NOCTA_KEYS", None)
    subprocess.run([NOCTA, "keys", "init", "--pseudonym"], env=env, check=True)
    header = "NR_DOSAR;DATA_INREGISTRARE;JUDET;PIATA;ART_INCADRARE;GRUP_INFRACTIONAL;ID_GRUP;"
    header += "NR_SUSPECTI;CNP_SUSPECTI;PREJUDICIU_RON;STADIU;OBSERVATII"
    for n in (3, 4):
        rows = [f"{i}/P/2024;15.03.2024;Cluj;drugs_cannabis;x;NU;;0;;;in_lucru;" for i in range(n)]
        extract = tmp_path / f"police-{n}.csv"
        extract.write_text("\n".join([header, *rows]) + "\n")
        done = subprocess.run(
            [NOCTA, "ingest", "--source", "police_cases", str(extract)], env=env, check=False
        )
        assert done.returncode == 0
    verify = [NOCTA, "audit", "verify"]
    ok = subprocess.run(verify, env=env, capture_output=True, text=True)
    assert ok.returncode == 0 and "2 records, chain intact, keyed" in ok.stdout, ok.stderr
    (tmp_path / "var" / "audit" / "audit.jsonl").unlink()
    (tmp_path / "var" / "keys" / "audit.head").unlink()  # the intruder removes both
    gone = subprocess.run(verify, env=env, capture_output=True, text=True)
    assert gone.returncode == 1 and "the log is missing" in gone.stderr
    assert "_manifest.json cites 1 records" in gone.stderr
